/**
 * The rack's dnsmasq configuration (pure): DHCP for its subnet, one reservation per machine
 * MAC, and the PXE chain to iPXE. dnsmasq serves no DNS here (`port=0`): names come from the
 * region's authoritative DNS. Reservations go to a separate hosts file so that a machine
 * enlisted or removed only needs a SIGHUP (dnsmasq re-reads `dhcp-hostsfile` on SIGHUP, see
 * dnsmasq(8) "--dhcp-hostsfile"), while a change of range, interface or boot URL restarts it.
 *
 * Boot chain (what MAAS and Ironic do with iPXE):
 * - a client that is already iPXE sends option 175 (iPXE encapsulated options) → it gets the
 *   HTTP URL of its boot script, which names the machine by `${net0/mac}`;
 * - a legacy BIOS PXE ROM (client-arch 0) gets `undionly.kpxe` over TFTP;
 * - a UEFI x86-64 client (client-arch 7 or 9, RFC 4578 §2.1) gets `snponly.efi` over TFTP.
 * Every value comes from the region or the agent's options, so each is validated: a newline in
 * a hostname must never become a dnsmasq directive.
 */
import type { RackConfig } from "../../../sdk/schema/rack-agent";
import { BootError } from "./boot-error";

export interface DnsmasqConfigInput {
  config: RackConfig;
  /** Interface dnsmasq listens on (bind-interfaces: it never answers on any other). */
  interface: string;
  /** Base URL of the rack's HTTP boot server as machines reach it (http://10.77.0.1:8080). */
  bootUrl: string;
  tftpRoot: string;
  leaseFile: string;
  hostsFile: string;
  /** DHCP lease time in seconds (default 1 h). */
  leaseSeconds?: number;
  /** Extra reservations not (yet) in the config, e.g. MACs of a task being run. */
  extraHosts?: readonly DhcpHost[];
}

export interface DhcpHost {
  mac: string;
  ip?: string | null;
  hostname?: string;
}

export interface DnsmasqConfig {
  /** The main configuration file (restart dnsmasq when it changes). */
  main: string;
  /** The `dhcp-hostsfile` contents (SIGHUP is enough when only this changes). */
  hosts: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** A URL dnsmasq passes on verbatim: no whitespace, comma, quote or control character. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~%/-]*)?$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

function bad(what: string, value: unknown): never {
  throw new BootError("BOOT_BAD_CONFIG", `invalid ${what}: ${JSON.stringify(value)}`);
}

export function normaliseMac(mac: string): string {
  const m = mac.trim().toLowerCase().replace(/-/g, ":");
  if (!MAC.test(m)) bad("MAC address", mac);
  return m;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Netmask of a CIDR ("10.77.0.0/24" → "255.255.255.0"). */
export function netmaskOf(cidr: string): string {
  const [ip, p] = cidr.split("/");
  const prefix = Number(p);
  if (!ip || !IPV4.test(ip) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) bad("subnet", cidr);
  return intToIp(prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix));
}

function inSubnet(cidr: string, ip: string): boolean {
  const [net, p] = cidr.split("/") as [string, string];
  const size = 2 ** (32 - Number(p));
  const base = ipToInt(net) - (ipToInt(net) % size);
  const n = ipToInt(ip);
  return n >= base && n < base + size;
}

/** One `dhcp-hostsfile` line per machine: every MAC of it, its fixed IP if any, its hostname. */
export function renderHosts(hosts: readonly DhcpHost[], subnet: string): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const h of hosts) {
    const mac = normaliseMac(h.mac);
    if (seen.has(mac)) continue; // one reservation per MAC: dnsmasq refuses duplicates
    seen.add(mac);
    const parts = [mac];
    if (h.ip) {
      if (!IPV4.test(h.ip) || !inSubnet(subnet, h.ip)) bad(`IP for ${mac}`, h.ip);
      parts.push(h.ip);
    }
    if (h.hostname !== undefined) {
      if (!LABEL.test(h.hostname)) bad(`hostname for ${mac}`, h.hostname);
      parts.push(h.hostname);
    }
    lines.push(parts.join(","));
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

export function machinesAsHosts(config: RackConfig): DhcpHost[] {
  return config.machines.flatMap((m) =>
    m.macs.map((mac) => ({ mac, ip: m.ip, hostname: m.hostname }) satisfies DhcpHost),
  );
}

export function renderDnsmasqConfig(input: DnsmasqConfigInput): DnsmasqConfig {
  const { config } = input;
  if (!IFNAME.test(input.interface)) bad("interface", input.interface);
  if (!SAFE_URL.test(input.bootUrl)) bad("boot URL", input.bootUrl);
  for (const [what, p] of [
    ["TFTP root", input.tftpRoot],
    ["lease file", input.leaseFile],
    ["hosts file", input.hostsFile],
  ] as const) {
    if (!SAFE_PATH.test(p)) bad(what, p);
  }
  const mask = netmaskOf(config.subnet);
  const { start, end } = config.dhcpRange;
  for (const ip of [start, end]) {
    if (!IPV4.test(ip) || !inSubnet(config.subnet, ip)) bad("DHCP range", config.dhcpRange);
  }
  if (ipToInt(start) > ipToInt(end)) bad("DHCP range (start after end)", config.dhcpRange);
  const lease = input.leaseSeconds ?? 3600;
  if (!Number.isInteger(lease) || lease < 120) bad("lease time", lease);
  const gateway = config.gateway;
  if (gateway !== null && (!IPV4.test(gateway) || !inSubnet(config.subnet, gateway))) bad("gateway", gateway);
  const base = input.bootUrl.replace(/\/+$/, "");

  const main = [
    `# fibrix rack ${config.rackId}: DHCP + TFTP for ${config.subnet} (generated; do not edit)`,
    "port=0", // no DNS: the region answers for the zone
    `interface=${input.interface}`,
    "bind-interfaces",
    "except-interface=lo",
    "log-dhcp",
    `dhcp-range=${start},${end},${mask},${lease}`,
    gateway ? `dhcp-option=option:router,${gateway}` : "dhcp-option=option:router",
    `dhcp-hostsfile=${input.hostsFile}`,
    `dhcp-leasefile=${input.leaseFile}`,
    "dhcp-authoritative",
    // iPXE identifies itself with option 175; already-iPXE clients go straight to HTTP.
    "dhcp-match=set:ipxe,175",
    // RFC 4578 client-arch 7 and 9: x86-64 UEFI.
    "dhcp-match=set:efi64,option:client-arch,7",
    "dhcp-match=set:efi64,option:client-arch,9",
    `dhcp-boot=tag:ipxe,${base}/boot.ipxe`,
    "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi",
    "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe",
    "enable-tftp",
    `tftp-root=${input.tftpRoot}`,
    "",
  ].join("\n");
  const hosts = renderHosts([...machinesAsHosts(config), ...(input.extraHosts ?? [])], config.subnet);
  return { main, hosts };
}
