/**
 * The nftables ruleset of a VM's NICs, written as one `nft -f` transaction (nft(8): a file is
 * applied atomically, all or nothing), so a VM's rules are never half replaced. Pure.
 *
 * Tables of ours (nothing else on the host is touched):
 * - `table bridge fibrix`: L2 per tap. Frames FROM a tap (`out_<tap>`) only with its MAC, ARP
 *   only for its MAC and address, IPv4 only from its address; everything else (IPv6, other
 *   ethertypes, DHCP: the guest's address is static, from the seed, and a DHCP request leaves
 *   from 0.0.0.0) is dropped. Frames TO a tap (`in_<tap>`) only ARP for its address and IPv4 to
 *   its address (or broadcast): then "the bridge and the destination address" names the VM.
 * - `table inet fibrix`: the security group, stateful. Conntrack in the bridge family needs
 *   nf_conntrack_bridge, which not every kernel has (the CI kernel lacks it: `ct state` there is
 *   EPROTO), so our bridges hand IPv4 to the inet hooks instead (link-plan.ts: nf_call_iptables,
 *   per bridge), where conntrack always runs. A conntrack zone per network (set in prerouting,
 *   before conntrack) keeps equal addresses of two tenants apart.
 *   `forward` jumps by (bridge . destination address) to `sg_<tap>`: established/related back
 *   in, each ingress rule's protocol, port range and sources, everything else dropped (traffic
 *   from the internet to a public address is DNATed first, so the same group judges it).
 *   What a tenant bridge sends to be routed (not bridged: out of the bridge) passes only from a
 *   NIC with a public address (`public_src` → `pub_<tap>`), so a VM without one reaches nothing
 *   outside its network, and no tenant reaches another through the host (route-plan.ts gives
 *   each network a table with only its subnet and the uplink). `input`: a tenant bridge reaches
 *   nothing of the host's own but an echo request to its network's gateway (`gateways`).
 * - `table ip fibrix_nat`: a public address 1:1 on the uplink: DNAT public → private in
 *   prerouting, SNAT private → public in postrouting (1:1 NAT rather than routing the public
 *   address to the guest: the guest keeps one static private address and the public one can
 *   move between VMs without touching the guest). Its `raw` chain, before conntrack, gives
 *   uplink traffic to a public address (`mark_vm` → `mark_<tap>`) the conntrack zone of the
 *   NIC's network (both directions of the NATed flow are then one entry, also when two tenants
 *   use one private address) and the fwmark that routes it to the network's table
 *   (route-plan.ts). What was not NATed (it would be the host's: the public addresses are local
 *   on the uplink) is dropped in `input`, and new flows the uplink would have the host forward
 *   elsewhere are dropped in `forward`.
 * Base chains dispatch through verdict maps whose elements jump to the per-tap chains, so a VM's
 * update or removal touches only its own chains and elements; chains are flushed and refilled.
 */
import type { IngressRulePayload, TenantNic } from "../../../sdk/schema/tenant-network-payload";
import { ROUTE_TABLES, bridgeName, routeTableOf, tapName } from "./names";
import type { NftElement, NftState } from "./nft-state";

