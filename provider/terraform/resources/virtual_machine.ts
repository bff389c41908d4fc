/**
 * `fibrix_virtual_machine`: a customer VM placed by the allocator on a VM host of a pool.
 * Create waits until the rack has built and started it (Running, or Stopped when
 * `power_state = "off"`); cores, memory, disk growth, description and power state change in
 * place; pool, image, name, placement hints and cloud-init data replace it, and so does a
 * smaller disk (a volume cannot shrink). Destroy waits until the rack has removed the domain,
 * its volumes and its DNS record.
 */
import { settledStatus, virtualMachineModel } from "../../../sdk/model/virtual-machine";
import type { TfObject } from "../dynamic-value";
import {
  apiResource,
  type CrudClient,
  type ResourceContext,
  type TfResource,
  waitOptions,
} from "../resource";
import type { ApiObject } from "../state-mapping";

async function waitSettled(ctx: ResourceContext, id: string, planned: TfObject): Promise<ApiObject> {
  return (await ctx.client.vms.waitForStatus(id, settledStatus({ powerState: planned.power_state }), {
    ...waitOptions(ctx),
    failOn: ["Failed"],
  })) as unknown as ApiObject;
}

export const virtualMachineResource: TfResource = apiResource({
  typeName: "fibrix_virtual_machine",
  model: virtualMachineModel,
  client: (c) => c.vms as unknown as CrudClient,
  afterCreate: (ctx, obj, planned) => waitSettled(ctx, String(obj.id), planned),
  afterUpdate: (ctx, obj, planned) => waitSettled(ctx, String(obj.id), planned),
});
