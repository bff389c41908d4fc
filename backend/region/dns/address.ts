/**
 * IP address parsing and reverse-DNS names. Pure. Strict on purpose: zone data comes from the
 * region's store, and an address that a resolver library would read differently (leading
 * zeros, zone ids) is better refused than published.
 *
 * Reverse names: RFC 1035 §3.5 (in-addr.arpa, octets reversed) and RFC 3596 §2.5 (ip6.arpa,
 * nibbles reversed). The region publishes one reverse zone per IPv4 /24 and per IPv6 /64,
 * the octet/nibble-aligned prefixes MAAS also uses for its subnets.
 */

/** The four octets of a dotted-quad IPv4 address, or undefined. No leading zeros. */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    octets.push(v);
  }
  return octets;
}

/** The sixteen bytes of an IPv6 address (RFC 4291 §2.2 text forms, incl. `::` and a trailing dotted quad). */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tailV4 = v4;
    // keep the colon(s) before the quad: "::1.2.3.4" → "::"
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const groupsWanted = 8 - tailV4.length / 2;
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? "");
  if (!left) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const right = parseGroups(halves[1] ?? "");
    if (!right) return undefined;
    const missing = groupsWanted - left.length - right.length;
    // "::" stands for at least one zero group (RFC 4291 §2.2 item 2)
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== groupsWanted) return undefined;
    groups = left;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  bytes.push(...tailV4);
  return bytes;
}

/** `192.0.2.10` → `10.2.0.192.in-addr.arpa`. */
export function reverseNameV4(octets: readonly number[]): string {
  return `${[...octets].reverse().join(".")}.in-addr.arpa`;
}

/** The /24 reverse zone holding an IPv4 address: `192.0.2.10` → `2.0.192.in-addr.arpa`. */
export function reverseZoneV4(octets: readonly number[]): string {
  return `${octets.slice(0, 3).reverse().join(".")}.in-addr.arpa`;
}

function nibbles(bytes: readonly number[]): string[] {
  const out: string[] = [];
  for (const b of bytes) out.push((b >> 4).toString(16), (b & 0xf).toString(16));
  return out;
}

/** `2001:db8::1` → `1.0.0.0.(…).8.b.d.0.1.0.0.2.ip6.arpa` (32 nibbles). */
export function reverseNameV6(bytes: readonly number[]): string {
  return `${nibbles(bytes).reverse().join(".")}.ip6.arpa`;
}

/** The /64 reverse zone holding an IPv6 address (16 nibbles). */
export function reverseZoneV6(bytes: readonly number[]): string {
  return `${nibbles(bytes.slice(0, 8)).reverse().join(".")}.ip6.arpa`;
}

/** RFC 5952 §4 text form (lower case, longest zero run of ≥ 2 groups compressed), used as the published form. */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
