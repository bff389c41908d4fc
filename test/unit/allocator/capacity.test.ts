import {
  dominantResource,
  effectiveCapacity,
  fits,
  freeCapacity,
  poolMaxCapacity,
} from "../../../backend/allocator/capacity";
import type { Host, PoolPolicy } from "../../../backend/allocator/types";

const host = (over: Partial<Host> = {}): Host => ({
  id: "h1",
  pool: "p",
  cores: 2,
  memoryMiB: 8192,
  diskGiB: 250,
  tags: [],
  failureDomains: { host: "h1", rack: "r1", region: "g1" },
  used: { cores: 0, memoryMiB: 0, diskGiB: 0 },
  ...over,
});
const policy = (cpu: number, mem: number): PoolPolicy => ({
  name: "p",
  cpuOvercommit: cpu,
  memoryOvercommit: mem,
});

describe("effective capacity", () => {
  test("multiplies cores and memory by the pool ratios, never disk", () => {
    expect(effectiveCapacity(host(), policy(4, 1.5))).toEqual({ cores: 8, memoryMiB: 12288, diskGiB: 250 });
  });

  test("floors fractional results so capacity stays an integer", () => {
    expect(effectiveCapacity(host({ cores: 3, memoryMiB: 1000 }), policy(1.25, 1.0001))).toEqual({
      cores: 3,
      memoryMiB: 1000,
      diskGiB: 250,
    });
  });

  test("does not lose a unit to floating point (100 × 1.13 is 113, not 112.999…)", () => {
    expect(effectiveCapacity(host({ cores: 100, memoryMiB: 100 }), policy(1.13, 1.13)).cores).toBe(113);
  });

  test("free is effective minus used, and may go negative after a ratio is lowered", () => {
    const h = host({ used: { cores: 6, memoryMiB: 4096, diskGiB: 100 } });
    expect(freeCapacity(h, policy(4, 1))).toEqual({ cores: 2, memoryMiB: 4096, diskGiB: 150 });
    expect(freeCapacity(h, policy(2, 1)).cores).toBe(-2);
  });
});

describe("fits", () => {
  test("needs room on every resource; exact fit counts", () => {
    const free = { cores: 2, memoryMiB: 1024, diskGiB: 10 };
    expect(fits(free, { cores: 2, memoryMiB: 1024, diskGiB: 10 })).toBe(true);
    expect(fits(free, { cores: 3, memoryMiB: 1, diskGiB: 1 })).toBe(false);
    expect(fits(free, { cores: 1, memoryMiB: 1025, diskGiB: 1 })).toBe(false);
    expect(fits(free, { cores: 1, memoryMiB: 1, diskGiB: 11 })).toBe(false);
  });
});

describe("dominant resource", () => {
  const max = poolMaxCapacity([
    { cores: 8, memoryMiB: 8192, diskGiB: 100 },
    { cores: 4, memoryMiB: 16384, diskGiB: 50 },
  ]);

  test("the pool yardstick is the per-resource maximum", () => {
    expect(max).toEqual({ cores: 8, memoryMiB: 16384, diskGiB: 100 });
  });

  test("is the resource the request needs the largest share of", () => {
    expect(dominantResource({ cores: 2, memoryMiB: 1024, diskGiB: 10 }, max)).toBe("cores");
    expect(dominantResource({ cores: 1, memoryMiB: 8192, diskGiB: 10 }, max)).toBe("memoryMiB");
    expect(dominantResource({ cores: 1, memoryMiB: 1024, diskGiB: 90 }, max)).toBe("diskGiB");
  });

  test("ties go to cores, then memory", () => {
    expect(dominantResource({ cores: 1, memoryMiB: 2048, diskGiB: 0 }, max)).toBe("cores");
    expect(dominantResource({ cores: 0, memoryMiB: 1638, diskGiB: 10 }, { ...max, memoryMiB: 16380 })).toBe(
      "memoryMiB",
    );
  });

  test("a resource the pool has none of dominates any request that needs it", () => {
    expect(
      dominantResource({ cores: 8, memoryMiB: 1, diskGiB: 1 }, { cores: 8, memoryMiB: 8192, diskGiB: 0 }),
    ).toBe("diskGiB");
  });
});
