/**
 * `fibrix_rack`: a rack controller's registration: its subnet, DHCP range and fabric. The
 * enrollment token the rack agent needs is returned once, at create, and kept (sensitive) in
 * the state; an imported rack has none. Replaced when region, subnet, gateway or fabric
 * change; DHCP range and description change in place. The region refuses to delete a rack
 * that still has machines.
 */
import { RackCreate, RackCreated, RackUpdate } from "../../../sdk/schema/rack";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const rackResource: TfResource = apiResource({
  typeName: "fibrix_rack",
  source: {
    description: "A rack controller: one subnet with its DHCP/PXE services, BMCs and VM hosts.",
    create: RackCreate,
    update: RackUpdate,
    output: RackCreated,
    sensitive: ["enrollmentToken"],
    descriptions: {
      id: "Rack id (rck_…).",
      name: "Rack name, a DNS label. Changing it replaces the rack.",
      regionId: "Region of the rack. Changing it replaces the rack.",
      fabricId: "Fabric the rack's subnet belongs to.",
      subnet: "The rack's subnet (CIDR). Changing it replaces the rack.",
      gateway: "Default gateway handed out by DHCP.",
      dhcpRange: "Dynamic DHCP range of the subnet (start and end addresses).",
      enrollmentToken:
        "Token the rack agent enrols with (secret; only known to the state that created the rack).",
      status: "Pending until the rack agent's first heartbeat, then Online or Offline.",
      lastHeartbeat: "Time of the last heartbeat of the rack agent.",
    },
  },
  timeouts: [], // nothing to wait for
  client: (c) => c.racks as unknown as CrudClient,
  stableComputed: ["enrollment_token", "fabric_id", "gateway"],
});
