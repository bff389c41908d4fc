/**
 * Quota arithmetic (backend/region/quota-arithmetic.ts), exhaustively over small values: a
 * request is refused exactly when some limited field grows past its limit, the refusal names
 * the first such quota and field with its figures, and shrinking never fails.
 */
import {
  type Amounts,
  delta,
  firstExceeded,
  type QuotaState,
  refusalText,
  sum,
  vmAmounts,
} from "../../../backend/region/quota-arithmetic";
import { QUOTA_FIELDS, type QuotaField } from "../../../sdk/schema/quota";

const TENANT = "ten_0000000000000001";
const POOL = "pol_0000000000000001";
const quota = (id: string, limits: QuotaState["quota"]["limits"], poolId: string | null = null) => ({
  id,
  tenantId: TENANT,
  poolId,
  limits,
});

test("vmAmounts, delta and sum", () => {
  expect(vmAmounts({ cores: 2, memoryMiB: 2048, diskGiB: 20 })).toEqual({
    vms: 1,
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 20,
  });
  const a = vmAmounts({ cores: 2, memoryMiB: 2048, diskGiB: 20 });
  const b = vmAmounts({ cores: 1, memoryMiB: 4096, diskGiB: 20 });
  // A resize is not a new VM; unchanged fields are left out.
  expect(delta(a, b)).toEqual({ cores: -1, memoryMiB: 2048 });
  expect(delta(a, a)).toEqual({});
  expect(sum([a, b, { publicIps: 1 }])).toEqual({
    vms: 2,
    cores: 3,
    memoryMiB: 6144,
    diskGiB: 40,
    publicIps: 1,
  });
  expect(sum([])).toEqual({});
});

test("every field, every limit 0..4, held 0..5, asked -2..4: refused iff asked > 0 and held + asked > limit", () => {
  let refusals = 0;
  let checks = 0;
  for (const f of QUOTA_FIELDS) {
    for (const limit of [null, 0, 1, 2, 3, 4]) {
      for (let held = 0; held <= 5; held++) {
        for (let asked = -2; asked <= 4; asked++) {
          checks++;
          const r = firstExceeded(
            [{ quota: quota("quo_0000000000000001", { [f]: limit }), used: { [f]: held } }],
            {
              [f]: asked,
            },
          );
          const expected = limit !== null && asked > 0 && held + asked > limit;
          expect([f, limit, held, asked, r !== null]).toEqual([f, limit, held, asked, expected]);
          if (r) {
            refusals++;
            expect(r).toEqual({
              quota: f,
              quotaId: "quo_0000000000000001",
              tenantId: TENANT,
              poolId: null,
              limit,
              used: held,
              requested: asked,
            });
          }
        }
      }
    }
  }
  expect(checks).toBe(QUOTA_FIELDS.length * 6 * 6 * 7);
  expect(refusals).toBeGreaterThan(0);
});

test("a limit on one field ignores the others; the first refused field in field order is named", () => {
  const q = quota("quo_0000000000000001", { cores: 4, diskGiB: 10 });
  expect(
    firstExceeded([{ quota: q, used: { cores: 4, memoryMiB: 1e9 } }], { memoryMiB: 1e6, vms: 5 }),
  ).toBeNull();
  const both = firstExceeded([{ quota: q, used: { cores: 4, diskGiB: 10 } }], { cores: 1, diskGiB: 1 });
  expect(both?.quota).toBe("cores");
  const onlyDisk = firstExceeded([{ quota: q, used: { cores: 0, diskGiB: 10 } }], { cores: 1, diskGiB: 1 });
  expect(onlyDisk?.quota).toBe("diskGiB");
  // Missing use counts as none.
  expect(firstExceeded([{ quota: q, used: {} }], { cores: 4 })).toBeNull();
  expect(firstExceeded([{ quota: q, used: {} }], { cores: 5 })?.used).toBe(0);
});

test("quotas are judged in the order given: tenant-wide before per-pool; any one refuses", () => {
  const wide = quota("quo_000000000000000a", { vms: 3 });
  const pool = quota("quo_000000000000000b", { vms: 1 }, POOL);
  const ask: Amounts = { vms: 1 };
  for (const [wideHeld, poolHeld] of [
    [0, 0],
    [2, 0],
    [3, 0],
    [0, 1],
    [3, 1],
  ] as const) {
    const r = firstExceeded(
      [
        { quota: wide, used: { vms: wideHeld } },
        { quota: pool, used: { vms: poolHeld } },
      ],
      ask,
    );
    const expected = wideHeld + 1 > 3 ? wide.id : poolHeld + 1 > 1 ? pool.id : null;
    expect([wideHeld, poolHeld, r?.quotaId ?? null]).toEqual([wideHeld, poolHeld, expected]);
  }
  expect(firstExceeded([], { vms: 1e9 })).toBeNull();
});

test("a lowered limit stops growth but never a shrink", () => {
  const q = quota("quo_0000000000000001", { cores: 2, memoryMiB: 1024 });
  const used = { cores: 8, memoryMiB: 8192 };
  expect(firstExceeded([{ quota: q, used }], { cores: -4, memoryMiB: -4096 })).toBeNull();
  expect(firstExceeded([{ quota: q, used }], { cores: -4, memoryMiB: 1 })?.quota).toBe("memoryMiB");
});

test("the refusal text names the quota, its scope, the limit, the use and the request", () => {
  const r = {
    quota: "cores" as QuotaField,
    quotaId: "quo_0000000000000001",
    tenantId: TENANT,
    poolId: POOL,
    limit: 4,
    used: 3,
    requested: 2,
  };
  expect(refusalText(r, "shared")).toBe(
    `quota cores of tenant ${TENANT} in pool shared exceeded: limit 4, in use 3, requested 2 more (quota quo_0000000000000001)`,
  );
  expect(refusalText({ ...r, poolId: null })).toMatch(
    /^quota cores of tenant ten_0000000000000001 exceeded: limit 4/,
  );
});
