/**
 * `fibrix_pool`: a pool of VM capacity with its over-commit ratios and the tenants granted
 * use of it. Replaced when renamed; ratios, tenants and description change in place. The
 * region refuses to delete a pool that still has hosts or VMs.
 */
import { poolModel } from "../../../sdk/model/pool";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const poolResource: TfResource = apiResource({
  typeName: "fibrix_pool",
  model: poolModel,
  timeouts: [], // nothing to wait for
  client: (c) => c.pools as unknown as CrudClient,
});
