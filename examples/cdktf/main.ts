/**
 * The customer program in CDK for Terraform: three web VMs in one anti-affinity group spread
 * over three regions (Girona, Reus, Lleida: one VM per region, so a site outage takes one
 * out), placed in the pool the ISP granted, with their FQDNs as outputs. The region URL and
 * the tenant's API key come from FIBRIX_ENDPOINT and FIBRIX_API_KEY.
 *
 *   cdktf deploy      # plan + apply through terraform-provider-fibrix
 *
 * In a customer's repo the bindings come from the package: `from "fibrix-metal/cdktf"`.
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { dataFibrixPools, provider, virtualMachine } from "../../provider/terraform/gen/providers/fibrix";

export interface WebTierOptions {
  pool: string;
  image: string;
  replicas: number;
}

export class WebTier extends TerraformStack {
  readonly vms: virtualMachine.VirtualMachine[] = [];

  constructor(scope: Construct, id: string, opts: WebTierOptions) {
    super(scope, id);
    new provider.FibrixProvider(this, "fibrix", {});
    const pool = new dataFibrixPools.DataFibrixPools(this, "pool", { name: opts.pool });
    for (let i = 1; i <= opts.replicas; i++) {
      const vm = new virtualMachine.VirtualMachine(this, `web-${i}`, {
        name: `web-${i}`,
        poolId: pool.pools.get(0).id,
        image: opts.image,
        cores: 2,
        memoryMib: 2048,
        diskGib: 20,
        antiAffinityGroup: "web",
        spread: "region",
        userData: "#cloud-config\npackages: [nginx]\n",
      });
      this.vms.push(vm);
      new TerraformOutput(this, `web-${i}-fqdn`, { value: vm.fqdn });
    }
  }
}

export function synthApp(outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  new WebTier(app, "web-tier", { pool: "shared", image: "ubuntu-24.04", replicas: 3 });
  return app;
}

if (require.main === module) synthApp().synth();
