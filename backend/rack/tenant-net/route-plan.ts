/**
 * The iproute2 commands that make a VM host with an uplink (fabric.uplinkDevice) route the
 * public-address traffic of its tenant networks, and nothing else. Pure: it compares what the
 * host must do with what it has (route-state.ts) and returns only the commands that close the
 * gap, so a second run plans nothing.
 *
 * Tenant subnets may overlap (A and B both 10.10.0.0/24 on one host) and the kernel may have no
 * VRF, so each routed network gets policy routing of its own:
 * - its gateway on its bridge, `noprefixroute`: the host answers the guests' ARP for it (and
 *   only for it: `arp_ignore=1` on the bridge), but main gets no route to the subnet, so the
 *   host itself reaches no tenant and two equal subnets never meet in one table;
 * - routing table `routeTableOf(segment)` (names.ts): the subnet on the bridge, and the default
 *   route of the uplink (main's default through it), or `unreachable default` when the uplink
 *   has none, so nothing from a tenant ever falls through to the host's main table;
 * - `ip rule iif <bridge> lookup T` (what the guests send) and `ip rule fwmark T lookup T`:
 *   inbound traffic to a public address is marked T in raw prerouting (nft-plan.ts, by the
 *   public address), which is also where its conntrack zone becomes the network's, so both
 *   directions of a NATed flow are one conntrack entry;
 * - the host's own answers to a guest (its gateway's echo replies) are routed by the mark the
 *   guest's packet had (nft-plan.ts marks what a routed bridge sends with its table):
 *   `net.ipv4.fwmark_reflect=1`; without it they would follow main, which has no tenant subnet;
 * - forwarding on for the bridge (and on the uplink while the host holds a public address);
 *   what may pass is nft-plan.ts's business: only flows of NICs with a public address leave,
 *   NATed; a VM without one reaches nothing outside its network.
 * Public addresses (those the host's nftables NAT, read back from nft) are /32s on the uplink
 * with the label `<uplink>:fx`, so the uplink's neighbours reach them by ARP, as Neutron's L3
 * agent holds floating IPs on its gateway port (neutron/agent/l3/router_info.py,
 * `_add_fip_addr_to_device`); they are DNATed before routing, never delivered to the host (nft-plan.ts
 * drops what is not NATed). Addresses of ours no NAT uses are removed; a flow established
 * before its address was detached loses its path with it (no address, no mark, no way out) and
 * its conntrack entry times out (Neutron deletes them with `conntrack -D`; no such tool here).
 *
 * With `prune`, our rules and tables of networks not routed any more go too.
 */
import type { HostNetwork } from "../../../sdk/schema/tenant-network-payload";
import type { Command } from "./host-shell";
import { bridgeName, isOurRouteTable, publicLabel, routeTableOf } from "./names";
import { TenantNetError } from "./nft-plan";
import type { RouteInfo, RouteState } from "./route-state";
import { uplinkGateway } from "./route-state";
import { words } from "./words";

const REFLECT = "net.ipv4.fwmark_reflect";

/** Before main (32766): our rules are consulted first, after local (0). */
export const RULE_PRIORITY = 10000;

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export interface RoutedNetwork {
  bridge: string;
  table: number;
  /** The subnet as a network address and prefix, and the gateway in it. */
  subnet: string;
  prefixLength: number;
  gateway: string;
}

export interface RoutePlanInput {
  uplink?: string;
  /** The networks the host carries; undefined leaves per-network routing as it is (publics only). */
  networks?: readonly HostNetwork[];
  /** The public addresses the host's NAT serves (nft-state.ts publicAddresses). */
  publics: readonly string[];
}

function ip4(v: string, what: string): string {
  if (!IPV4_RE.test(v)) throw new TenantNetError(`${what}: ${JSON.stringify(v)} is not an IPv4 address`);
  return v;
}

