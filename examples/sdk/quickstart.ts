/**
 * The quick-start example program: what an ISP operator's script does with the SDK against a
 * fresh region — a region and its DNS zone, a rack, a pool, a customer tenant with its own key,
 * and PE860s enlisted from a list of BMC addresses (here: the virtual lab's BMCs).
 */
import { FibrixClient } from "../../sdk/client";
import type { Machine } from "../../sdk/schema/machine";

export interface Bmc {
  address: string;
  port: number;
  user: string;
  password: string;
}

export interface QuickstartResult {
  regionId: string;
  rackId: string;
  rackToken: string;
  poolId: string;
  tenantKey: string;
  machines: Machine[];
}

export async function quickstart(
  endpoint: string,
  adminKey: string,
  bmcs: Bmc[],
  log: (line: string) => void,
  opts: { commission?: boolean } = {},
): Promise<QuickstartResult> {
  const fibrix = new FibrixClient({ endpoint, apiKey: adminKey });
  const region = await fibrix.regions.create({
    name: "girona",
    dnsDomain: "girona.fibrix.example",
    description: "Fibrix Girona DC",
  });
  log(`region ${region.name} (${region.dnsDomain}), nameserver ${region.nameservers.join(", ")}`);
  const rack = await fibrix.racks.create({
    name: "rack-a",
    regionId: region.id,
    subnet: "10.20.0.0/24",
    gateway: "10.20.0.1",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  log(`rack ${rack.name} serving ${rack.subnet} (enrollment token issued once)`);
  const tenant = await fibrix.tenants.create({ name: "acme", description: "Acme SL, Girona" });
  const key = await fibrix.apiKeys.create({ name: "acme-ci", tenantId: tenant.id });
  const pool = await fibrix.pools.create({
    name: "gold",
    cpuOvercommit: 4,
    memoryOvercommit: 1,
    tenants: [tenant.id],
  });
  log(`pool ${pool.name} granted to tenant ${tenant.name}`);
  const machines: Machine[] = [];
  for (const [i, bmc] of bmcs.entries()) {
    const m = await fibrix.machines.create({
      hostname: `pe860-${String(i + 1).padStart(2, "0")}`,
      rackId: rack.id,
      macs: [`52:54:00:20:00:${(i + 1).toString(16).padStart(2, "0")}`],
      power: {
        type: "ipmi",
        address: bmc.address,
        port: bmc.port,
        user: bmc.user,
        password: bmc.password,
        authType: "md5",
      },
      poolId: pool.id,
      tags: ["pe860"],
      commission: opts.commission ?? false,
    });
    machines.push(m);
    log(`enlisted ${m.hostname} (${m.id}) → BMC ${bmc.address}:${bmc.port}, status ${m.status}`);
  }
  return {
    regionId: region.id,
    rackId: rack.id,
    rackToken: rack.enrollmentToken,
    poolId: pool.id,
    tenantKey: key.key,
    machines,
  };
}
