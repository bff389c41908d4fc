import type { DomainLevel, Host, PlacedVm } from "./types";

/** The failure domain a host belongs to at `level` (a host, a rack or a region name). */
export function domainOf(failureDomains: Host["failureDomains"], level: DomainLevel): string {
  return failureDomains[level];
}

/** Domains at `level` already holding a member of `group`: a new member may go to none of them.
 * O(vms); the stateful Allocator keeps per-group counters instead. */
export function occupiedDomains(
  vms: readonly PlacedVm[],
  hostsById: ReadonlyMap<string, Host>,
  group: string,
  level: DomainLevel,
): Set<string> {
  const out = new Set<string>();
  for (const vm of vms) {
    if (vm.group !== group) continue;
    const host = hostsById.get(vm.hostId);
    if (host) out.add(domainOf(host.failureDomains, level));
  }
  return out;
}
