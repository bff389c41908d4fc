import { Allocator } from "../../../backend/allocator/allocator";
import { AllocatorError } from "../../../backend/allocator/errors";
import { place } from "../../../backend/allocator/place";
import type {
  AllocatorState,
  Host,
  PlacedVm,
  PlaceOptions,
  PlacementRequest,
  PlacementResult,
  PoolPolicy,
} from "../../../backend/allocator/types";

function host(id: string, over: Partial<Host> = {}): Host {
  return {
    id,
    pool: "gold",
    cores: 2,
    memoryMiB: 8192,
    diskGiB: 250,
    tags: [],
    failureDomains: { host: id, rack: "r1", region: "girona" },
    used: { cores: 0, memoryMiB: 0, diskGiB: 0 },
    ...over,
  };
}
const gold: PoolPolicy = { name: "gold", cpuOvercommit: 1, memoryOvercommit: 1 };
const req = (over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  id: "vm-1",
  pool: "gold",
  cores: 1,
  memoryMiB: 1024,
  diskGiB: 10,
  ...over,
});

/** Every example runs through both implementations, which must agree exactly. */
function both(state: AllocatorState, r: PlacementRequest, options?: PlaceOptions): PlacementResult {
  const pure = place(state, r, options);
  const indexed = new Allocator(state.hosts, state.pools, state.vms).place(r, options);
  expect(indexed).toEqual(pure);
  return pure;
}

const used = (cores: number, memoryMiB = 0, diskGiB = 0) => ({ cores, memoryMiB, diskGiB });

describe("choosing a host", () => {
  const hosts = [
    host("a", { used: used(0) }),
    host("b", { used: used(1, 4096) }),
    host("c", { used: used(1, 1024) }),
  ];
  const state: AllocatorState = { hosts, pools: [gold], vms: [] };

  test("best-fit takes the host left with the least room on the dominant resource", () => {
    // cores dominate (1 of 2 vs 1024 of 8192): b and c both keep 0 cores free; tie → lower id.
    expect(both(state, req())).toEqual({ ok: true, hostId: "b" });
    // memory dominates: b has 4096 MiB free, c 7168, a 8192 → b is tightest.
    expect(both(state, req({ memoryMiB: 4096 }))).toEqual({ ok: true, hostId: "b" });
  });

  test("spread takes the emptiest host", () => {
    expect(both(state, req(), { strategy: "spread" })).toEqual({ ok: true, hostId: "a" });
  });

  test("ties are broken by host id, whatever the input order", () => {
    const twins: AllocatorState = { hosts: [host("z"), host("m"), host("q")], pools: [gold], vms: [] };
    expect(both(twins, req())).toEqual({ ok: true, hostId: "m" });
    expect(both(twins, req(), { strategy: "spread" })).toEqual({ ok: true, hostId: "m" });
  });

  test("over-commit ratios give more room than the hardware has, but never on disk", () => {
    const bronze: PoolPolicy = { name: "bronze", cpuOvercommit: 4, memoryOvercommit: 1.5 };
    const s: AllocatorState = { hosts: [host("h", { pool: "bronze" })], pools: [bronze], vms: [] };
    expect(both(s, req({ pool: "bronze", cores: 8, memoryMiB: 12288, diskGiB: 250 }))).toEqual({
      ok: true,
      hostId: "h",
    });
    expect(both(s, req({ pool: "bronze", cores: 9 })).ok).toBe(false);
    expect(both(s, req({ pool: "bronze", diskGiB: 251 })).ok).toBe(false);
  });

  test("a plain request keeps off tagged hosts while a plain host has room", () => {
    const s: AllocatorState = {
      hosts: [host("a-ssd", { tags: ["ssd"], used: used(1) }), host("b")],
      pools: [gold],
      vms: [],
    };
    expect(both(s, req())).toEqual({ ok: true, hostId: "b" });
    const full: AllocatorState = { ...s, hosts: [s.hosts[0]!, host("b", { used: used(2) })] };
    expect(both(full, req())).toEqual({ ok: true, hostId: "a-ssd" });
  });

  test("a tagged request only goes to hosts with every tag", () => {
    const s: AllocatorState = {
      hosts: [
        host("a", { tags: ["ssd"] }),
        host("b", { tags: ["ssd", "gpu"] }),
        host("c", { tags: ["gpu"] }),
      ],
      pools: [gold],
      vms: [],
    };
    expect(both(s, req({ tags: ["gpu", "ssd"] }))).toEqual({ ok: true, hostId: "b" });
    expect(both(s, req({ tags: ["gpu"] }))).toEqual({ ok: true, hostId: "c" });
  });
});

