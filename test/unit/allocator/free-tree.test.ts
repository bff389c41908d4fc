import fc from "fast-check";
import { type Free3, FreeTree } from "../../../backend/allocator/free-tree";

/** Brute force: nodes in (free[dim], node) order. */
function ordered(free: Free3, dim: 0 | 1 | 2, n: number): number[] {
  const nodes = Array.from({ length: n }, (_, i) => i + 1);
  return nodes.sort((a, b) => free[dim][a]! - free[dim][b]! || a - b);
}

const fitsAll = (free: Free3, node: number, need: number[]) =>
  free[0][node]! >= need[0]! && free[1][node]! >= need[1]! && free[2][node]! >= need[2]!;

describe("FreeTree", () => {
  test("findFirst / findLast equal a linear scan after any sequence of updates", () => {
    const value = fc.integer({ min: -3, max: 12 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<0 | 1 | 2>(0, 1, 2),
        fc.array(fc.tuple(fc.nat(), value, value, value), { maxLength: 60 }),
        fc.array(fc.tuple(value, value, value, value, fc.nat()), { minLength: 1, maxLength: 20 }),
        (n, dim, updates, queries) => {
          const free: Free3 = [new Float64Array(n + 1), new Float64Array(n + 1), new Float64Array(n + 1)];
          for (let i = 1; i <= n; i++) for (let d = 0; d < 3; d++) free[d]![i] = (i * (d + 3)) % 9;
          const tree = new FreeTree(free, dim, n);
          for (const [pick, a, b, c] of updates) {
            const node = (pick % n) + 1;
            tree.erase(node);
            free[0][node] = a;
            free[1][node] = b;
            free[2][node] = c;
            tree.insert(node);
          }
          const order = ordered(free, dim, n);
          for (const [lo, a, b, c, salt] of queries) {
            const need = [a, b, c];
            // an arbitrary extra predicate, as tags and anti-affinity are
            const accept = salt % 3 === 0 ? null : (node: number) => (node + salt) % 3 !== 0;
            const ok = (node: number) => fitsAll(free, node, need) && (accept === null || accept(node));
            const first = order.find((node) => free[dim][node]! >= lo && ok(node)) ?? 0;
            const last = [...order].reverse().find(ok) ?? 0;
            expect(tree.findFirst(lo, a, b, c, accept)).toBe(first);
            expect(tree.findLast(a, b, c, accept)).toBe(last);
          }
          const max = [0, 1, 2].map((d) => Math.max(...order.map((node) => free[d]![node]!)));
          expect(tree.maxima()).toEqual(max);
        },
      ),
      { numRuns: 300 },
    );
  });
});
