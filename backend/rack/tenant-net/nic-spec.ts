/**
 * A TenantNic as compose needs it (backend/libvirt/compose.ts TenantNicSpec): the network's
 * bridge, the NIC's MAC and tap, and the static addressing the seed's network-config gives the
 * guest (the address IPAM assigned, the network's prefix, gateway and DNS, and the network's
 * MTU from the host's HostNetwork: over VXLAN a guest at 1500 would lose its large frames). Pure.
 */
import type { TenantNic } from "../../../sdk/schema/tenant-network-payload";
import type { TenantNicSpec } from "../../libvirt/compose";
import { bridgeName, tapName } from "./names";

export function nicSpec(nic: TenantNic, mtu?: number): TenantNicSpec {
  const mac = nic.mac.toLowerCase();
  return {
    bridge: bridgeName(nic.segment),
    mac,
    tap: tapName(mac),
    network: {
      mac,
      ...(mtu !== undefined ? { mtu } : {}),
      static: {
        addresses: [`${nic.ipv4}/${nic.prefixLength}`],
        ...(nic.gateway ? { gateway4: nic.gateway } : {}),
        ...(nic.dns.length > 0 ? { nameservers: nic.dns } : {}),
      },
    },
  };
}

/** The MACs of a domain's NICs that are on tenant bridges of ours. */
export function tenantMacs(interfaces: readonly { bridge?: string; mac?: string }[] | undefined): string[] {
  return (interfaces ?? [])
    .filter((i) => i.mac !== undefined && i.bridge !== undefined && /^fxb/.test(i.bridge))
    .map((i) => i.mac!.toLowerCase());
}