describe("anti-affinity", () => {
  const hosts = [
    host("h1", { failureDomains: { host: "h1", rack: "r1", region: "north" } }),
    host("h2", { failureDomains: { host: "h2", rack: "r1", region: "north" } }),
    host("h3", { failureDomains: { host: "h3", rack: "r2", region: "north" } }),
    host("h4", { failureDomains: { host: "h4", rack: "r3", region: "south" } }),
  ];
  const vms: PlacedVm[] = [{ vmId: "web-1", hostId: "h1", cores: 0, memoryMiB: 0, diskGiB: 0, group: "web" }];
  const state: AllocatorState = { hosts, pools: [gold], vms };

  test.each([
    ["host", "h2"],
    ["rack", "h3"],
    ["region", "h4"],
  ] as const)("at %s level the next member avoids the first one's %s", (level, expected) => {
    expect(both(state, req({ antiAffinity: { group: "web", level } }))).toEqual({
      ok: true,
      hostId: expected,
    });
  });

  test("other groups are not affected", () => {
    expect(both(state, req({ antiAffinity: { group: "db", level: "region" } }))).toEqual({
      ok: true,
      hostId: "h1",
    });
  });
});

describe("refusals explain themselves", () => {
  const state: AllocatorState = {
    hosts: [host("a", { used: used(1, 6144, 200) }), host("b", { used: used(2, 0, 0) })],
    pools: [gold, { name: "empty", cpuOvercommit: 1, memoryOvercommit: 1 }],
    vms: [],
  };

  test("INVALID_REQUEST for bad sizes, never retryable", () => {
    const r = both(state, req({ cores: 0 }));
    expect(r).toEqual({
      ok: false,
      code: "INVALID_REQUEST",
      reason: "request vm-1: cores must be an integer ≥ 1 (got 0)",
      retryable: false,
    });
    expect(both(state, req({ memoryMiB: 1.5 })).ok).toBe(false);
    expect(both(state, req({ antiAffinity: { group: "g", level: "planet" as "host" } }))).toMatchObject({
      code: "INVALID_REQUEST",
    });
  });

  test("INVALID_REQUEST when the VM is already placed", () => {
    const s = { ...state, vms: [{ vmId: "vm-1", hostId: "a", cores: 1, memoryMiB: 0, diskGiB: 0 }] };
    expect(both(s, req())).toMatchObject({
      code: "INVALID_REQUEST",
      reason: "vm vm-1 is already placed on host a",
    });
  });

  test("NO_POOL for an unknown pool", () => {
    expect(both(state, req({ pool: "platinum" }))).toEqual({
      ok: false,
      code: "NO_POOL",
      reason: "pool platinum does not exist",
      retryable: false,
    });
  });

  test("NO_CAPACITY for a pool without hosts", () => {
    expect(both(state, req({ pool: "empty" }))).toMatchObject({
      code: "NO_CAPACITY",
      reason: "pool empty has no hosts",
    });
  });

  test("NO_CAPACITY names the resource and the best host's room", () => {
    // a has 1 core free, b none: 2 cores fit nowhere.
    expect(both(state, req({ cores: 2 }))).toEqual({
      ok: false,
      code: "NO_CAPACITY",
      reason: "no host in pool gold has 2 free cores; the best has 1",
      retryable: true,
    });
    expect(both(state, req({ cores: 2, diskGiB: 251 }))).toMatchObject({
      reason:
        "no host in pool gold has 2 free cores (the best has 1) or 251 GiB free disk (the best has 250 GiB)",
    });
  });

  test("NO_CAPACITY when each resource is free somewhere but never together", () => {
    // a: 1 core, 2048 MiB free; b: 0 cores, 8192 MiB free.
    expect(both(state, req({ memoryMiB: 4096 }))).toMatchObject({
      code: "NO_CAPACITY",
      reason:
        "no host in pool gold has 1 core, 4096 MiB memory and 10 GiB disk free at once; the most free is " +
        "1 cores, 8192 MiB memory and 250 GiB disk, on different hosts",
    });
  });

  test("NO_TAGGED_HOST when no host in the pool has the tags", () => {
    expect(both(state, req({ tags: ["gpu"] }))).toEqual({
      ok: false,
      code: "NO_TAGGED_HOST",
      reason: "no host in pool gold has tag gpu",
      retryable: false,
    });
    expect(both(state, req({ tags: ["gpu", "ssd"] }))).toMatchObject({
      reason: "no host in pool gold has all of the tags gpu, ssd",
    });
  });

  test("tagged NO_CAPACITY says which hosts it looked at", () => {
    const s = { ...state, hosts: [host("s", { tags: ["ssd"], used: used(2) }), host("t")] };
    expect(both(s, req({ tags: ["ssd"] }))).toMatchObject({
      code: "NO_CAPACITY",
      reason: "no host in pool gold with tag ssd has 1 free core; the best has 0",
    });
  });

  test("ANTI_AFFINITY when the only room is in domains the group already uses", () => {
    const s: AllocatorState = {
      hosts: [
        host("h1", { failureDomains: { host: "h1", rack: "r1", region: "g" } }),
        host("h2", { failureDomains: { host: "h2", rack: "r1", region: "g" } }),
        host("h3", { failureDomains: { host: "h3", rack: "r2", region: "g" }, used: used(2) }),
      ],
      pools: [gold],
      vms: [{ vmId: "db-1", hostId: "h1", cores: 0, memoryMiB: 0, diskGiB: 0, group: "db" }],
    };
    expect(both(s, req({ antiAffinity: { group: "db", level: "rack" } }))).toEqual({
      ok: false,
      code: "ANTI_AFFINITY",
      reason:
        "no host in pool gold with room is outside the racks already used by group db: all 2 with room are in r1",
      retryable: true,
    });
    expect(both(s, req({ antiAffinity: { group: "db", level: "host" } }))).toEqual({
      ok: true,
      hostId: "h2",
    });
    const one = { ...s, hosts: [s.hosts[0]!, host("h2", { used: used(2) }), s.hosts[2]!] };
    expect(both(one, req({ antiAffinity: { group: "db", level: "host" } }))).toMatchObject({
      code: "ANTI_AFFINITY",
      reason:
        "no host in pool gold with room is outside the hosts already used by group db: the only one with room (h1) is in host h1",
    });
  });
});

