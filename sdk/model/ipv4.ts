/** IPv4 arithmetic for subnets and DHCP ranges (pure). Inputs are already pattern-checked. */

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export interface Cidr {
  /** The address as written (may have host bits set). */
  address: number;
  /** The address with the host bits cleared. */
  network: number;
  prefix: number;
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const [ip, p] = cidr.split("/") as [string, string];
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const address = ipToInt(ip);
  return { address, network: address - (address % size), prefix, size };
}

/** Whether the address part has no host bits set (10.0.0.0/24, not 10.0.0.5/24). */
export function isNetworkAddress(c: Cidr): boolean {
  return c.address === c.network;
}

export function contains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + c.size;
}