/** The networks routed on a host with `uplink`: those with a subnet and a gateway. */
export function routedNetworks(
  networks: readonly HostNetwork[],
  uplink: string | undefined,
): RoutedNetwork[] {
  if (!uplink) return [];
  return networks.flatMap((n) => {
    if (!n.cidr || !n.gateway) return [];
    const [addr, len] = n.cidr.split("/");
    const prefixLength = Number(len);
    if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 30)
      throw new TenantNetError(`network ${n.networkId}: bad cidr ${JSON.stringify(n.cidr)}`);
    return [
      {
        bridge: bridgeName(n.segment),
        table: routeTableOf(n.segment),
        subnet: `${ip4(addr ?? "", `network ${n.networkId}: cidr`)}/${prefixLength}`,
        prefixLength,
        gateway: ip4(n.gateway, `network ${n.networkId}: gateway`),
      },
    ];
  });
}

/** A device's sysctl key (sysctl(8) writes a dot in a device name, `bond0.20`, as a slash). */
const conf = (dev: string, key: string) => `net.ipv4.conf.${dev.replace(/\./g, "/")}.${key}`;

/** The sysctl keys the plan compares, with their devices ("" for the namespace's own): read those of devices that exist. */
export function sysctlKeys(input: RoutePlanInput): { dev: string; key: string }[] {
  const routed = routedNetworks(input.networks ?? [], input.uplink);
  const keys = routed.flatMap((r) => [
    { dev: r.bridge, key: conf(r.bridge, "forwarding") },
    { dev: r.bridge, key: conf(r.bridge, "arp_ignore") },
  ]);
  if (input.uplink && input.publics.length > 0)
    keys.push({ dev: input.uplink, key: conf(input.uplink, "forwarding") });
  if (routed.length > 0) keys.push({ dev: "", key: REFLECT });
  return keys;
}

function sameDefault(r: RouteInfo, gw: string | undefined, uplink: string): boolean {
  return gw ? r.type === "unicast" && r.gateway === gw && r.dev === uplink : r.type === "unreachable";
}

function delRoute(r: RouteInfo): Command {
  return words(`ip route del ${r.type === "unicast" ? "" : `${r.type} `}${r.dst} table ${r.table}`);
}

export function planRoutes(
  input: RoutePlanInput,
  state: RouteState,
  opts: { prune?: boolean } = {},
): Command[] {
  const { uplink } = input;
  const commands: Command[] = [];
  const written = new Set<string>();
  const setSysctl = (key: string, value: string) => {
    if (state.sysctls.get(key) === value || written.has(key)) return;
    written.add(key);
    commands.push(["sysctl", "-q", "-w", `${key}=${value}`]);
  };
  const routed = routedNetworks(input.networks ?? [], uplink);
  const gw = uplink ? uplinkGateway(state.routes, uplink) : undefined;
  const wantedTables = new Set<number>();
  for (const r of routed) {
    wantedTables.add(r.table);
    // The bridge holds exactly its gateway.
    const addrs = state.addresses.filter((a) => a.dev === r.bridge);
    const has = addrs.some(
      (a) => a.address === r.gateway && a.prefixLength === r.prefixLength && a.noprefixroute,
    );
    for (const a of addrs) {
      if (!(a.address === r.gateway && a.prefixLength === r.prefixLength && a.noprefixroute))
        commands.push(words(`ip addr del ${a.address}/${a.prefixLength} dev ${r.bridge}`));
    }
    if (!has)
      commands.push(words(`ip addr add ${r.gateway}/${r.prefixLength} dev ${r.bridge} noprefixroute`));
    setSysctl(conf(r.bridge, "forwarding"), "1");
    setSysctl(conf(r.bridge, "arp_ignore"), "1");
    setSysctl(REFLECT, "1");
    // Its table: the subnet on the bridge, the uplink's default (or none at all).
    const mine = state.routes.filter((x) => x.table === r.table);
    const connected = (x: RouteInfo) =>
      x.type === "unicast" && x.dst === r.subnet && x.dev === r.bridge && !x.gateway;
    const dflt = (x: RouteInfo) => x.dst === "default" && (x.metric ?? 0) === 0;
    for (const x of mine) if (!connected(x) && !dflt(x)) commands.push(delRoute(x));
    if (!mine.some(connected))
      commands.push(words(`ip route replace ${r.subnet} dev ${r.bridge} scope link table ${r.table}`));
    const d = mine.find(dflt);
    if (!d || !sameDefault(d, gw, uplink!)) {
      commands.push(
        words(
          gw
            ? `ip route replace default via ${gw} dev ${uplink} table ${r.table}`
            : `ip route replace unreachable default table ${r.table}`,
        ),
      );
    }
    // Its rules: what the bridge sends, and what the uplink's marked traffic brings in.
    const rules = state.rules.filter((x) => x.table === r.table);
    const isIif = (x: (typeof rules)[number]) =>
      x.priority === RULE_PRIORITY && x.iif === r.bridge && x.fwmark === undefined;
    const isMark = (x: (typeof rules)[number]) =>
      x.priority === RULE_PRIORITY &&
      x.iif === undefined &&
      x.fwmark === r.table &&
      (x.fwmask === undefined || x.fwmask === 0xffffffff);
    for (const x of rules) if (!isIif(x) && !isMark(x)) commands.push(delRule(x));
    if (!rules.some(isIif))
      commands.push(words(`ip rule add pref ${RULE_PRIORITY} iif ${r.bridge} lookup ${r.table}`));
    if (!rules.some(isMark))
      commands.push(words(`ip rule add pref ${RULE_PRIORITY} fwmark ${r.table} lookup ${r.table}`));
  }
  // Networks carried but not routed (no gateway, no uplink) hold no address of the host.
  const plain = new Set((input.networks ?? []).map((n) => bridgeName(n.segment)));
  for (const r of routed) plain.delete(r.bridge);
  for (const a of state.addresses) {
    if (plain.has(a.dev)) commands.push(words(`ip addr del ${a.address}/${a.prefixLength} dev ${a.dev}`));
  }
  if (opts.prune) {
    for (const x of state.rules) {
      if (typeof x.table === "number" && isOurRouteTable(x.table) && !wantedTables.has(x.table))
        commands.push(delRule(x));
    }
    const stale = new Set(
      state.routes
        .map((x) => x.table)
        .filter((t): t is number => typeof t === "number" && isOurRouteTable(t) && !wantedTables.has(t)),
    );
    for (const t of [...stale].sort((a, b) => a - b)) commands.push(words(`ip route flush table ${t}`));
  }
  commands.push(...planPublics(input, state));
  return commands;
}

