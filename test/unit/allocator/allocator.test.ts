import { Allocator } from "../../../backend/allocator/allocator";
import type { Host, PlacementRequest, PoolPolicy } from "../../../backend/allocator/types";

function host(id: string, rack: string, over: Partial<Host> = {}): Host {
  return {
    id,
    pool: "silver",
    cores: 2,
    memoryMiB: 4096,
    diskGiB: 100,
    tags: [],
    failureDomains: { host: id, rack, region: "girona" },
    used: { cores: 0, memoryMiB: 0, diskGiB: 0 },
    ...over,
  };
}
const silver: PoolPolicy = { name: "silver", cpuOvercommit: 2, memoryOvercommit: 1 };
const hosts = [host("h1", "r1"), host("h2", "r1"), host("h3", "r2")];
const vm = (id: string, over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  id,
  pool: "silver",
  cores: 1,
  memoryMiB: 1024,
  diskGiB: 20,
  ...over,
});

describe("Allocator", () => {
  test("commit charges the host and place sees it; release gives it back", () => {
    const a = new Allocator(hosts, [silver]);
    expect(a.place(vm("v1"))).toEqual({ ok: true, hostId: "h1" });
    expect(a.commit(vm("v1"), "h2")).toEqual({
      vmId: "v1",
      hostId: "h2",
      cores: 1,
      memoryMiB: 1024,
      diskGiB: 20,
    });
    // best-fit now prefers the partly used h2
    expect(a.place(vm("v2"))).toEqual({ ok: true, hostId: "h2" });
    expect(a.state().hosts.find((h) => h.id === "h2")!.used).toEqual({
      cores: 1,
      memoryMiB: 1024,
      diskGiB: 20,
    });
    expect(a.release("v1")).toMatchObject({ vmId: "v1", hostId: "h2" });
    expect(a.state().hosts.find((h) => h.id === "h2")!.used).toEqual({ cores: 0, memoryMiB: 0, diskGiB: 0 });
    expect(a.place(vm("v2"))).toEqual({ ok: true, hostId: "h1" });
  });

  test("commit re-checks every rule and throws typed errors", () => {
    const a = new Allocator(hosts, [silver]);
    a.commit(vm("big", { cores: 4 }), "h1");
    expect(() => a.commit(vm("x"), "h1")).toThrow(
      expect.objectContaining({ code: "NO_CAPACITY", retryable: true }),
    );
    expect(() => a.commit(vm("big"), "h2")).toThrow(expect.objectContaining({ code: "DUPLICATE_VM" }));
    expect(() => a.commit(vm("x"), "h9")).toThrow(expect.objectContaining({ code: "UNKNOWN_HOST" }));
    expect(() => a.commit(vm("x", { tags: ["ssd"] }), "h2")).toThrow(
      expect.objectContaining({ code: "NO_TAGGED_HOST", retryable: false }),
    );
    expect(() => a.commit(vm("x", { pool: "gold" }), "h2")).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST" }),
    );
    expect(() => a.commit(vm("x", { cores: -1 }), "h2")).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST" }),
    );
    a.commit(vm("db-1", { antiAffinity: { group: "db", level: "region" } }), "h2");
    expect(() => a.commit(vm("db-2", { antiAffinity: { group: "db", level: "region" } }), "h3")).toThrow(
      expect.objectContaining({ code: "ANTI_AFFINITY" }),
    );
    expect(() => a.release("nope")).toThrow(expect.objectContaining({ code: "UNKNOWN_VM" }));
  });

  test("placeMany places in order, later requests see earlier ones, refusals change nothing", () => {
    const a = new Allocator(hosts, [silver]);
    const group = { group: "web", level: "rack" as const };
    const results = a.placeMany([
      vm("web-1", { antiAffinity: group }),
      vm("web-2", { antiAffinity: group }),
      vm("web-3", { antiAffinity: group }),
      vm("huge", { cores: 5 }),
      vm("small"),
    ]);
    expect(results).toEqual([
      { ok: true, hostId: "h1" },
      { ok: true, hostId: "h3" },
      {
        ok: false,
        code: "ANTI_AFFINITY",
        reason:
          "no host in pool silver with room is outside the racks already used by group web: all 3 with room are in r1, r2",
        retryable: true,
      },
      {
        ok: false,
        code: "NO_CAPACITY",
        reason: "no host in pool silver has 5 free cores; the best has 4",
        retryable: true,
      },
      { ok: true, hostId: "h1" },
    ]);
    expect(a.state().vms.map((v) => v.vmId)).toEqual(["web-1", "web-2", "small"]);
  });

  test("releasing the last member of a group frees its domain", () => {
    const a = new Allocator(hosts, [silver]);
    const aa = { group: "db", level: "region" as const };
    a.commit(vm("db-1", { antiAffinity: aa }), "h1");
    expect(a.place(vm("db-2", { antiAffinity: aa })).ok).toBe(false);
    a.release("db-1");
    expect(a.place(vm("db-2", { antiAffinity: aa }))).toEqual({ ok: true, hostId: "h1" });
  });

  test("VMs handed to the constructor count for anti-affinity and can be released", () => {
    const preUsed = hosts.map((h) =>
      h.id === "h3" ? { ...h, used: { cores: 2, memoryMiB: 2048, diskGiB: 40 } } : h,
    );
    const a = new Allocator(
      preUsed,
      [silver],
      [{ vmId: "old", hostId: "h3", cores: 2, memoryMiB: 2048, diskGiB: 40, group: "g" }],
    );
    expect(a.place(vm("new", { antiAffinity: { group: "g", level: "host" } }))).toEqual({
      ok: true,
      hostId: "h1",
    });
    expect(a.place(vm("new"))).toEqual({ ok: true, hostId: "h3" });
    a.release("old");
    expect(a.state().hosts.find((h) => h.id === "h3")!.used).toEqual({ cores: 0, memoryMiB: 0, diskGiB: 0 });
  });

  test("the same input always gives the same placements", () => {
    const reqs = Array.from({ length: 40 }, (_, i) =>
      vm(`v${i}`, { cores: 1 + (i % 2), memoryMiB: 256 * (1 + (i % 5)), diskGiB: 5 }),
    );
    const first = new Allocator(hosts, [silver]).placeMany(reqs);
    const second = new Allocator([...hosts].reverse(), [silver]).placeMany(reqs);
    expect(second).toEqual(first);
    expect(first.filter((r) => r.ok).length).toBeGreaterThan(5);
  });
});
