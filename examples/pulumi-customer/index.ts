/**
 * A customer's infra repo: a Tier 3 web tier — three VMs in one anti-affinity group spread
 * over three regions (a region can burn down and two replicas still answer), exporting their
 * FQDNs for the load balancer.
 *
 *   pulumi config set fibrix:endpoint https://girona.fibrix.example
 *   pulumi config set --secret fibrix:apiKey fbx_…        # the tenant's own key
 *   pulumi config set poolId pool_…                       # a pool granted to the tenant
 *   pulumi up
 *
 * In a customer repo the import is `fibrix-metal/pulumi`; here it is the source tree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fibrix from "../../provider/pulumi";

const config = new pulumi.Config();
const poolId = config.require("poolId");
const image = config.get("image") ?? "ubuntu-24.04";
const sshKey = config.get("sshKey");

export const replicas = ["web-a", "web-b", "web-c"].map(
  (name) =>
    new fibrix.VirtualMachine(
      name,
      {
        name,
        poolId,
        image,
        cores: 2,
        memoryMiB: 2048,
        diskGiB: 40,
        antiAffinityGroup: "web-tier3",
        spread: "region",
        description: "Tier 3 web replica",
        ...(sshKey ? { sshKeys: [sshKey] } : {}),
      },
      // A VM build on a PE860 takes minutes; give up (and clean up) after 20.
      { customTimeouts: { create: "20m", delete: "10m" } },
    ),
);

export const fqdns = replicas.map((vm) => vm.fqdn);
export const regions = replicas.map((vm) => vm.regionId);
