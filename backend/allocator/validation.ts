import { AllocatorError } from "./errors";
import type { AllocatorState, DomainLevel, PlacementRequest, Refusal, Strategy } from "./types";

const LEVELS: readonly DomainLevel[] = ["host", "rack", "region"];
const STRATEGIES: readonly Strategy[] = ["best-fit", "spread"];

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

function isCount(v: unknown, min: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

export function invalidRequest(reason: string): Refusal {
  return { ok: false, code: "INVALID_REQUEST", reason, retryable: false };
}

/** Checks a request's shape and sizes (callers may hand over JSON, so no trust in the static type).
 * Returns the refusal, or null when the request is well formed. */
export function validateRequest(req: PlacementRequest): Refusal | null {
  if (!isNonEmptyString(req.id)) return invalidRequest("request id must be a non-empty string");
  if (!isNonEmptyString(req.pool))
    return invalidRequest(`request ${req.id}: pool must be a non-empty string`);
  if (!isCount(req.cores, 1))
    return invalidRequest(`request ${req.id}: cores must be an integer ≥ 1 (got ${String(req.cores)})`);
  if (!isCount(req.memoryMiB, 1))
    return invalidRequest(
      `request ${req.id}: memoryMiB must be an integer ≥ 1 (got ${String(req.memoryMiB)})`,
    );
  if (!isCount(req.diskGiB, 0))
    return invalidRequest(`request ${req.id}: diskGiB must be an integer ≥ 0 (got ${String(req.diskGiB)})`);
  if (req.tags !== undefined && (!Array.isArray(req.tags) || !req.tags.every(isNonEmptyString)))
    return invalidRequest(`request ${req.id}: tags must be an array of non-empty strings`);
  const aa = req.antiAffinity;
  if (aa !== undefined) {
    if (aa === null || typeof aa !== "object" || !isNonEmptyString(aa.group))
      return invalidRequest(`request ${req.id}: antiAffinity.group must be a non-empty string`);
    if (!LEVELS.includes(aa.level))
      return invalidRequest(
        `request ${req.id}: antiAffinity.level must be one of ${LEVELS.join(", ")} (got ${String(aa.level)})`,
      );
  }
  return null;
}

export function validateStrategy(strategy: unknown): Strategy {
  if (strategy === undefined) return "best-fit";
  if (STRATEGIES.includes(strategy as Strategy)) return strategy as Strategy;
  throw new AllocatorError("INVALID_REQUEST", `unknown placement strategy ${String(strategy)}`);
}

/** Throws INVALID_STATE when the store handed over something inconsistent: unknown pools, duplicate
 * ids, bad numbers, or listed VMs that add up to more than their host's `used`. */
export function validateState(state: AllocatorState): void {
  const bad = (message: string): never => {
    throw new AllocatorError("INVALID_STATE", message);
  };
  const pools = new Set<string>();
  for (const p of state.pools) {
    if (!isNonEmptyString(p.name)) bad("pool name must be a non-empty string");
    if (pools.has(p.name)) bad(`pool ${p.name} is listed twice`);
    for (const ratio of [p.cpuOvercommit, p.memoryOvercommit]) {
      if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio <= 0)
        bad(`pool ${p.name}: over-commit ratios must be finite and > 0`);
    }
    pools.add(p.name);
  }
  const hostUsed = new Map<string, { cores: number; memoryMiB: number; diskGiB: number }>();
  for (const h of state.hosts) {
    if (!isNonEmptyString(h.id)) bad("host id must be a non-empty string");
    if (hostUsed.has(h.id)) bad(`host ${h.id} is listed twice`);
    if (!pools.has(h.pool)) bad(`host ${h.id} is in pool ${h.pool}, which has no policy`);
    if (!isCount(h.cores, 0) || !isCount(h.memoryMiB, 0) || !isCount(h.diskGiB, 0))
      bad(`host ${h.id}: cores, memoryMiB and diskGiB must be integers ≥ 0`);
    if (!h.used || !isCount(h.used.cores, 0) || !isCount(h.used.memoryMiB, 0) || !isCount(h.used.diskGiB, 0))
      bad(`host ${h.id}: used cores, memoryMiB and diskGiB must be integers ≥ 0`);
    if (!Array.isArray(h.tags) || !h.tags.every(isNonEmptyString))
      bad(`host ${h.id}: tags must be an array of non-empty strings`);
    const fd = h.failureDomains;
    if (!fd || !isNonEmptyString(fd.host) || !isNonEmptyString(fd.rack) || !isNonEmptyString(fd.region))
      bad(`host ${h.id}: failureDomains.host, .rack and .region must be non-empty strings`);
    hostUsed.set(h.id, { cores: 0, memoryMiB: 0, diskGiB: 0 });
  }
  const vmIds = new Set<string>();
  for (const vm of state.vms) {
    if (!isNonEmptyString(vm.vmId)) bad("vm id must be a non-empty string");
    if (vmIds.has(vm.vmId)) bad(`vm ${vm.vmId} is listed twice`);
    vmIds.add(vm.vmId);
    if (!isNonEmptyString(vm.hostId)) bad(`vm ${vm.vmId}: hostId must be a non-empty string`);
    if (!isCount(vm.cores, 0) || !isCount(vm.memoryMiB, 0) || !isCount(vm.diskGiB, 0))
      bad(`vm ${vm.vmId}: cores, memoryMiB and diskGiB must be integers ≥ 0`);
    if (vm.group !== undefined && !isNonEmptyString(vm.group))
      bad(`vm ${vm.vmId}: group must be a non-empty string when set`);
    // A VM on a host that is not listed (another region, a host being released) is allowed: it only
    // keeps its id taken. Its host is no candidate, and its failure domains are unknown.
    const sum = hostUsed.get(vm.hostId);
    if (!sum) continue;
    sum.cores += vm.cores;
    sum.memoryMiB += vm.memoryMiB;
    sum.diskGiB += vm.diskGiB;
  }
  for (const h of state.hosts) {
    const sum = hostUsed.get(h.id)!;
    if (sum.cores > h.used.cores || sum.memoryMiB > h.used.memoryMiB || sum.diskGiB > h.used.diskGiB)
      bad(`host ${h.id}: its listed VMs use more than its used capacity`);
  }
}
