/**
 * Property tests of the placement rules against a brute-force reference written here from the rules'
 * wording, independent of backend/allocator: effective = floor(physical × ratio), disk 1:1; a host
 * qualifies if it is in the pool, has every requested tag, has room on every resource and shares no
 * failure domain (at the requested level) with a member of the group; refusal codes are checked in the
 * order tags → capacity → anti-affinity; among qualifying hosts the fewest unrequested tags come first,
 * then best-fit (least free on the dominant resource) or spread (most free), then the lowest id.
 */
import fc from "fast-check";
import { Allocator } from "../../../backend/allocator/allocator";
import { AllocatorError } from "../../../backend/allocator/errors";
import { place } from "../../../backend/allocator/place";
import type {
  DomainLevel,
  Host,
  PlacementRequest,
  PlacementResult,
  PoolPolicy,
  Strategy,
} from "../../../backend/allocator/types";

type Res = [number, number, number];
interface RefVm {
  id: string;
  hostId: string;
  size: Res;
  group?: string;
}

const POOLS = ["p0", "p1", "p2"];
const TAGS = ["ssd", "gpu"];

const policyArb = (name: string) =>
  fc.record({
    name: fc.constant(name),
    cpuOvercommit: fc.constantFrom(1, 1.5, 2, 4),
    memoryOvercommit: fc.constantFrom(1, 1.25, 1.5),
  });

const hostArb = (i: number) =>
  fc
    .record({
      pool: fc.constantFrom(...POOLS),
      cores: fc.integer({ min: 1, max: 4 }),
      memoryMiB: fc.constantFrom(2048, 4096, 8192),
      diskGiB: fc.constantFrom(20, 50, 100),
      tags: fc.subarray(TAGS),
      rack: fc.constantFrom("r0", "r1", "r2"),
      region: fc.constantFrom("north", "south"),
      usedCores: fc.integer({ min: 0, max: 2 }),
    })
    .map(
      (h): Host => ({
        id: `h${(i * 7919) % 97}`, // ids not in creation order
        pool: h.pool,
        cores: h.cores,
        memoryMiB: h.memoryMiB,
        diskGiB: h.diskGiB,
        tags: h.tags,
        failureDomains: { host: `h${(i * 7919) % 97}`, rack: h.rack, region: h.region },
        used: { cores: Math.min(h.usedCores, h.cores), memoryMiB: 0, diskGiB: 0 },
      }),
    );

const requestArb = fc.record(
  {
    pool: fc.constantFrom("p0", "p1", "p2", "nope"),
    cores: fc.integer({ min: 1, max: 4 }),
    memoryMiB: fc.constantFrom(256, 512, 1024, 2048, 4096),
    diskGiB: fc.integer({ min: 0, max: 40 }),
    tags: fc.subarray(TAGS),
    antiAffinity: fc.option(
      fc.record({
        group: fc.constantFrom("g0", "g1"),
        level: fc.constantFrom<DomainLevel>("host", "rack", "region"),
      }),
      { nil: undefined },
    ),
  },
  { requiredKeys: ["pool", "cores", "memoryMiB", "diskGiB"] },
);

type Op =
  | { kind: "place"; req: Omit<PlacementRequest, "id">; strategy: Strategy }
  | { kind: "release"; pick: number }
  | { kind: "commit"; req: Omit<PlacementRequest, "id">; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("place" as const),
      req: requestArb,
      strategy: fc.constantFrom<Strategy>("best-fit", "spread"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("commit" as const), req: requestArb, pick: fc.nat() }),
  },
);

const scenarioArb = fc.record({
  pools: fc.tuple(policyArb("p0"), policyArb("p1"), policyArb("p2")),
  hosts: fc
    .integer({ min: 0, max: 10 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => hostArb(i)))),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
});

/** The brute-force reference model. */
class Reference {
  readonly vms: RefVm[] = [];
  constructor(
    readonly hosts: readonly Host[],
    readonly pools: readonly PoolPolicy[],
  ) {}

