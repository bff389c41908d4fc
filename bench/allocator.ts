/**
 * bench/allocator — the allocator against its design targets (design.md "Targets"):
 *   100 000 VM placements on 10 000 hosts in < 1 s; packing within 5 % of the lower bound.
 * Generates PE860-like hosts (2 cores; 8 GiB in bronze and silver, 4 GiB in gold) in three pools with
 * different over-commit ratios, and a seeded, shuffled mix of VM requests (some needing the "ssd"
 * tag, some in anti-affinity groups at host or rack level), then places them with `placeMany`.
 * Peer: the O(hosts) reference `place()` on the first requests, which must agree with the index.
 * Pure CPU work, bounded by the request count; no I/O besides printing.
 * Run: `npm run build && node dist/bench/allocator.js [--hosts 10000] [--vms 100000] [--seed 860] [--json]`
 * (or `npm run bench` for all benches); `run()` returns the figures to bench/run.ts.
 */
import { Allocator } from "../backend/allocator/allocator";
import { effectiveCapacity } from "../backend/allocator/capacity";
import { place } from "../backend/allocator/place";
import type {
  Host,
  PlacedVm,
  PlacementRequest,
  PlacementResult,
  PoolPolicy,
  Resource,
} from "../backend/allocator/types";

/** Bounded counts: a positive integer, at most `max`. */
function checkCount(name: string, v: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return Math.min(v, max);
}

function arg(name: string, dflt: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return checkCount(name, i > 0 ? Number(process.argv[i + 1]) : dflt, max);
}

/** mulberry32: small, fast, seeded; the same seed gives the same hosts and requests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of weighted) {
    x -= w;
    if (x < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

type Size = readonly [cores: number, memoryMiB: number, diskGiB: number];

/** Per pool: share of hosts, share of VM requests, and the VM sizes sold there (with weights). */
const POOLS: readonly {
  policy: PoolPolicy;
  hostShare: number;
  /** Every PE860 of a pool has the same build, so "per-host capacity" in the lower bound is exact. */
  memoryMiB: number;
  diskGiB: number;
  vmShare: number;
  sizes: readonly (readonly [Size, number])[];
}[] = [
  {
    // Burstable tiny VPSes: 16 vCPUs and ~12 GiB of effective memory per PE860.
    policy: { name: "bronze", cpuOvercommit: 8, memoryOvercommit: 1.75 },
    hostShare: 0.75,
    memoryMiB: 8192,
    diskGiB: 250,
    vmShare: 0.897,
    sizes: [
      [[1, 512, 10], 55],
      [[1, 768, 15], 25],
      [[1, 1024, 20], 12],
      [[2, 1024, 20], 8],
    ],
  },
  {
    policy: { name: "silver", cpuOvercommit: 4, memoryOvercommit: 1.25 },
    hostShare: 0.17,
    memoryMiB: 8192,
    diskGiB: 500,
    vmShare: 0.085,
    sizes: [
      [[1, 512, 20], 30],
      [[1, 1024, 20], 45],
      [[2, 2048, 40], 25],
    ],
  },
  {
    policy: { name: "gold", cpuOvercommit: 2, memoryOvercommit: 1 },
    hostShare: 0.08,
    memoryMiB: 4096,
    diskGiB: 250,
    vmShare: 0.018,
    sizes: [
      [[1, 1024, 40], 60],
      [[2, 2048, 80], 40],
    ],
  },
];

function makeHosts(rand: () => number, count: number): Host[] {
  const hosts: Host[] = [];
  let i = 0;
  for (const pool of POOLS) {
    const n = pool === POOLS[POOLS.length - 1] ? count - i : Math.round(count * pool.hostShare);
    for (let k = 0; k < n; k++, i++) {
      const id = `pe860-${String(i).padStart(5, "0")}`;
      hosts.push({
        id,
        pool: pool.policy.name,
        cores: 2,
        memoryMiB: pool.memoryMiB,
        diskGiB: pool.diskGiB,
        tags: rand() < 0.2 ? ["ssd"] : [],
        failureDomains: {
          host: id,
          rack: `rack-${Math.floor(i / 20)}`,
          region: i % 2 === 0 ? "girona-1" : "girona-2",
        },
        used: { cores: 0, memoryMiB: 0, diskGiB: 0 },
      });
    }
  }
  return hosts;
}

function makeRequests(rand: () => number, count: number): PlacementRequest[] {
  const reqs: PlacementRequest[] = [];
  let group = 0;
  let groupLeft = 0;
  let groupLevel: "host" | "rack" = "host";
  for (let i = 0; i < count; i++) {
    const pool = pick(
      rand,
      POOLS.map((p) => [p, p.vmShare] as const),
    );
    const [cores, memoryMiB, diskGiB] = pick(rand, pool.sizes);
    const req: PlacementRequest = { id: `vm-${i}`, pool: pool.policy.name, cores, memoryMiB, diskGiB };
    if (rand() < 0.05) req.tags = ["ssd"];
    // About 10 % of VMs come in anti-affinity groups of 3 (a small HA cluster), mostly per host.
    if (groupLeft === 0 && rand() < 0.034) {
      group++;
      groupLeft = 3;
      groupLevel = rand() < 0.8 ? "host" : "rack";
    }
    if (groupLeft > 0) {
      req.antiAffinity = { group: `ha-${group}`, level: groupLevel };
      groupLeft--;
    }
    reqs.push(req);
  }
  return reqs;
}

