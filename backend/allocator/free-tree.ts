/**
 * An ordered index of one pool's hosts by free room on ONE resource, for fast best-fit and spread.
 *
 * Why this structure: best-fit wants "the host with the least free room on resource d that is still
 * ≥ the request, and that also fits on the other two resources", with ties by host id. A treap keyed by
 * (free[d], host rank) answers the "least ≥" part by descending in O(log n); augmenting every node with
 * the maximum free room of its subtree on all three resources lets the in-order walk skip whole subtrees
 * that cannot hold the request. A plain per-value bucket array cannot skip hosts that are short on
 * another resource, and a segment tree over host ranks cannot order by free room; the treap does both
 * and updates in O(log n) when a placement changes one host. The maxima are a necessary condition only
 * (a subtree can have room for cores on one host and memory on another), so an adversarial pool can
 * make a query visit many nodes; with real pools the walk stops within a few nodes.
 *
 * Nodes are numbered 1..n (0 is the empty sentinel) and the number is the host's rank by id, so
 * (free, node) order is exactly the placement rule's (free, host id) order. The three free arrays are
 * shared with the other two trees of the pool and owned by the caller, which must `erase` a node
 * before changing its free room and `insert` it again afterwards.
 */
export type Free3 = readonly [Float64Array, Float64Array, Float64Array];

/** Extra per-host predicate (tags, anti-affinity); null means every host qualifies. */
export type Accept = ((node: number) => boolean) | null;

export class FreeTree {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly prio: Uint32Array;
  private readonly max0: Float64Array;
  private readonly max1: Float64Array;
  private readonly max2: Float64Array;
  private readonly key: Float64Array;
  private root = 0;
  // Query arguments, kept in fields so the recursive walk takes one argument.
  private lo = 0;
  private n0 = 0;
  private n1 = 0;
  private n2 = 0;
  private accept: Accept = null;

  constructor(
    private readonly free: Free3,
    dim: 0 | 1 | 2,
    size: number,
  ) {
    this.key = free[dim];
    this.left = new Int32Array(size + 1);
    this.right = new Int32Array(size + 1);
    this.prio = new Uint32Array(size + 1);
    this.max0 = new Float64Array(size + 1);
    this.max1 = new Float64Array(size + 1);
    this.max2 = new Float64Array(size + 1);
    this.max0[0] = this.max1[0] = this.max2[0] = Number.NEGATIVE_INFINITY;
    // Fixed pseudo-random priorities keep the tree shape reproducible; answers never depend on shape.
    for (let i = 1; i <= size; i++) {
      let h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1);
      h ^= h >>> 15;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      this.prio[i] = h >>> 0;
    }
    for (let i = 1; i <= size; i++) this.insert(i);
  }

  insert(node: number): void {
    this.root = this.ins(this.root, node);
  }

  /** Removes `node`; its key must still be the one it was inserted with. */
  erase(node: number): void {
    this.root = this.del(this.root, node);
  }

  /** First node in (key, node) order with key ≥ lo whose free room is ≥ (n0, n1, n2) and that `accept`s; 0 if none. */
  findFirst(lo: number, n0: number, n1: number, n2: number, accept: Accept): number {
    this.lo = lo;
    this.n0 = n0;
    this.n1 = n1;
    this.n2 = n2;
    this.accept = accept;
    const found = this.first(this.root);
    this.accept = null;
    return found;
  }

  /** Last node in (key, node) order whose free room is ≥ (n0, n1, n2) and that `accept`s; 0 if none. */
  findLast(n0: number, n1: number, n2: number, accept: Accept): number {
    this.n0 = n0;
    this.n1 = n1;
    this.n2 = n2;
    this.accept = accept;
    const found = this.last(this.root);
    this.accept = null;
    return found;
  }

  /** Maximum free room on each resource over all nodes (−∞ when empty). */
  maxima(): [number, number, number] {
    return [this.max0[this.root]!, this.max1[this.root]!, this.max2[this.root]!];
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka < kb || (ka === kb && a < b);
  }

  private pull(t: number): void {
    const l = this.left[t]!;
    const r = this.right[t]!;
    this.max0[t] = Math.max(this.free[0][t]!, this.max0[l]!, this.max0[r]!);
    this.max1[t] = Math.max(this.free[1][t]!, this.max1[l]!, this.max1[r]!);
    this.max2[t] = Math.max(this.free[2][t]!, this.max2[l]!, this.max2[r]!);
  }

  private ins(t: number, x: number): number {
    if (t === 0) {
      this.left[x] = 0;
      this.right[x] = 0;
      this.pull(x);
      return x;
    }
    if (this.less(x, t)) {
      const l = this.ins(this.left[t]!, x);
      this.left[t] = l;
      if (this.prio[l]! > this.prio[t]!) {
        this.left[t] = this.right[l]!;
        this.right[l] = t;
        this.pull(t);
        this.pull(l);
        return l;
      }
    } else {
      const r = this.ins(this.right[t]!, x);
      this.right[t] = r;
      if (this.prio[r]! > this.prio[t]!) {
        this.right[t] = this.left[r]!;
        this.left[r] = t;
        this.pull(t);
        this.pull(r);
        return r;
      }
    }
    this.pull(t);
    return t;
  }

  private del(t: number, x: number): number {
    if (t === 0) return 0;
    if (t === x) return this.merge(this.left[t]!, this.right[t]!);
    if (this.less(x, t)) this.left[t] = this.del(this.left[t]!, x);
    else this.right[t] = this.del(this.right[t]!, x);
    this.pull(t);
    return t;
  }

  private merge(a: number, b: number): number {
    if (a === 0) return b;
    if (b === 0) return a;
    if (this.prio[a]! > this.prio[b]!) {
      this.right[a] = this.merge(this.right[a]!, b);
      this.pull(a);
      return a;
    }
    this.left[b] = this.merge(a, this.left[b]!);
    this.pull(b);
    return b;
  }

  private roomy(t: number): boolean {
    return this.max0[t]! >= this.n0 && this.max1[t]! >= this.n1 && this.max2[t]! >= this.n2;
  }

  private qualifies(t: number): boolean {
    return (
      this.free[0][t]! >= this.n0 &&
      this.free[1][t]! >= this.n1 &&
      this.free[2][t]! >= this.n2 &&
      (this.accept === null || this.accept(t))
    );
  }

  private first(t: number): number {
    while (t !== 0 && this.roomy(t)) {
      if (this.key[t]! < this.lo) {
        t = this.right[t]!; // t and its left subtree are below lo
        continue;
      }
      const found = this.first(this.left[t]!);
      if (found !== 0) return found;
      if (this.qualifies(t)) return t;
      t = this.right[t]!;
    }
    return 0;
  }

  private last(t: number): number {
    while (t !== 0 && this.roomy(t)) {
      const found = this.last(this.right[t]!);
      if (found !== 0) return found;
      if (this.qualifies(t)) return t;
      t = this.left[t]!;
    }
    return 0;
  }
}
