/** Which addresses of a public block can be attached (pure). */
import { intToIp, ipToInt, parseCidr } from "../../../sdk/model/ipv4";

/** The attachable addresses of `cidr`: host addresses (all of a /31 or /32), less `exclude`. */
export function publicRange(cidr: string): { first: number; last: number } {
  const c = parseCidr(cidr);
  if (c.prefix >= 31) return { first: c.network, last: c.network + c.size - 1 };
  return { first: c.network + 1, last: c.network + c.size - 2 };
}

export function publicCapacity(cidr: string, exclude: readonly string[]): number {
  const { first, last } = publicRange(cidr);
  const ex = new Set(exclude.map(ipToInt).filter((n) => n >= first && n <= last));
  return last - first + 1 - ex.size;
}

/** The lowest attachable address of `cidr` not in `exclude` nor `taken`, if any. */
export function pickPublicAddress(
  cidr: string,
  exclude: readonly string[],
  taken: readonly string[],
): string | undefined {
  const { first, last } = publicRange(cidr);
  const used = new Set([...exclude, ...taken].map(ipToInt));
  for (let n = first; n <= last; n++) if (!used.has(n)) return intToIp(n);
  return undefined;
}
