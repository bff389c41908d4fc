/**
 * Pure address picking for tenant networks (issue #11): which host address a new NIC gets,
 * which subnet a network without a CIDR gets from the supernet, whether subnets overlap, and
 * the MAC of the n-th NIC. No I/O: the routes call these inside the placing transaction and
 * the store's UNIQUE constraints are the backstop against a race.
 */
import { type Cidr, intToIp, ipToInt, parseCidr } from "../../../sdk/model/ipv4";

/** Tenant subnets the region hands out when a network asks for a prefix length only. */
export const TENANT_SUPERNET = "10.128.0.0/9";

/** The addresses a NIC may get: everything but the network and broadcast addresses. */
export function hostRange(c: Cidr): { first: number; last: number } {
  return { first: c.network + 1, last: c.network + c.size - 2 };
}

/** The default gateway of a subnet: its first host address. */
export function defaultGateway(cidr: string): string {
  return intToIp(hostRange(parseCidr(cidr)).first);
}

/**
 * The lowest free host address of `cidr`, never the network, broadcast or gateway address,
 * nor one in `taken`; undefined when the subnet is full.
 */
export function pickAddress(
  cidr: string,
  gateway: string | null,
  taken: Iterable<string>,
): string | undefined {
  const c = parseCidr(cidr);
  const { first, last } = hostRange(c);
  const used = new Set<number>();
  for (const t of taken) used.add(ipToInt(t));
  if (gateway) used.add(ipToInt(gateway));
  for (let n = first; n <= last; n++) if (!used.has(n)) return intToIp(n);
  return undefined;
}

/** How many addresses NICs can get in `cidr` (the gateway excluded). */
export function assignableCount(cidr: string, gateway: string | null): number {
  const c = parseCidr(cidr);
  const { first, last } = hostRange(c);
  const g = gateway ? ipToInt(gateway) : undefined;
  return Math.max(0, last - first + 1 - (g !== undefined && g >= first && g <= last ? 1 : 0));
}

export function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x.network < y.network + y.size && y.network < x.network + x.size;
}

/** The first block of `/prefixLength` inside `supernet` that overlaps none of `existing`. */
export function pickSubnet(
  supernet: string,
  prefixLength: number,
  existing: readonly string[],
): string | undefined {
  const s = parseCidr(supernet);
  if (prefixLength < s.prefix || prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  const taken = existing.map(parseCidr).sort((a, b) => a.network - b.network);
  let n = s.network;
  const end = s.network + s.size;
  while (n + size <= end) {
    const clash = taken.find((t) => n < t.network + t.size && t.network < n + size);
    if (!clash) return `${intToIp(n)}/${prefixLength}`;
    // Jump past the clash, to the next block boundary.
    const past = clash.network + clash.size;
    n = Math.ceil(past / size) * size;
  }
  return undefined;
}

/** Highest NIC counter a MAC can encode (24 bits after the 52:54:00 prefix). */
export const MAX_MAC_SERIAL = 0xffffff;

/** The MAC of the n-th tenant NIC (n ≥ 1): 52:54:00 (QEMU's locally administered range) + n in 24 bits. */
export function macOf(serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_MAC_SERIAL) {
    throw new RangeError(`MAC serial ${serial} is outside 1..${MAX_MAC_SERIAL}`);
  }
  const b = [16, 8, 0].map((s) => ((serial >> s) & 0xff).toString(16).padStart(2, "0"));
  return `52:54:00:${b.join(":")}`;
}

/** The lowest VLAN id of `range` not in `taken`, if any (VLAN ids are few: they are reused after a delete). */
export function pickVlan(
  range: { first: number; last: number },
  taken: Iterable<number>,
): number | undefined {
  const used = new Set(taken);
  for (let v = range.first; v <= range.last; v++) if (!used.has(v)) return v;
  return undefined;
}