/** Fewest hosts of a pool that could hold `demand` on each resource, taking the biggest hosts first:
 * a lower bound for any packing (it ignores fragmentation, tags and anti-affinity). */
function lowerBound(
  caps: { cores: number; memoryMiB: number; diskGiB: number }[],
  demand: Record<Resource, number>,
) {
  let bound = 0;
  let dominant: Resource = "cores";
  for (const r of ["cores", "memoryMiB", "diskGiB"] as const) {
    const sorted = caps.map((c) => c[r]).sort((a, b) => b - a);
    let sum = 0;
    let k = 0;
    while (sum < demand[r] && k < sorted.length) sum += sorted[k++]!;
    if (k > bound) {
      bound = k;
      dominant = r;
    }
  }
  return { bound, dominant };
}

function digest(results: readonly PlacementResult[]): string {
  let h = 0x811c9dc5;
  for (const r of results) {
    const s = r.ok ? r.hostId : r.code;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export interface AllocatorBenchOptions {
  /** Hosts (default 10 000, at most 100 000). */
  hosts?: number;
  /** VM requests (default 100 000, at most 1 000 000). */
  vms?: number;
  seed?: number;
  /** Detail lines (default: none). */
  log?: (line: string) => void;
}

export interface AllocatorPoolFigures {
  pool: string;
  hosts: number;
  dominant: Resource;
  fillPercent: number;
  hostsUsed: number;
  lowerBound: number;
}

export interface AllocatorBenchResult {
  hosts: number;
  vms: number;
  seed: number;
  placed: number;
  refusals: Record<string, number>;
  indexBuildMs: number;
  placeMs: number;
  placementsPerSecond: number;
  /** The O(hosts) reference place() on the first requests: µs per placement, and agreement. */
  referenceUsPerPlacement: number;
  referenceAgreement: number;
  referenceCount: number;
  deterministic: boolean;
  pools: AllocatorPoolFigures[];
  /** Hosts holding at least one VM, and the packing lower bound for what was placed. */
  hostsUsed: number;
  lowerBound: number;
  /** hostsUsed / lowerBound in %. */
  packingPercent: number;
  targets: { placeMsBelow: number; packingPercentAtMost: number };
  fast: boolean;
  tight: boolean;
  pass: boolean;
}

/** Places `vms` requests on `hosts` hosts and measures time and packing (pure CPU, bounded). */
export function run(options: AllocatorBenchOptions = {}): AllocatorBenchResult {
  const hostCount = checkCount("hosts", options.hosts ?? 10_000, 100_000);
  const vmCount = checkCount("vms", options.vms ?? 100_000, 1_000_000);
  const seed = checkCount("seed", options.seed ?? 860, 2 ** 31);
  const log = options.log ?? (() => undefined);
  const rand = prng(seed);
  const hosts = makeHosts(rand, hostCount);
  const requests = makeRequests(rand, vmCount);
  const policies = POOLS.map((p) => p.policy);

  const t0 = performance.now();
  const allocator = new Allocator(hosts, policies);
  const t1 = performance.now();
  const results = allocator.placeMany(requests);
  const t2 = performance.now();
  const placeMs = t2 - t1;

  // Same input, fresh allocator: same placements.
  const again = new Allocator(hosts, policies).placeMany(requests);
  const deterministic =
    digest(results) === digest(again) &&
    results.every((r, i) => {
      const b = again[i]!;
      return r.ok ? b.ok && b.hostId === r.hostId : !b.ok && b.code === r.code;
    });

  // Peer: the O(hosts) reference on the first requests, committing as it goes.
  const peerCount = Math.min(1000, vmCount);
  const vms: PlacedVm[] = [];
  const used = new Map(hosts.map((h) => [h.id, { cores: 0, memoryMiB: 0, diskGiB: 0 }]));
  let agree = 0;
  const p0 = performance.now();
  for (let i = 0; i < peerCount; i++) {
    const req = requests[i]!;
    const state = { hosts: hosts.map((h) => ({ ...h, used: used.get(h.id)! })), pools: policies, vms };
    const r = place(state, req);
    const mine = results[i]!;
    if (r.ok ? mine.ok && mine.hostId === r.hostId : !mine.ok && mine.code === r.code) agree++;
    if (r.ok) {
      const u = used.get(r.hostId)!;
      u.cores += req.cores;
      u.memoryMiB += req.memoryMiB;
      u.diskGiB += req.diskGiB;
      vms.push({
        vmId: req.id,
        hostId: r.hostId,
        cores: req.cores,
        memoryMiB: req.memoryMiB,
        diskGiB: req.diskGiB,
        ...(req.antiAffinity ? { group: req.antiAffinity.group } : {}),
      });
    }
  }
  const peerMsPer = (performance.now() - p0) / peerCount;

  // Packing per pool: hosts holding at least one VM versus the lower bound for what was placed.
  const refusals = new Map<string, number>();
  const hostsUsed = new Set<string>();
  const byPool = new Map<string, Record<Resource, number>>();
  results.forEach((r, i) => {
    const req = requests[i]!;
    if (!r.ok) {
      refusals.set(r.code, (refusals.get(r.code) ?? 0) + 1);
      return;
    }
    hostsUsed.add(r.hostId);
    const d = byPool.get(req.pool) ?? { cores: 0, memoryMiB: 0, diskGiB: 0 };
    d.cores += req.cores;
    d.memoryMiB += req.memoryMiB;
    d.diskGiB += req.diskGiB;
    byPool.set(req.pool, d);
  });
  const placed = results.filter((r) => r.ok).length;
  let boundTotal = 0;
  let usedTotal = 0;
  const pools: AllocatorPoolFigures[] = [];
  log(`allocator bench: ${hostCount} hosts, ${vmCount} requests, seed ${seed}, node ${process.version}`);
  for (const { policy } of POOLS) {
    const poolHosts = hosts.filter((h) => h.pool === policy.name);
    const caps = poolHosts.map((h) => effectiveCapacity(h, policy));
    const demand = byPool.get(policy.name) ?? { cores: 0, memoryMiB: 0, diskGiB: 0 };
    const { bound, dominant } = lowerBound(caps, demand);
    const usedHere = poolHosts.filter((h) => hostsUsed.has(h.id)).length;
    const capTotal = caps.reduce((s, c) => s + c[dominant], 0);
    boundTotal += bound;
    usedTotal += usedHere;
    const fillPercent = (100 * demand[dominant]) / capTotal;
    pools.push({
      pool: policy.name,
      hosts: poolHosts.length,
      dominant,
      fillPercent,
      hostsUsed: usedHere,
      lowerBound: bound,
    });
    log(
      `  pool ${policy.name.padEnd(6)} ${String(poolHosts.length).padStart(5)} hosts  ` +
        `fill ${fillPercent.toFixed(1)}% of ${dominant}  ` +
        `hosts used ${usedHere} vs lower bound ${bound} (${((100 * usedHere) / Math.max(1, bound)).toFixed(1)}%)`,
    );
  }
  const packing = (100 * usedTotal) / Math.max(1, boundTotal);
  const firstRefusal = results.find((r) => !r.ok);
  if (firstRefusal && !firstRefusal.ok) log(`  first refusal         ${firstRefusal.reason}`);
  const refused = [...refusals].map(([c, n]) => `${c} ${n}`).join(", ") || "none";
  log(`  index build           ${(t1 - t0).toFixed(1)} ms`);
  log(
    `  placeMany             ${placeMs.toFixed(1)} ms for ${vmCount} requests (${placed} placed; refused: ${refused})`,
  );
  log(`  placements/s          ${Math.round(vmCount / (placeMs / 1000))}`);
  log(
    `  µs per placement      ${((1000 * placeMs) / vmCount).toFixed(2)}  (reference scan place(): ${(1000 * peerMsPer).toFixed(0)} µs, ratio ${((peerMsPer * vmCount) / placeMs).toFixed(0)}x)`,
  );
  log(`  reference agreement   ${agree}/${peerCount} first placements identical`);
  log(`  deterministic         ${deterministic ? "yes" : "NO"} (digest ${digest(results)})`);
  log(`  packing               ${usedTotal} hosts used vs lower bound ${boundTotal}: ${packing.toFixed(1)}%`);
  const fast = placeMs < 1000;
  const tight = packing <= 105;
  log(`  target < 1 s          ${fast ? "met" : "NOT met"}`);
  log(`  target within 5 %     ${tight ? "met" : "NOT met"}`);
  return {
    hosts: hostCount,
    vms: vmCount,
    seed,
    placed,
    refusals: Object.fromEntries(refusals),
    indexBuildMs: t1 - t0,
    placeMs,
    placementsPerSecond: Math.round(vmCount / (placeMs / 1000)),
    referenceUsPerPlacement: 1000 * peerMsPer,
    referenceAgreement: agree,
    referenceCount: peerCount,
    deterministic,
    pools,
    hostsUsed: usedTotal,
    lowerBound: boundTotal,
    packingPercent: packing,
    targets: { placeMsBelow: 1000, packingPercentAtMost: 105 },
    fast,
    tight,
    pass: fast && tight && deterministic && agree === peerCount,
  };
}

function main(): void {
  const json = process.argv.includes("--json");
  const r = run({
    hosts: arg("hosts", 10_000, 100_000),
    vms: arg("vms", 100_000, 1_000_000),
    seed: arg("seed", 860, 2 ** 31),
    ...(json ? {} : { log: (line: string) => console.log(line) }),
  });
  if (json) console.log(JSON.stringify(r));
  if (!r.pass) process.exitCode = 1;
}

if (require.main === module) main();
