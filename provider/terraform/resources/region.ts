/**
 * `fibrix_region`: one site's operations and DNS zone. Replaced when its name or DNS domain
 * changes (neither is in RegionUpdate); description and TTL change in place. The region
 * refuses to delete a region that still has racks, and says which: that refusal is the
 * diagnostic Terraform shows, unless `force_destroy` is set (then its machine-less racks go
 * with it).
 */
import type { RegionDeleteOptions } from "../../../sdk/resources/regions";
import { forceDestroyAttribute } from "../local-attributes";
import { regionModel } from "../../../sdk/model/region";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const regionResource: TfResource = apiResource({
  typeName: "fibrix_region",
  model: regionModel,
  extra: [forceDestroyAttribute],
  client: (c) => c.regions as unknown as CrudClient,
  deleteOptions: (prior): RegionDeleteOptions => (prior.force_destroy === true ? { force: true } : {}),
  timeouts: [], // nothing to wait for
});
