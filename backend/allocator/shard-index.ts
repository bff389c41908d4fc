import { effectiveCapacity } from "./capacity";
import { type Accept, type Free3, FreeTree } from "./free-tree";
import { compareIds } from "./host-order";
import type { HostView } from "./refusal";
import type { Host, PoolPolicy, Resources, Strategy } from "./types";

/**
 * The hosts of one pool that carry exactly the same set of tags, with their free room, indexed by up
 * to three `FreeTree`s (one per resource, each built the first time a request is dominant on that
 * resource, so a pool whose requests are all core-dominant never pays for the other two). Answers
 * never depend on which trees exist, only on the free room.
 * Node k (1-based) is the shard's k-th host by id.
 */
export class ShardIndex {
  /** Hosts sorted by id; node k is hosts[k - 1]. */
  readonly hosts: readonly Host[];
  readonly tags: ReadonlySet<string>;
  private readonly capacity: Free3;
  private readonly free: Free3;
  private readonly trees: [FreeTree | null, FreeTree | null, FreeTree | null] = [null, null, null];

  constructor(policy: PoolPolicy, tags: ReadonlySet<string>, hosts: readonly Host[]) {
    this.tags = tags;
    this.hosts = [...hosts].sort((a, b) => compareIds(a.id, b.id));
    const n = this.hosts.length;
    this.capacity = [new Float64Array(n + 1), new Float64Array(n + 1), new Float64Array(n + 1)];
    this.free = [new Float64Array(n + 1), new Float64Array(n + 1), new Float64Array(n + 1)];
    this.hosts.forEach((h, i) => {
      const cap = effectiveCapacity(h, policy);
      this.capacity[0][i + 1] = cap.cores;
      this.capacity[1][i + 1] = cap.memoryMiB;
      this.capacity[2][i + 1] = cap.diskGiB;
      this.free[0][i + 1] = cap.cores - h.used.cores;
      this.free[1][i + 1] = cap.memoryMiB - h.used.memoryMiB;
      this.free[2][i + 1] = cap.diskGiB - h.used.diskGiB;
    });
  }

  get size(): number {
    return this.hosts.length;
  }

  freeOf(node: number): Resources {
    return { cores: this.free[0][node]!, memoryMiB: this.free[1][node]!, diskGiB: this.free[2][node]! };
  }

  /** Free room of `node` on resource `dim` (0 cores, 1 memory, 2 disk). */
  freeOn(node: number, dim: 0 | 1 | 2): number {
    return this.free[dim][node]!;
  }

  usedOf(node: number): Resources {
    return {
      cores: this.capacity[0][node]! - this.free[0][node]!,
      memoryMiB: this.capacity[1][node]! - this.free[1][node]!,
      diskGiB: this.capacity[2][node]! - this.free[2][node]!,
    };
  }

  /** Most free room on each resource over the shard's hosts (−∞ when empty). */
  maxFree(): Resources {
    const [cores, memoryMiB, diskGiB] = (this.trees.find((t) => t !== null) ?? this.tree(0)).maxima();
    return { cores, memoryMiB, diskGiB };
  }

  /** Adds `sign × amount` to a host's used capacity (−1 gives it back), keeping the trees ordered. */
  charge(node: number, amount: Resources, sign: 1 | -1): void {
    for (const t of this.trees) t?.erase(node);
    this.free[0][node] = this.free[0][node]! - sign * amount.cores;
    this.free[1][node] = this.free[1][node]! - sign * amount.memoryMiB;
    this.free[2][node] = this.free[2][node]! - sign * amount.diskGiB;
    for (const t of this.trees) t?.insert(node);
  }

  /** The node the placement rule picks for `need` (ranked on resource `dim`) among nodes that
   * `accept`, or 0. */
  choose(need: Resources, dim: 0 | 1 | 2, strategy: Strategy, accept: Accept): number {
    const tree = this.tree(dim);
    const { cores, memoryMiB, diskGiB } = need;
    if (strategy === "best-fit") {
      const lo = dim === 0 ? cores : dim === 1 ? memoryMiB : diskGiB;
      return tree.findFirst(lo, cores, memoryMiB, diskGiB, accept);
    }
    // Spread: the most free room wins, then the lowest id among hosts with that much room.
    const last = tree.findLast(cores, memoryMiB, diskGiB, accept);
    if (last === 0) return 0;
    return tree.findFirst(this.free[dim][last]!, cores, memoryMiB, diskGiB, accept);
  }

  /** Every host as the refusal explanation sees it (O(n): only on the refusal path). */
  *views(): Iterable<HostView> {
    for (let k = 1; k <= this.hosts.length; k++) {
      const h = this.hosts[k - 1]!;
      yield { id: h.id, free: this.freeOf(k), tags: this.tags, failureDomains: h.failureDomains };
    }
  }

  private tree(dim: 0 | 1 | 2): FreeTree {
    let t = this.trees[dim];
    if (t === null) {
      t = new FreeTree(this.free, dim, this.hosts.length);
      this.trees[dim] = t;
    }
    return t;
  }
}
