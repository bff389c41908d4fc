/**
 * The ISP operator's repo: a region with its DNS zone, a rack per subnet, the PE860s enlisted
 * from a list of BMC addresses (commissioned to Ready), and one of them deployed as a KVM host
 * in the pool the customers' VMs go to; and a customer's quota.
 *
 *   pulumi config set fibrix:endpoint https://10.20.0.2:5240
 *   pulumi config set fibrix:fingerprint AB:CD:…           # what `fibrix region serve` printed (self-signed)
 *   pulumi config set --secret fibrix:apiKey fbx_…        # an admin key
 *   pulumi config set --secret bmcPassword …
 *   pulumi config set --path 'bmcs[0]' 10.20.0.11 …       # or keep the defaults below
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import * as fibrix from "../../provider/pulumi";

const config = new pulumi.Config();
/** One BMC address per PE860 (IPMI 1.5 over LAN, UDP 623). */
const bmcs: string[] = config.getObject<string[]>("bmcs") ?? ["10.20.0.11", "10.20.0.12", "10.20.0.13"];
const bmcPassword = config.requireSecret("bmcPassword");

export const region = new fibrix.Region("girona", {
  name: "girona",
  dnsDomain: "girona.fibrix.example",
  description: "Fibrix Girona data centre",
});

export const rack = new fibrix.Rack("rack-1", {
  name: "girona-rack-1",
  regionId: region.id,
  subnet: "10.20.0.0/24",
  gateway: "10.20.0.1",
  dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
});

export const pool = new fibrix.Pool("gold", {
  name: "gold",
  description: "KVM hosts for customer VMs",
  cpuOvercommit: 4,
  memoryOvercommit: 1,
});

/** The PE860's first NIC MAC is derived here from its position; a real inventory lists them. */
const macOf = (i: number) => `52:54:00:20:00:${(i + 1).toString(16).padStart(2, "0")}`;

export const machines = bmcs.map(
  (address, i) =>
    new fibrix.Machine(`pe860-${i + 1}`, {
      hostname: `pe860-${i + 1}`,
      rackId: rack.id,
      macs: [macOf(i)],
      power: {
        type: "ipmi",
        address,
        user: "root",
        password: bmcPassword,
        ipmiVersion: "1.5",
        authType: "md5",
      },
      tags: ["pe860"],
      // The first one becomes a KVM host of the pool; the others stay Ready for bare-metal use.
      ...(i === 0 ? { vmHost: true, poolId: pool.id } : {}),
      timeoutSeconds: 3600,
    }),
);

/** A customer's limits, when the operator names its tenant (`pulumi config set customerTenant ten_…`). */
const customerTenant = config.get("customerTenant");
export const quota = customerTenant
  ? new fibrix.Quota("customer", {
      tenantId: customerTenant,
      vms: 10,
      cores: 20,
      memoryMiB: 32768,
      diskGiB: 500,
    })
  : undefined;

export const rackToken = rack.enrollmentToken; // secret: `fibrix rack serve --token`
export const nameservers = region.nameservers;
export const vmHost = machines[0]?.fqdn;
