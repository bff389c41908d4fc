/**
 * `fibrix_machine`: a physical machine (a PE860) enlisted with its MACs and BMC. Create
 * enlists it and, unless `commission = false`, waits for commissioning to make it Ready; with
 * `deploy` or `vm_host` set it then deploys it and waits for Deployed. Destroy releases a
 * deployed machine (power off, optional erase by the rack) before removing it. Replaced when
 * its MACs, rack or hostname change; pool, tags, power parameters and deploy target change in
 * place. The BMC password is write-only: the region never returns it, the state keeps it
 * (sensitive).
 */
import type { FibrixClient } from "../../../sdk/client";
import { Machine, MachineCreate, MachineUpdate, type MachineStatus } from "../../../sdk/schema/machine";
import type { TfObject } from "../dynamic-value";
import {
  apiResource,
  type CrudClient,
  type ResourceContext,
  type TfResource,
  waitOptions,
} from "../resource";
import type { ApiObject } from "../state-mapping";

const NEEDS_RELEASE: readonly MachineStatus[] = ["Allocated", "Deploying", "Deployed", "Rescue"];

async function deployIfAsked(ctx: ResourceContext, c: FibrixClient, id: string, planned: TfObject) {
  const deploy = planned.deploy;
  const wantsDeploy = (typeof deploy === "object" && deploy !== null) || planned.vm_host === true;
  let m = await c.machines.get(id);
  if (!wantsDeploy || m.status !== "Ready") return m;
  await c.machines.action(id, "deploy");
  m = await c.machines.waitForStatus(id, "Deployed", {
    ...waitOptions(ctx),
    failOn: ["FailedDeployment", "Broken"],
  });
  return m;
}

export const machineResource: TfResource = apiResource({
  typeName: "fibrix_machine",
  source: {
    description:
      "A physical machine: enlisted with its MACs and BMC, commissioned to Ready, optionally deployed (or made a KVM host).",
    create: MachineCreate,
    update: MachineUpdate,
    output: Machine,
    sensitive: ["password"],
    descriptions: {
      id: "Machine id (mch_…).",
      hostname: "Hostname, a DNS label. Changing it replaces the machine.",
      rackId: "Rack whose subnet the machine boots on. Changing it replaces the machine.",
      macs: "MAC addresses of the machine's NICs. Changing them replaces the machine.",
      power: "How the rack reaches the machine's power control (ipmi: address, user, password…).",
      poolId: "Pool the machine joins as a VM host.",
      deploy: "Deploy target: image and user data.",
      vmHost: "Deploy the machine as a KVM host of pool_id.",
      commission: "Commission right after enlisting (default true); create then waits for Ready.",
      status: "Lifecycle status (New, Commissioning, Ready, Deployed, …).",
      powerState: "Last known power state.",
      inventory: "Hardware found by commissioning.",
      ip: "Address of the deployed machine.",
    },
  },
  client: (c) => c.machines as unknown as CrudClient,
  ignoreChanges: ["commission"],
  stableComputed: ["fqdn", "region_id", "inventory"],
  async afterCreate(ctx, obj, planned) {
    const id = String(obj.id);
    if (planned.commission !== false) {
      await ctx.client.machines.waitForStatus(id, "Ready", {
        ...waitOptions(ctx),
        failOn: ["FailedCommissioning", "Broken"],
      });
    }
    return (await deployIfAsked(ctx, ctx.client, id, planned)) as unknown as ApiObject;
  },
  async afterUpdate(ctx, obj, planned) {
    return (await deployIfAsked(ctx, ctx.client, String(obj.id), planned)) as unknown as ApiObject;
  },
  async beforeDelete(ctx, id) {
    const m = await ctx.client.machines.get(id);
    if (m.status === "Commissioning" || m.status === "Releasing") {
      await ctx.client.machines.waitForStatus(
        id,
        ["Ready", "FailedCommissioning", "FailedReleasing"],
        waitOptions(ctx),
      );
    }
    if (NEEDS_RELEASE.includes(m.status)) {
      await ctx.client.machines.action(id, "release");
      await ctx.client.machines.waitForStatus(id, "Ready", {
        ...waitOptions(ctx),
        failOn: ["FailedReleasing"],
      });
    }
  },
});
