import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict } from "./common";

const VlanId = Type.Integer({ minimum: 1, maximum: 4094 });

/**
 * Tenant networks on this fabric as VLANs (ids from this range, one per network) instead of
 * VXLAN; VMs on such a network are placed on the fabric's VM hosts only (issue #11).
 */
export const TenantVlans = Type.Object({ first: VlanId, last: VlanId }, Strict);

/** A fabric groups the physical machines of racks that share a layer-2 network. */
export const FabricCreate = Type.Object(
  {
    name: Label,
    regionId: Id,
    description: Type.Optional(Description),
    tenantVlans: Type.Optional(TenantVlans),
  },
  Strict,
);
export const FabricUpdate = Type.Object(
  { description: Type.Optional(Description), tenantVlans: Type.Optional(TenantVlans) },
  Strict,
);
export const Fabric = Type.Object({
  ...Meta,
  name: Type.String(),
  regionId: Id,
  description: Type.String(),
  tenantVlans: Type.Union([TenantVlans, Type.Null()]),
});
export type TenantVlans = Static<typeof TenantVlans>;
export type FabricCreate = Static<typeof FabricCreate>;
export type FabricUpdate = Static<typeof FabricUpdate>;
export type Fabric = Static<typeof Fabric>;
