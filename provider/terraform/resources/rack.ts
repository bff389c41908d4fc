/**
 * `fibrix_rack`: a rack controller's registration: its subnet, DHCP range and fabric. The
 * enrollment token the rack agent needs is returned once, at create, and kept (sensitive) in
 * the state; an imported rack has none. Replaced when region, subnet, gateway or fabric
 * change; DHCP range and description change in place. The region refuses to delete a rack
 * that still has machines.
 */
import { rackModel } from "../../../sdk/model/rack";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const rackResource: TfResource = apiResource({
  typeName: "fibrix_rack",
  model: rackModel,
  timeouts: [], // nothing to wait for
  client: (c) => c.racks as unknown as CrudClient,
});
