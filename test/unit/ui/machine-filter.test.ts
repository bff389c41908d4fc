import fc from "fast-check";
import type { Machine } from "../../../sdk/schema/machine";
import {
  applyFilter,
  filterFromQuery,
  filterToQuery,
  type MachineFilter,
  SORT_KEYS,
} from "../../../ui/src/machine-filter";

const STATUSES = ["New", "Ready", "Deployed", "Broken"] as const;

function machine(i: number, over: Partial<Machine> = {}): Machine {
  return {
    id: `mch_${i.toString(16).padStart(16, "0")}`,
    hostname: `pe860-${i}`,
    fqdn: `pe860-${i}.girona.example`,
    rackId: `rck_${i % 2}`,
    regionId: "reg_1",
    macs: [`52:54:00:00:00:${(i % 256).toString(16).padStart(2, "0")}`],
    power: { type: "manual", passwordSet: false },
    poolId: i % 3 === 0 ? null : `pol_${i % 3}`,
    tags: i % 4 === 0 ? ["gpu"] : [],
    description: "",
    deploy: null,
    vmHost: false,
    vmHostConfig: null,
    status: STATUSES[i % STATUSES.length]!,
    statusReason: "",
    powerState: "off",
    powerError: null,
    inventory: i % 5 === 0 ? null : { cores: 2, memoryMiB: 1024 * (i % 7), storage: [], nics: [] },
    health: { status: "unknown", checkedAt: null, reasons: [] },
    ip: i % 2 ? `10.0.${i >> 8}.${i & 255}` : null,
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...over,
  } as Machine;
}

const base = filterFromQuery(new URLSearchParams());

describe("machines page filter", () => {
  test("the URL round-trips, and defaults stay out of it", () => {
    expect(filterToQuery(base)).toBe("");
    const f: MachineFilter = {
      status: "Ready",
      rack: "rck_1",
      pool: "none",
      tag: "gpu",
      q: "a b&c",
      sort: "ip",
      dir: "desc",
    };
    const q = filterToQuery(f);
    expect(filterFromQuery(new URLSearchParams(q.slice(1)))).toEqual(f);
    expect(filterFromQuery(new URLSearchParams("sort=nonsense&dir=sideways"))).toEqual(base);
  });

  test("each criterion keeps exactly the machines matching it (all of them at once: the conjunction)", () => {
    const ms = Array.from({ length: 200 }, (_, i) => machine(i));
    fc.assert(
      fc.property(
        fc.record({
          status: fc.constantFrom("", ...STATUSES),
          rack: fc.constantFrom("", "rck_0", "rck_1"),
          pool: fc.constantFrom("", "none", "pol_1", "pol_2"),
          tag: fc.constantFrom("", "gpu"),
          q: fc.constantFrom("", "pe860-1", "10.0.0.", "52:54", "GPU", "nothing"),
          sort: fc.constantFrom(...SORT_KEYS),
          dir: fc.constantFrom("asc" as const, "desc" as const),
        }),
        (f) => {
          const got = applyFilter(ms, f);
          const text = f.q.toLowerCase();
          const want = ms.filter(
            (m) =>
              (!f.status || m.status === f.status) &&
              (!f.rack || m.rackId === f.rack) &&
              (!f.pool || (f.pool === "none" ? m.poolId === null : m.poolId === f.pool)) &&
              (!f.tag || m.tags.includes(f.tag)) &&
              (!text ||
                [m.hostname, m.id, m.ip ?? "", m.fqdn, ...m.macs, ...m.tags].some((s) =>
                  s.toLowerCase().includes(text),
                )),
          );
          expect(new Set(got.map((m) => m.id))).toEqual(new Set(want.map((m) => m.id)));
          expect(got).toHaveLength(want.length);
        },
      ),
    );
  });

  test("sorting: numeric where numbers, natural for names, desc reverses, ties by hostname", () => {
    const ms = [machine(10), machine(9), machine(100), machine(1)];
    expect(applyFilter(ms, base).map((m) => m.hostname)).toEqual([
      "pe860-1",
      "pe860-9",
      "pe860-10",
      "pe860-100",
    ]);
    expect(applyFilter(ms, { ...base, dir: "desc" }).map((m) => m.hostname)).toEqual([
      "pe860-100",
      "pe860-10",
      "pe860-9",
      "pe860-1",
    ]);
    const ips = [machine(3, { ip: "10.0.0.10" }), machine(5, { ip: "10.0.0.9" }), machine(7, { ip: null })];
    expect(applyFilter(ips, { ...base, sort: "ip" }).map((m) => m.ip)).toEqual([
      null,
      "10.0.0.9",
      "10.0.0.10",
    ]);
    const same = [machine(2, { status: "Ready" }), machine(1, { status: "Ready" })];
    expect(applyFilter(same, { ...base, sort: "status", dir: "desc" }).map((m) => m.hostname)).toEqual([
      "pe860-2",
      "pe860-1",
    ]);
  });
});
