/**
 * Deterministic names of what tenant networking makes on a VM host, all ≤ 15 characters
 * (IFNAMSIZ - 1) and all starting with `fx`, so the reconcile recognises ours and never
 * touches anything else:
 * - `fxb<vni hex>` / `fxbl<vlan>`: the network's bridge (one per segment on a host);
 * - `fxv<vni hex>`: its VXLAN device; `fxl<vlan>`: its VLAN sub-interface of the underlay;
 * - `fxt<12 hex of the MAC>`: a VM NIC's tap (`<target dev>` in the domain XML), so nftables
 *   rules can name it before the tap exists and the MAC (unique, from the region) names it;
 * - routing table (and fwmark) `0x1000000 + vni` / `0x2000000 + vlan` of a routed network
 *   (route-plan.ts): ours are exactly the ids in ROUTE_TABLES;
 * - address label `<uplink>:fx` on the public addresses the host holds on its uplink.
 * Pure.
 */
import type { Segment } from "../../../sdk/schema/tenant-network-payload";

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function bridgeName(s: Segment): string {
  return s.kind === "vxlan" ? `fxb${s.vni.toString(16)}` : `fxbl${s.vlanId}`;
}

/** The device that carries the segment over the fabric: VXLAN or VLAN. */
export function segmentDeviceName(s: Segment): string {
  return s.kind === "vxlan" ? `fxv${s.vni.toString(16)}` : `fxl${s.vlanId}`;
}

export function tapName(mac: string): string {
  if (!MAC_RE.test(mac)) throw new Error(`invalid MAC ${mac}`);
  return `fxt${mac.toLowerCase().replace(/:/g, "")}`;
}

export type OurLink =
  | { role: "bridge"; segment: Segment }
  | { role: "segment"; segment: Segment }
  | { role: "tap"; mac: string };

/** What one of our link names stands for, or null for a name that is not ours. */
export function parseLinkName(name: string): OurLink | null {
  let m = /^fxb([0-9a-f]{1,6})$/.exec(name);
  if (m) return { role: "bridge", segment: { kind: "vxlan", vni: Number.parseInt(m[1]!, 16) } };
  m = /^fxbl([0-9]{1,4})$/.exec(name);
  if (m) return { role: "bridge", segment: { kind: "vlan", vlanId: Number(m[1]) } };
  m = /^fxv([0-9a-f]{1,6})$/.exec(name);
  if (m) return { role: "segment", segment: { kind: "vxlan", vni: Number.parseInt(m[1]!, 16) } };
  m = /^fxl([0-9]{1,4})$/.exec(name);
  if (m) return { role: "segment", segment: { kind: "vlan", vlanId: Number(m[1]) } };
  m = /^fxt([0-9a-f]{12})$/.exec(name);
  if (m) return { role: "tap", mac: m[1]!.replace(/(..)(?!$)/g, "$1:") };
  return null;
}

/** The ids of our routing tables (and fwmarks): one per routed network. */
export const ROUTE_TABLES = { first: 0x1000000, last: 0x2000fff } as const;

/** A routed network's routing table id, also the fwmark that sends inbound traffic to it. */
export function routeTableOf(s: Segment): number {
  return s.kind === "vxlan" ? 0x1000000 + s.vni : 0x2000000 + s.vlanId;
}

export function isOurRouteTable(t: number): boolean {
  return Number.isInteger(t) && t >= ROUTE_TABLES.first && t <= ROUTE_TABLES.last;
}

/** The label of the public addresses we put on the uplink; null when its name leaves no room. */
export function publicLabel(uplink: string): string | null {
  const l = `${uplink}:fx`;
  return l.length <= 15 ? l : null;
}
