/**
 * The iproute2 commands that make a VM host carry exactly the tenant networks it is told to:
 * per network a bridge and the device that carries its segment over the fabric, enslaved to
 * it, at the network's MTU; for VXLAN, one all-zeros FDB entry per peer host. Pure: it
 * compares the wanted networks with what the host has (link-state.ts) and returns only the
 * commands that close the gap, so running the plan twice changes nothing the second time.
 *
 * VXLAN choices: `nolearning` with head-end replication (`bridge fdb append 00:00:00:00:00:00
 * dev fxv… dst PEER` per peer). The contract gives peers, not which MAC lives behind which host,
 * so unknown unicast and broadcast go to every peer; with learning off, a frame from the
 * underlay cannot teach the host where a tenant MAC lives (no FDB poisoning by anyone who can
 * send UDP 4789), and a VM moving hosts leaves no stale entry. At the scale of a few PE860 hosts
 * per network the replication costs little; per-MAC static entries can be added when the region
 * sends where each NIC lives. UDP port 4789 (IANA), local = the host's underlay address.
 *
 * Bridges get `nf_call_iptables 1` (br_netfilter, per bridge, not the host-wide sysctl; apply.ts
 * makes sure br_netfilter is loaded and fails closed when it is not): bridged
 * IPv4 then passes the inet hooks, where conntrack makes security groups stateful
 * (nft-plan.ts); IPv6 is disabled on them (they carry no address of the host).
 *
 * With `prune`, our devices (names.ts) of networks not wanted are deleted, except a bridge that
 * still has a port other than its segment device (a VM's tap: its VM is not gone yet).
 */
import type { VmHostConfig } from "../../../sdk/schema/machine";
import type { HostNetwork } from "../../../sdk/schema/tenant-network-payload";
import type { Command } from "./host-shell";
import type { FdbEntry, LinkInfo } from "./link-state";
import { bridgeName, parseLinkName, segmentDeviceName } from "./names";
import { words } from "./words";

export const VXLAN_PORT = 4789;
const ZERO_MAC = "00:00:00:00:00:00";

export type Fabric = NonNullable<VmHostConfig["fabric"]>;

export interface LinkPlan {
  commands: Command[];
  /** Our bridges kept although not wanted, because a tap is still enslaved to them. */
  kept: string[];
}

function segmentDeviceMatches(l: LinkInfo, n: HostNetwork, fabric: Fabric): boolean {
  if (n.segment.kind === "vxlan") {
    return (
      l.kind === "vxlan" &&
      l.vni === n.segment.vni &&
      l.local === fabric.underlayAddress &&
      l.port === VXLAN_PORT &&
      l.learning === false
    );
  }
  return l.kind === "vlan" && l.vlanId === n.segment.vlanId && l.lower === fabric.underlayDevice;
}

function addSegmentDevice(n: HostNetwork, fabric: Fabric): Command {
  const dev = segmentDeviceName(n.segment);
  const under = fabric.underlayDevice;
  return n.segment.kind === "vxlan"
    ? words(
        `ip link add ${dev} mtu ${n.mtu} type vxlan id ${n.segment.vni} local ${fabric.underlayAddress} ` +
          `dstport ${VXLAN_PORT} dev ${under} nolearning`,
      )
    : words(`ip link add link ${under} name ${dev} mtu ${n.mtu} type vlan id ${n.segment.vlanId}`);
}

function validate(networks: readonly HostNetwork[]): void {
  const seen = new Set<string>();
  for (const n of networks) {
    const b = bridgeName(n.segment);
    if (seen.has(b)) throw new Error(`two networks on one segment (${b})`);
    seen.add(b);
  }
}

export function planLinks(
  networks: readonly HostNetwork[],
  fabric: Fabric,
  links: readonly LinkInfo[],
  fdb: readonly FdbEntry[],
  opts: { prune?: boolean } = {},
): LinkPlan {
  validate(networks);
  const byName = new Map(links.map((l) => [l.name, l]));
  const commands: Command[] = [];
  const wanted = new Set<string>();
  for (const n of networks) {
    const br = bridgeName(n.segment);
    const dev = segmentDeviceName(n.segment);
    const mtu = String(n.mtu);
    wanted.add(br);
    wanted.add(dev);
    const b = byName.get(br);
    if (b?.kind !== "bridge") {
      if (b) commands.push(["ip", "link", "del", br]);
      commands.push(["ip", "link", "add", br, "mtu", mtu, "type", "bridge", "nf_call_iptables", "1"]);
      commands.push(["sysctl", "-q", "-w", `net.ipv6.conf.${br}.disable_ipv6=1`]);
    } else {
      if (b.mtu !== n.mtu) commands.push(["ip", "link", "set", br, "mtu", mtu]);
      if (b.nfCallIptables !== true)
        commands.push(["ip", "link", "set", br, "type", "bridge", "nf_call_iptables", "1"]);
    }
    const d = byName.get(dev);
    const fresh = !d || !segmentDeviceMatches(d, n, fabric);
    if (fresh) {
      if (d) commands.push(["ip", "link", "del", dev]);
      commands.push(addSegmentDevice(n, fabric));
    } else if (d.mtu !== n.mtu) commands.push(["ip", "link", "set", dev, "mtu", mtu]);
    if (fresh || d?.master !== br) commands.push(["ip", "link", "set", dev, "master", br]);
    if (fresh || !d?.up) commands.push(["ip", "link", "set", dev, "up"]);
    if (b?.kind !== "bridge" || !b.up) commands.push(["ip", "link", "set", br, "up"]);
    if (n.segment.kind === "vxlan") {
      // A re-created device has no entries; an existing one keeps those still wanted.
      const have = new Set(
        fresh ? [] : fdb.filter((e) => e.dev === dev && e.mac === ZERO_MAC && e.dst).map((e) => e.dst!),
      );
      const peers = new Set(n.peers.filter((p) => p !== fabric.underlayAddress));
      for (const p of have) {
        if (!peers.has(p)) commands.push(["bridge", "fdb", "del", ZERO_MAC, "dev", dev, "dst", p]);
      }
      for (const p of [...peers].sort()) {
        if (!have.has(p)) commands.push(["bridge", "fdb", "append", ZERO_MAC, "dev", dev, "dst", p]);
      }
    }
  }
  const kept: string[] = [];
  if (opts.prune) {
    const ours = links.filter((l) => !wanted.has(l.name) && parseLinkName(l.name) !== null);
    for (const l of ours) {
      if (parseLinkName(l.name)?.role === "segment") commands.push(["ip", "link", "del", l.name]);
    }
    for (const l of ours) {
      if (parseLinkName(l.name)?.role !== "bridge") continue;
      const ports = links.filter((p) => p.master === l.name && parseLinkName(p.name)?.role !== "segment");
      if (ports.length > 0) kept.push(l.name);
      else commands.push(["ip", "link", "del", l.name]);
    }
  }
  return { commands, kept };
}