  cap(h: Host): Res {
    const p = this.pools.find((x) => x.name === h.pool)!;
    return [
      Math.floor(h.cores * p.cpuOvercommit + 1e-9),
      Math.floor(h.memoryMiB * p.memoryOvercommit + 1e-9),
      h.diskGiB,
    ];
  }
  used(h: Host): Res {
    const u: Res = [h.used.cores, h.used.memoryMiB, h.used.diskGiB];
    for (const vm of this.vms) if (vm.hostId === h.id) for (let d = 0; d < 3; d++) u[d]! += vm.size[d]!;
    return u;
  }
  free(h: Host): Res {
    const c = this.cap(h);
    const u = this.used(h);
    return [c[0] - u[0], c[1] - u[1], c[2] - u[2]];
  }
  hasTags(h: Host, r: PlacementRequest): boolean {
    return (r.tags ?? []).every((t) => h.tags.includes(t));
  }
  roomy(h: Host, r: PlacementRequest): boolean {
    const f = this.free(h);
    return f[0] >= r.cores && f[1] >= r.memoryMiB && f[2] >= r.diskGiB;
  }
  blocked(h: Host, r: PlacementRequest): boolean {
    const aa = r.antiAffinity;
    if (!aa) return false;
    return this.vms.some((vm) => {
      if (vm.group !== aa.group) return false;
      const other = this.hosts.find((x) => x.id === vm.hostId)!;
      return other.failureDomains[aa.level] === h.failureDomains[aa.level];
    });
  }
  valid(h: Host, r: PlacementRequest): boolean {
    return h.pool === r.pool && this.hasTags(h, r) && this.roomy(h, r) && !this.blocked(h, r);
  }
  /** The expected refusal code, or null if some host qualifies. */
  refusal(r: PlacementRequest): string | null {
    if (!this.pools.some((p) => p.name === r.pool)) return "NO_POOL";
    const inPool = this.hosts.filter((h) => h.pool === r.pool);
    if (inPool.length === 0) return "NO_CAPACITY";
    const tagged = inPool.filter((h) => this.hasTags(h, r));
    if (tagged.length === 0) return "NO_TAGGED_HOST";
    const roomy = tagged.filter((h) => this.roomy(h, r));
    if (roomy.length === 0) return "NO_CAPACITY";
    return roomy.some((h) => !this.blocked(h, r)) ? null : "ANTI_AFFINITY";
  }
  /** The host the rules pick. */
  choice(r: PlacementRequest, strategy: Strategy): string {
    const inPool = this.hosts.filter((h) => h.pool === r.pool);
    const max = [0, 1, 2].map((d) => Math.max(...inPool.map((h) => this.cap(h)[d]!)));
    const need = [r.cores, r.memoryMiB, r.diskGiB];
    const share = (d: number) => (max[d] === 0 ? (need[d]! > 0 ? Infinity : 0) : need[d]! / max[d]!);
    let dom = 0;
    for (const d of [1, 2]) if (share(d) > share(dom)) dom = d;
    const extra = (h: Host) => new Set(h.tags.filter((t) => !(r.tags ?? []).includes(t))).size;
    const ranked = inPool
      .filter((h) => this.valid(h, r))
      .sort(
        (a, b) =>
          extra(a) - extra(b) ||
          (strategy === "best-fit" ? 1 : -1) * (this.free(a)[dom]! - this.free(b)[dom]!) ||
          (a.id < b.id ? -1 : 1),
      );
    return ranked[0]!.id;
  }
}

