/**
 * `fibrix_machine`: a physical machine (a PE860) enlisted with its MACs and BMC. Create
 * enlists it and, unless `commission = false`, waits for commissioning to make it Ready; with
 * `deploy` or `vm_host` set it then deploys it and waits for Deployed. Destroy releases a
 * deployed machine (power off, optional erase by the rack) before removing it. Replaced when
 * its MACs, rack or hostname change; pool, tags, power parameters and deploy target change in
 * place. The BMC password is write-only: the region never returns it, the state keeps it
 * (sensitive).
 */
import { machineModel } from "../../../sdk/model/machine";
import {
  applyDeployTarget,
  removeMachine,
  settleMachine,
  type StepOptions,
} from "../../../sdk/model/machine-steps";
import type { Machine } from "../../../sdk/schema/machine";
import type { TfObject } from "../dynamic-value";
import {
  apiResource,
  type CrudClient,
  type ResourceContext,
  type TfResource,
  waitOptions,
} from "../resource";
import type { ApiObject } from "../state-mapping";

function steps(ctx: ResourceContext): StepOptions {
  return { reason: "terraform", wait: () => waitOptions(ctx) };
}

/** The deploy-related part of a configuration, by the model's (API) names; a plan's unknowns are not declared. */
function target(state: TfObject) {
  const deploy = state.deploy;
  return {
    commission: state.commission === false ? false : undefined,
    deploy: typeof deploy === "object" && deploy !== null && !Array.isArray(deploy) ? deploy : null,
    vmHost: state.vm_host === true,
  };
}

export const machineResource: TfResource = apiResource({
  typeName: "fibrix_machine",
  model: machineModel,
  client: (c) => c.machines as unknown as CrudClient,
  async afterCreate(ctx, obj, planned) {
    return (await settleMachine(
      ctx.client,
      obj as unknown as Machine,
      target(planned),
      steps(ctx),
    )) as unknown as ApiObject;
  },
  async afterUpdate(ctx, obj, planned, prior) {
    const m = obj as unknown as Machine;
    return (await applyDeployTarget(
      ctx.client,
      m,
      target(prior),
      target(planned),
      steps(ctx),
    )) as unknown as ApiObject;
  },
  // Release, abort or leave rescue as the lifecycle allows, then remove (sdk/model/machine-steps.ts).
  remove: (ctx, id) => removeMachine(ctx.client, id, { ...steps(ctx), reason: "removed by Terraform" }),
});