export class TenantNetError extends Error {
  override readonly name = "TenantNetError";
  readonly code = "BAD_PAYLOAD";
  readonly retryable = false;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

function ipv4(v: string, what: string): string {
  if (!IPV4_RE.test(v)) throw new TenantNetError(`${what}: ${JSON.stringify(v)} is not an IPv4 address`);
  return v;
}

function cidr(v: string, what: string): string {
  const [addr, len, extra] = v.split("/");
  if (extra !== undefined || addr === undefined)
    throw new TenantNetError(`${what}: ${JSON.stringify(v)} is not a CIDR`);
  ipv4(addr, what);
  if (len !== undefined && !(/^\d{1,2}$/.test(len) && Number(len) <= 32))
    throw new TenantNetError(`${what}: ${JSON.stringify(v)} has a bad prefix length`);
  return v;
}

/** A conntrack zone per segment (16 bits): VNIs that differ by a multiple of 65536 share one. */
export function zoneOf(nic: Pick<TenantNic, "segment">): number {
  const n = nic.segment.kind === "vxlan" ? nic.segment.vni : nic.segment.vlanId;
  return n % 65536 || 1;
}

const CHAIN_RE = /^(out|in|sg|pub|dnat|snat|mark)_(fxt[0-9a-f]{12})$/;

/** The tap a per-tap chain of ours belongs to, or null. */
export function tapOfChain(chain: string): string | null {
  return CHAIN_RE.exec(chain)?.[2] ?? null;
}

const BASE = [
  "add table bridge fibrix",
  "add map bridge fibrix from_vm { type ifname : verdict ; }",
  "add map bridge fibrix to_vm { type ifname : verdict ; }",
  "add chain bridge fibrix forward { type filter hook forward priority -200 ; policy accept ; }",
  "flush chain bridge fibrix forward",
  "add rule bridge fibrix forward iifname vmap @from_vm",
  "add rule bridge fibrix forward oifname vmap @to_vm",
  // Frames a tap sends to the host itself (broadcasts are delivered locally too) meet the same rules.
  "add chain bridge fibrix input { type filter hook input priority -200 ; policy accept ; }",
  "flush chain bridge fibrix input",
  "add rule bridge fibrix input iifname vmap @from_vm",
  "add table inet fibrix",
  "add map inet fibrix zones { typeof iifname : ct zone ; }",
  "add map inet fibrix to_vm { type ifname . ipv4_addr : verdict ; }",
  "add chain inet fibrix pre { type filter hook prerouting priority -300 ; policy accept ; }",
  "flush chain inet fibrix pre",
  "add rule inet fibrix pre ct zone set iifname map @zones",
  // A routed network's table as the mark of what its bridge sends: the host's own answers
  // (an echo reply from the gateway) carry it back (fwmark_reflect, route-plan.ts).
  "add map inet fibrix marks { type ifname : mark ; }",
  "add rule inet fibrix pre meta mark set iifname map @marks",
  "add chain inet fibrix forward { type filter hook forward priority 0 ; policy accept ; }",
  "flush chain inet fibrix forward",
  "add rule inet fibrix forward oifname . ip daddr vmap @to_vm",
  // Bridged IPv4 (br_netfilter) is in and out of the same bridge; anything else from a tenant
  // bridge is routed by the host: only NICs with a public address may.
  "add map inet fibrix public_src { type ifname . ipv4_addr : verdict ; }",
  'add rule inet fibrix forward iifname "fxb*" oifname != "fxb*" iifname . ip saddr vmap @public_src',
  'add rule inet fibrix forward iifname "fxb*" oifname != "fxb*" counter drop comment "routed-private"',
  "add map inet fibrix gateways { type ifname . ipv4_addr : verdict ; }",
  "add chain inet fibrix input { type filter hook input priority 0 ; policy accept ; }",
  "flush chain inet fibrix input",
  'add rule inet fibrix input iifname "fxb*" icmp type echo-request iifname . ip daddr vmap @gateways',
  'add rule inet fibrix input iifname "fxb*" counter drop comment "to-host"',
];

const MARKS = `${ROUTE_TABLES.first}-${ROUTE_TABLES.last}`;

function natBase(uplink: string): string[] {
  const up = JSON.stringify(uplink);
  return [
    "add table ip fibrix_nat",
    "add map ip fibrix_nat dnat_vm { type ipv4_addr : verdict ; }",
    "add map ip fibrix_nat snat_vm { type ifname . ipv4_addr : verdict ; }",
    "add chain ip fibrix_nat pre { type nat hook prerouting priority -100 ; policy accept ; }",
    "flush chain ip fibrix_nat pre",
    `add rule ip fibrix_nat pre iifname ${up} ip daddr vmap @dnat_vm`,
    "add chain ip fibrix_nat post { type nat hook postrouting priority 100 ; policy accept ; }",
    "flush chain ip fibrix_nat post",
    `add rule ip fibrix_nat post oifname ${up} iifname . ip saddr vmap @snat_vm`,
    "add map ip fibrix_nat mark_vm { type ipv4_addr : verdict ; }",
    "add chain ip fibrix_nat raw { type filter hook prerouting priority -300 ; policy accept ; }",
    "flush chain ip fibrix_nat raw",
    `add rule ip fibrix_nat raw iifname ${up} ip daddr vmap @mark_vm`,
    "add chain ip fibrix_nat input { type filter hook input priority 0 ; policy accept ; }",
    "flush chain ip fibrix_nat input",
    `add rule ip fibrix_nat input iifname ${up} meta mark ${MARKS} counter drop comment "public-to-host"`,
    "add chain ip fibrix_nat forward { type filter hook forward priority 0 ; policy accept ; }",
    "flush chain ip fibrix_nat forward",
    `add rule ip fibrix_nat forward iifname ${up} ct state new meta mark != ${MARKS} counter drop comment "uplink-forward"`,
  ];
}

function ingressRule(r: IngressRulePayload, i: number): string | null {
  if (r.sources.length === 0) return null; // allows no one
  const from = `ip saddr { ${r.sources.map((s) => cidr(s, `ingress[${i}].sources`)).join(", ")} }`;
  if (r.protocol === "any") return `${from} accept`;
  if (r.protocol === "icmp") return `${from} meta l4proto icmp accept`;
  if (r.fromPort === undefined && r.toPort === undefined) return `${from} meta l4proto ${r.protocol} accept`;
  const lo = r.fromPort ?? r.toPort!;
  const hi = r.toPort ?? r.fromPort!;
  if (lo > hi) throw new TenantNetError(`ingress[${i}]: fromPort ${lo} is above toPort ${hi}`);
  return `${from} ${r.protocol} dport ${lo === hi ? lo : `${lo}-${hi}`} accept`;
}

/** The bridge a `zones`, `marks` or `gateways` key names (its first part, quoted). */
function bridgeOfKey(key: string): string {
  return JSON.parse(key.split(" . ")[0]!) as string;
}

/** The public addresses a ruleset NATs (the keys of `dnat_vm`): those the uplink must hold. */
export function publicAddresses(state: NftState): string[] {
  return state.elements.filter((e) => e.table === "fibrix_nat" && e.map === "dnat_vm").map((e) => e.key);
}

/** `delete element` lines for the elements that jump to `chains` or whose key is in `keys`. */
function deleteElements(state: NftState, pick: (e: NftElement) => boolean): string[] {
  return state.elements
    .filter(pick)
    .map((e) => `delete element ${e.family} ${e.table} ${e.map} { ${e.key} }`);
}

export interface VmNftOptions {
  /** The VM host's uplink (fabric.uplinkDevice): needed when a NIC has a public address. */
  uplink?: string;
}

/** The transaction that (re)writes every rule of these NICs. */
export function vmNftScript(nics: readonly TenantNic[], state: NftState, opts: VmNftOptions = {}): string {
  const lines = [...BASE];
  const needNat = nics.some((n) => n.publicIpv4 !== undefined);
  if (needNat) {
    if (!opts.uplink || !IFNAME_RE.test(opts.uplink))
      throw new TenantNetError("a NIC has a public address but the VM host has no fabric.uplinkDevice");
    lines.push(...natBase(opts.uplink));
  }
  const hasChain = (family: string, table: string, name: string) =>
    state.chains.some((c) => c.family === family && c.table === table && c.name === name);
  for (const nic of nics) {
    if (!MAC_RE.test(nic.mac)) throw new TenantNetError(`nic ${nic.networkId}: invalid MAC ${nic.mac}`);
    const ip = ipv4(nic.ipv4, `nic ${nic.mac}: ipv4`);
    const mac = nic.mac.toLowerCase();
    const tap = tapName(mac);
    const br = bridgeName(nic.segment);
    const q = (s: string) => JSON.stringify(s);
    const chain = (family: string, table: string, name: string, rules: string[]) => {
      lines.push(`add chain ${family} ${table} ${name}`, `flush chain ${family} ${table} ${name}`);
      for (const r of rules) lines.push(`add rule ${family} ${table} ${name} ${r}`);
    };
    chain("bridge", "fibrix", `out_${tap}`, [
      `ether saddr != ${mac} counter drop comment "spoof-mac"`,
      `arp saddr ether != ${mac} counter drop comment "spoof-arp-mac"`,
      `arp saddr ip != ${ip} counter drop comment "spoof-arp-ip"`,
      "ether type arp accept",
      `ip saddr != ${ip} counter drop comment "spoof-ip"`,
      "ether type ip accept",
      'counter drop comment "out-other"',
    ]);
    chain("bridge", "fibrix", `in_${tap}`, [
      "arp operation reply accept",
      `arp daddr ip != ${ip} drop`,
      "ether type arp accept",
      `ip daddr != { ${ip}, 255.255.255.255 } drop`,
      'ether type ip counter accept comment "in-ip"',
      "drop",
    ]);
    const sg = nic.ingress.map(ingressRule).filter((r): r is string => r !== null);
    chain("inet", "fibrix", `sg_${tap}`, [
      "ct state established,related accept",
      "ct state invalid drop",
      ...sg,
      'counter drop comment "sg-drop"',
    ]);
    // An element of this key left by an earlier VM (an address given again) is replaced.
    const keys = new Set([q(tap), `${q(br)} . ${ip}`]);
    const gw = nic.gateway === null ? null : ipv4(nic.gateway, `nic ${mac}: gateway`);
    lines.push(
      ...deleteElements(
        state,
        (e) =>
          e.table === "fibrix" &&
          e.map !== "zones" &&
          e.map !== "marks" &&
          (keys.has(e.key) ||
            (e.map === "gateways" && bridgeOfKey(e.key) === br && e.key !== `${q(br)} . ${gw}`)),
      ),
      `add element bridge fibrix from_vm { ${q(tap)} : jump out_${tap} }`,
      `add element bridge fibrix to_vm { ${q(tap)} : jump in_${tap} }`,
      `add element inet fibrix zones { ${q(br)} : ${zoneOf(nic)} }`,
      `add element inet fibrix to_vm { ${q(br)} . ${ip} : jump sg_${tap} }`,
      ...(gw !== null ? [`add element inet fibrix gateways { ${q(br)} . ${gw} : accept }`] : []),
      ...(gw !== null && opts.uplink
        ? [`add element inet fibrix marks { ${q(br)} : ${routeTableOf(nic.segment)} }`]
        : []),
    );
    const natChains = ["dnat", "snat", "mark"].filter((k) => hasChain("ip", "fibrix_nat", `${k}_${tap}`));
    if (nic.publicIpv4 !== undefined) {
      const pub = ipv4(nic.publicIpv4, `nic ${mac}: publicIpv4`);
      chain("inet", "fibrix", `pub_${tap}`, ["accept"]);
      chain("ip", "fibrix_nat", `dnat_${tap}`, [`dnat to ${ip}`]);
      chain("ip", "fibrix_nat", `snat_${tap}`, [`snat to ${pub}`]);
      const table = routeTableOf(nic.segment);
      chain("ip", "fibrix_nat", `mark_${tap}`, [`meta mark set ${table} ct zone set ${zoneOf(nic)}`]);
      const natKeys = new Set([pub, `${q(br)} . ${ip}`]);
      lines.push(
        ...deleteElements(
          state,
          (e) => e.table === "fibrix_nat" && (natKeys.has(e.key) || tapOfChain(e.jump ?? "") === tap),
        ),
        `add element inet fibrix public_src { ${q(br)} . ${ip} : jump pub_${tap} }`,
        `add element ip fibrix_nat dnat_vm { ${pub} : jump dnat_${tap} }`,
        `add element ip fibrix_nat snat_vm { ${q(br)} . ${ip} : jump snat_${tap} }`,
        `add element ip fibrix_nat mark_vm { ${pub} : jump mark_${tap} }`,
      );
    } else {
      // No public address (or it was detached): its NAT and its way out go.
      if (natChains.length > 0)
        lines.push(
          ...deleteElements(state, (e) => e.table === "fibrix_nat" && tapOfChain(e.jump ?? "") === tap),
        );
      for (const k of natChains) lines.push(`delete chain ip fibrix_nat ${k}_${tap}`);
      if (hasChain("inet", "fibrix", `pub_${tap}`)) lines.push(`delete chain inet fibrix pub_${tap}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The transaction that removes every per-tap chain and element not in `keepTaps`, and the
 * conntrack zones of bridges not in `keepBridges`; with nothing kept, our tables go entirely.
 * Null when there is nothing to remove.
 */
export function pruneNftScript(
  keepTaps: ReadonlySet<string>,
  keepBridges: ReadonlySet<string>,
  state: NftState,
): string | null {
  if (keepTaps.size === 0 && keepBridges.size === 0) {
    if (state.tables.length === 0) return null;
    return `${state.tables.map((t) => `delete table ${t.family} ${t.name}`).join("\n")}\n`;
  }
  const gone = (tap: string | null) => tap !== null && !keepTaps.has(tap);
  const lines = [
    ...deleteElements(state, (e) => gone(tapOfChain(e.jump ?? ""))),
    ...deleteElements(
      state,
      (e) => ["zones", "gateways", "marks"].includes(e.map) && !keepBridges.has(bridgeOfKey(e.key)),
    ),
    ...state.chains
      .filter((c) => gone(tapOfChain(c.name)))
      .map((c) => `delete chain ${c.family} ${c.table} ${c.name}`),
  ];
  return lines.length > 0 ? `${lines.join("\n")}\n` : null;
}

/** The transaction that removes the rules of these taps only (a deleted VM). */
export function removeTapsNftScript(taps: ReadonlySet<string>, state: NftState): string | null {
  const mine = (tap: string | null) => tap !== null && taps.has(tap);
  const lines = [
    ...deleteElements(state, (e) => mine(tapOfChain(e.jump ?? ""))),
    ...state.chains
      .filter((c) => mine(tapOfChain(c.name)))
      .map((c) => `delete chain ${c.family} ${c.table} ${c.name}`),
  ];
  return lines.length > 0 ? `${lines.join("\n")}\n` : null;
}