/** Runs a scenario, checking every property at every step; returns the log of outcomes. */
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(scenario: Scenario): string[] {
  const pools = [...scenario.pools];
  const hosts = dedupe(scenario.hosts);
  const ref = new Reference(hosts, pools);
  const alloc = new Allocator(hosts, pools);
  const log: string[] = [];
  scenario.ops.forEach((op, i) => {
    if (op.kind === "release") {
      if (ref.vms.length === 0) return;
      const k = op.pick % ref.vms.length;
      const vm = ref.vms[k]!;
      expect(alloc.release(vm.id).hostId).toBe(vm.hostId);
      ref.vms.splice(k, 1);
      log.push(`release ${vm.id}`);
    } else if (op.kind === "place") {
      const req: PlacementRequest = { id: `vm${i}`, ...op.req };
      const result: PlacementResult = alloc.place(req, { strategy: op.strategy });
      // the index and the O(hosts) rule book agree exactly, reasons included
      expect(result).toEqual(place(alloc.state(), req, { strategy: op.strategy }));
      const expected = ref.refusal(req);
      if (expected === null) {
        // a refusal happens only when no host truly fits; and then the choice is the rules' choice
        expect(result).toEqual({ ok: true, hostId: ref.choice(req, op.strategy) });
      } else {
        expect(result).toMatchObject({ ok: false, code: expected });
      }
      if (result.ok) {
        const h = hosts.find((x) => x.id === result.hostId)!;
        expect(ref.valid(h, req)).toBe(true); // pool, tags, room and anti-affinity all honoured
        alloc.commit(req, result.hostId);
        ref.vms.push({
          id: req.id,
          hostId: h.id,
          size: [req.cores, req.memoryMiB, req.diskGiB],
          group: req.antiAffinity?.group,
        });
      }
      log.push(result.ok ? `place ${req.id} ${result.hostId}` : `refuse ${req.id} ${result.code}`);
    } else {
      if (hosts.length === 0) return;
      const req: PlacementRequest = { id: `vm${i}`, ...op.req };
      // pick by id order so that a reordered host list picks the same host
      const h = [...hosts].sort((a, b) => (a.id < b.id ? -1 : 1))[op.pick % hosts.length]!;
      const ok = ref.valid(h, req);
      try {
        alloc.commit(req, h.id);
        ref.vms.push({
          id: req.id,
          hostId: h.id,
          size: [req.cores, req.memoryMiB, req.diskGiB],
          group: req.antiAffinity?.group,
        });
      } catch (e) {
        expect(e).toBeInstanceOf(AllocatorError);
        expect(ok).toBe(false);
      }
      if (ok) expect(ref.vms.at(-1)?.id).toBe(req.id);
      log.push(`commit ${req.id} ${h.id} ${ok}`);
    }
    // never over-committed: used (as the allocator reports it) equals the model and stays within the ratio
    const state = alloc.state();
    for (const h of hosts) {
      const reported = state.hosts.find((x) => x.id === h.id)!.used;
      const used = ref.used(h);
      expect([reported.cores, reported.memoryMiB, reported.diskGiB]).toEqual(used);
      const cap = ref.cap(h);
      for (let d = 0; d < 3; d++) expect(used[d]).toBeLessThanOrEqual(cap[d]!);
    }
    expect(state.vms.map((v) => v.vmId).sort()).toEqual(ref.vms.map((v) => v.id).sort());
  });
  return log;
}

function dedupe(hosts: readonly Host[]): Host[] {
  const seen = new Set<string>();
  return hosts.filter((h) => !seen.has(h.id) && seen.add(h.id));
}

describe("placement properties", () => {
  test("matches the brute-force reference; never over-commits; honours tags and anti-affinity", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        run(scenario);
      }),
      { numRuns: 400 },
    );
  });

  test("deterministic: the same input gives the same outcomes, whatever the host order", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const first = run(scenario);
        expect(run(scenario)).toEqual(first);
        expect(run({ ...scenario, hosts: [...scenario.hosts].reverse() as typeof scenario.hosts })).toEqual(
          first,
        );
      }),
      { numRuns: 100 },
    );
  });

  test("a group placed at a level never shares a domain at that level", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 12 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => hostArb(i)))),
        fc.constantFrom<DomainLevel>("host", "rack", "region"),
        fc.integer({ min: 1, max: 8 }),
        (raw, level, members) => {
          const hosts = dedupe(raw).map((h) => ({ ...h, pool: "p0", tags: [] }));
          const a = new Allocator(hosts, [{ name: "p0", cpuOvercommit: 4, memoryOvercommit: 1 }]);
          const placed = a
            .placeMany(
              Array.from({ length: members }, (_, i) => ({
                id: `m${i}`,
                pool: "p0",
                cores: 1,
                memoryMiB: 256,
                diskGiB: 1,
                antiAffinity: { group: "web", level },
              })),
            )
            .filter((r) => r.ok)
            .map((r) => hosts.find((h) => h.id === (r as { hostId: string }).hostId)!.failureDomains[level]);
          expect(new Set(placed).size).toBe(placed.length);
          // every host has room for one member, so it only refuses once every domain is taken
          const domains = new Set(hosts.map((h) => h.failureDomains[level]));
          expect(placed.length).toBe(Math.min(members, domains.size));
        },
      ),
      { numRuns: 200 },
    );
  });
});
