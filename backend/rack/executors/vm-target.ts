/**
 * The VM a vm.* task is about: its id, its libvirt host and its domain name (named by
 * backend/libvirt/naming.ts with this rack's prefix), plus the two questions every VM executor
 * asks of the host.
 */
import { domainName } from "../../libvirt/naming";
import { isLibvirtError } from "../../libvirt/virsh";
import type { DomainSummary, VmHost } from "../../libvirt/vm-host";
import type { ExecutorDeps } from "./deps";
import { type Payload, hostConfig, str } from "./payload";

export interface VmTarget {
  vmId: string;
  host: VmHost;
  domain: string;
}

export function vmTarget(deps: ExecutorDeps, p: Payload, kind: string): VmTarget {
  const vmId = str(p, "vmId", kind);
  const host = deps.vmHost(hostConfig(p, kind));
  return { vmId, host, domain: domainName(deps.vmPrefix, vmId) };
}

/** The domain, or null when the host has none of that name. */
export async function findDomain(host: VmHost, name: string): Promise<DomainSummary | null> {
  try {
    return await host.getDomain(name);
  } catch (e) {
    if (isLibvirtError(e, "NOT_FOUND")) return null;
    throw e;
  }
}

/** The VM's first IPv4 address, or null: no NIC, no lease or no guest agent yet. */
export async function firstIpv4(host: VmHost, name: string): Promise<string | null> {
  try {
    const addrs = await host.domainAddresses(name);
    return addrs.find((a) => a.protocol === "ipv4")?.address ?? null;
  } catch {
    return null; // the address comes with a later reconcile
  }
}