describe("state checks", () => {
  test("a host in a pool without policy is an INVALID_STATE error", () => {
    const s: AllocatorState = { hosts: [host("a", { pool: "nowhere" })], pools: [gold], vms: [] };
    expect(() => place(s, req())).toThrow(AllocatorError);
    expect(() => new Allocator(s.hosts, s.pools)).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
  });

  test("VMs that add up to more than their host's used capacity are rejected", () => {
    const vms: PlacedVm[] = [{ vmId: "v", hostId: "a", cores: 1, memoryMiB: 0, diskGiB: 0 }];
    expect(() => new Allocator([host("a")], [gold], vms)).toThrow(/use more than its used capacity/);
  });

  test("a VM on a host outside the state keeps its id taken but blocks nothing", () => {
    const s: AllocatorState = {
      hosts: [host("a")],
      pools: [gold],
      vms: [{ vmId: "far", hostId: "elsewhere", cores: 2, memoryMiB: 0, diskGiB: 0, group: "web" }],
    };
    expect(both(s, req({ antiAffinity: { group: "web", level: "region" } }))).toEqual({
      ok: true,
      hostId: "a",
    });
    expect(both(s, req({ id: "far" }))).toMatchObject({ code: "INVALID_REQUEST" });
    const a = new Allocator(s.hosts, s.pools, s.vms);
    expect(a.release("far")).toMatchObject({ vmId: "far", hostId: "elsewhere" });
    expect(a.state().vms).toEqual([]);
  });

  test("an unknown strategy is refused loudly", () => {
    expect(() =>
      place({ hosts: [], pools: [gold], vms: [] }, req(), { strategy: "worst-fit" as "spread" }),
    ).toThrow(expect.objectContaining({ code: "INVALID_REQUEST", retryable: false }));
  });
});
