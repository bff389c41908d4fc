/**
 * INTERIM (written by the lead so the region compiles while the allocator is being finished):
 * a straightforward O(hosts) placement with the briefed signature. The allocator engineer
 * replaces this file with the real implementation; keep the signature.
 */
import { effectiveCapacity, fits, freeCapacity } from "./capacity";
import type { AllocatorState, PlaceOptions, PlacementRequest, PlacementResult } from "./types";

export function place(
  state: AllocatorState,
  req: PlacementRequest,
  opts: PlaceOptions = {},
): PlacementResult {
  const policy = state.pools.find((p) => p.name === req.pool);
  if (!policy) return { ok: false, code: "NO_POOL", reason: `no pool ${req.pool}`, retryable: false };
  const need = { cores: req.cores, memoryMiB: req.memoryMiB, diskGiB: req.diskGiB };
  const inPool = state.hosts.filter((h) => h.pool === req.pool);
  const aa = req.antiAffinity;
  const taken = new Set(
    aa
      ? state.vms
          .filter((v) => v.group === aa.group)
          .map((v) => state.hosts.find((h) => h.id === v.hostId)?.failureDomains[aa.level])
      : [],
  );
  let best: { id: string; left: number } | undefined;
  let bestFree = { cores: 0, memoryMiB: 0, diskGiB: 0 };
  for (const h of [...inPool].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const free = freeCapacity(h, policy);
    if (free.cores > bestFree.cores) bestFree = free;
    if (!fits(free, need)) continue;
    if (req.tags?.some((t) => !h.tags.includes(t))) continue;
    if (aa && taken.has(h.failureDomains[aa.level])) continue;
    const cap = effectiveCapacity(h, policy);
    const left = (free.cores - need.cores) / Math.max(1, cap.cores);
    const score = opts.strategy === "spread" ? -left : left;
    if (!best || score < best.left) best = { id: h.id, left: score };
  }
  if (best) return { ok: true, hostId: best.id };
  return {
    ok: false,
    code: "NO_CAPACITY",
    reason: `no host in pool ${req.pool} has ${req.cores} free cores, ${req.memoryMiB} MiB and ${req.diskGiB} GiB${aa ? ` outside the ${aa.level}s of group ${aa.group}` : ""}; the best has ${bestFree.cores} cores`,
    retryable: true,
  };
}
