import type { Host, PoolPolicy, Resource, Resources } from "./types";

/** Guards floor() against products like 100 × 1.13 = 112.99999999999999 that are integers on paper. */
const EPSILON = 1e-9;

/** Effective capacity = floor(physical × pool ratio) for cores and memory; disk is never over-committed.
 * Flooring keeps every quantity an integer, so comparisons are exact. */
export function effectiveCapacity(host: Host, policy: PoolPolicy): Resources {
  return {
    cores: Math.floor(host.cores * policy.cpuOvercommit + EPSILON),
    memoryMiB: Math.floor(host.memoryMiB * policy.memoryOvercommit + EPSILON),
    diskGiB: host.diskGiB,
  };
}

/** Free = effective − used. Negative when a pool's ratio was lowered below what is already committed. */
export function freeCapacity(host: Host, policy: PoolPolicy): Resources {
  const cap = effectiveCapacity(host, policy);
  return {
    cores: cap.cores - host.used.cores,
    memoryMiB: cap.memoryMiB - host.used.memoryMiB,
    diskGiB: cap.diskGiB - host.used.diskGiB,
  };
}

/** True when `need` fits in `free` on every resource. */
export function fits(free: Resources, need: Resources): boolean {
  return need.cores <= free.cores && need.memoryMiB <= free.memoryMiB && need.diskGiB <= free.diskGiB;
}

/** Per-resource maximum of effective capacity over a pool's hosts: the yardstick for "dominant". */
export function poolMaxCapacity(effective: Iterable<Resources>): Resources {
  const max: Resources = { cores: 0, memoryMiB: 0, diskGiB: 0 };
  for (const cap of effective) {
    if (cap.cores > max.cores) max.cores = cap.cores;
    if (cap.memoryMiB > max.memoryMiB) max.memoryMiB = cap.memoryMiB;
    if (cap.diskGiB > max.diskGiB) max.diskGiB = cap.diskGiB;
  }
  return max;
}

/** a/b > c/d for a, c ≥ 0 and b, d ≥ 0, exactly (cross-multiplied), where x/0 is +∞ for x > 0 and 0/0 is 0. */
function shareGreater(a: number, b: number, c: number, d: number): boolean {
  const aInf = b === 0 && a > 0;
  const cInf = d === 0 && c > 0;
  if (aInf || cInf) return aInf && !cInf;
  if (b === 0) return false; // a/b is 0/0 = 0, never greater
  if (d === 0) return a > 0; // c/d is 0/0 = 0
  return a * d > c * b;
}

/** The request's dominant resource (DRF sense): the one it needs the largest share of, measured against
 * the largest host of its pool. Ties go to the earlier of cores, memory, disk. Fixed per (pool, request),
 * so best-fit can rank hosts on one number. */
export function dominantResource(need: Resources, poolMax: Resources): Resource {
  let best: Resource = "cores";
  if (shareGreater(need.memoryMiB, poolMax.memoryMiB, need.cores, poolMax.cores)) best = "memoryMiB";
  if (shareGreater(need.diskGiB, poolMax.diskGiB, need[best], poolMax[best])) best = "diskGiB";
  return best;
}