function delRule(x: {
  priority: number;
  table: number | string;
  iif?: string;
  fwmark?: number;
  fwmask?: number;
}) {
  const sel = [
    x.iif !== undefined ? `iif ${x.iif}` : "",
    x.fwmark !== undefined ? `fwmark ${x.fwmark}${x.fwmask !== undefined ? `/${x.fwmask}` : ""}` : "",
  ]
    .filter((s) => s.length > 0)
    .join(" ");
  return words(`ip rule del pref ${x.priority}${sel ? ` ${sel}` : ""} table ${x.table}`);
}

/** The public /32s on the uplink: exactly those NATed. */
function planPublics(input: RoutePlanInput, state: RouteState): Command[] {
  const { uplink } = input;
  if (!uplink) return [];
  const label = publicLabel(uplink);
  const publics = [...new Set(input.publics.map((p) => ip4(p, "public address")))].sort();
  if (label === null) {
    if (publics.length === 0) return [];
    throw new TenantNetError(`uplink ${uplink}: its name leaves no room for the label of public addresses`);
  }
  const commands: Command[] = [];
  const ours = state.addresses.filter((a) => a.dev === uplink && a.label === label);
  for (const a of ours) {
    if (!publics.includes(a.address) || a.prefixLength !== 32)
      commands.push(words(`ip addr del ${a.address}/${a.prefixLength} dev ${uplink}`));
  }
  for (const p of publics) {
    if (!ours.some((a) => a.address === p && a.prefixLength === 32))
      commands.push(words(`ip addr add ${p}/32 dev ${uplink} label ${label}`));
  }
  // Inbound NAT is forwarded from the uplink. Never turned off again: the host may forward
  // for others (libvirt's NAT network); nft-plan.ts drops new uplink flows that are not ours.
  if (publics.length > 0 && state.sysctls.get(conf(uplink, "forwarding")) !== "1")
    commands.push(["sysctl", "-q", "-w", `${conf(uplink, "forwarding")}=1`]);
  return commands;
}
