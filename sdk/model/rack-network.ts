/** Semantic checks of a rack's network beyond the schema's patterns (pure). */
import type { FieldError } from "../errors";
import { contains, ipToInt, isNetworkAddress, parseCidr } from "./ipv4";

export function checkRackNetwork(
  subnet: string,
  gateway: string | null | undefined,
  dhcpRange: { start: string; end: string },
): FieldError[] {
  const errors: FieldError[] = [];
  const c = parseCidr(subnet);
  if (!isNetworkAddress(c))
    errors.push({ field: "/subnet", reason: "has host bits set; use the network address" });
  if (c.prefix > 30) errors.push({ field: "/subnet", reason: "must be /30 or larger to hold machines" });
  if (gateway && !contains(c, gateway)) errors.push({ field: "/gateway", reason: `is outside ${subnet}` });
  for (const k of ["start", "end"] as const) {
    if (!contains(c, dhcpRange[k])) errors.push({ field: `/dhcpRange/${k}`, reason: `is outside ${subnet}` });
  }
  if (ipToInt(dhcpRange.start) > ipToInt(dhcpRange.end)) {
    errors.push({ field: "/dhcpRange", reason: "start must not be after end" });
  }
  const g = gateway ? ipToInt(gateway) : undefined;
  if (g !== undefined && g >= ipToInt(dhcpRange.start) && g <= ipToInt(dhcpRange.end)) {
    errors.push({ field: "/gateway", reason: "must not be inside the DHCP range" });
  }
  return errors;
}
