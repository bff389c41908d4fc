import { domainOf, occupiedDomains } from "./anti-affinity";
import { dominantResource, effectiveCapacity, fits, freeCapacity, poolMaxCapacity } from "./capacity";
import { AllocatorError } from "./errors";
import { compareIds } from "./host-order";
import { explainRefusal, type HostView, noPool } from "./refusal";
import { extraTags } from "./tag-preference";
import type { AllocatorState, PlaceOptions, PlacementRequest, PlacementResult, Resource } from "./types";
import { invalidRequest, validateRequest, validateState, validateStrategy } from "./validation";

/**
 * Chooses a host for one VM by scanning every host of the pool: O(hosts + vms) per call. This is the
 * rule book; the `Allocator` class gives the same answers from an index (its tests check that).
 *
 * Rules, in order: the request must be well formed and its id not placed yet (INVALID_REQUEST); its pool
 * must exist (NO_POOL); a candidate host carries every requested tag (NO_TAGGED_HOST), has room on every
 * resource under its pool's over-commit ratios (NO_CAPACITY) and is in no failure domain, at the
 * requested level, that already holds a member of the anti-affinity group (ANTI_AFFINITY).
 * Among candidates, hosts with the fewest tags the request did not ask for come first (tagged hosts
 * are kept for the requests that need them); then best-fit takes the least free room on the request's
 * dominant resource, spread the most; ties go to the lowest host id.
 */
export function place(
  state: AllocatorState,
  request: PlacementRequest,
  options: PlaceOptions = {},
): PlacementResult {
  const strategy = validateStrategy(options.strategy);
  const invalid = validateRequest(request);
  if (invalid) return invalid;
  validateState(state);
  const existing = state.vms.find((vm) => vm.vmId === request.id);
  if (existing) return invalidRequest(`vm ${request.id} is already placed on host ${existing.hostId}`);
  const policy = state.pools.find((p) => p.name === request.pool);
  if (!policy) return noPool(request);

  const poolHosts = state.hosts.filter((h) => h.pool === request.pool);
  const views: HostView[] = poolHosts.map((h) => ({
    id: h.id,
    free: freeCapacity(h, policy),
    tags: new Set(h.tags),
    failureDomains: h.failureDomains,
  }));
  const dominant: Resource = dominantResource(
    request,
    poolMaxCapacity(poolHosts.map((h) => effectiveCapacity(h, policy))),
  );
  const aa = request.antiAffinity;
  const occupied = aa
    ? occupiedDomains(state.vms, new Map(state.hosts.map((h) => [h.id, h])), aa.group, aa.level)
    : new Set<string>();
  const isBlocked = (v: HostView): boolean =>
    aa !== undefined && occupied.has(domainOf(v.failureDomains, aa.level));

  let best: HostView | null = null;
  let bestExtra = 0;
  for (const v of views) {
    const extra = extraTags(v.tags, request.tags);
    if (extra < 0 || !fits(v.free, request) || isBlocked(v)) continue;
    if (best === null || extra < bestExtra) {
      best = v;
      bestExtra = extra;
      continue;
    }
    if (extra > bestExtra) continue;
    const a = v.free[dominant];
    const b = best.free[dominant];
    const better = strategy === "best-fit" ? a < b : a > b;
    if (better || (a === b && compareIds(v.id, best.id) < 0)) best = v;
  }
  if (best) return { ok: true, hostId: best.id };
  const refusal = explainRefusal(request, views, isBlocked);
  if (refusal) return refusal;
  // explainRefusal applies the same three filters, so it always finds the reason.
  throw new AllocatorError("INVALID_STATE", `no host chosen for ${request.id}, yet no reason found`);
}
