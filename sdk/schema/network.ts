import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Ipv4, Ipv4Cidr, Label, Meta, Strict } from "./common";
import { Segment } from "./tenant-network-payload";

/**
 * A tenant network (issue #11): an isolated L2 segment (a VXLAN VNI the region allocates) with
 * an IPv4 subnet whose addresses the region hands out to VM NICs. Give `cidr`, or only
 * `prefixLength` and the region picks a free subnet of 10.128.0.0/9 for the tenant. With
 * `fabricId` of a fabric that has `tenantVlans`, the segment is a VLAN of that fabric instead.
 */
export const NetworkCreate = Type.Object(
  {
    name: Label,
    cidr: Type.Optional(Ipv4Cidr),
    prefixLength: Type.Optional(
      Type.Integer({
        minimum: 8,
        maximum: 30,
        description: "without cidr: the size of the subnet to allocate",
      }),
    ),
    gateway: Type.Optional(Ipv4),
    dns: Type.Optional(Type.Array(Ipv4, { maxItems: 8 })),
    description: Type.Optional(Description),
    shared: Type.Optional(
      Type.Boolean({ description: "operators only: every tenant may attach VMs to it (default false)" }),
    ),
    fabricId: Type.Optional(Id),
  },
  Strict,
);
export const NetworkUpdate = Type.Object(
  {
    dns: Type.Optional(Type.Array(Ipv4, { maxItems: 8 })),
    description: Type.Optional(Description),
  },
  Strict,
);
export const Network = Type.Object({
  ...Meta,
  name: Type.String(),
  tenantId: Type.Union([Id, Type.Null()]),
  shared: Type.Boolean(),
  cidr: Type.String(),
  prefixLength: Type.Integer(),
  gateway: Type.String(),
  dns: Type.Array(Type.String()),
  description: Type.String(),
  segment: Segment,
  vni: Type.Union([Type.Integer(), Type.Null()]),
  /** A VLAN network's fabric (its VMs are placed on that fabric's hosts); null for VXLAN. */
  fabricId: Type.Union([Id, Type.Null()]),
  /** Addresses handed out to NICs, and how many the subnet holds. */
  used: Type.Integer(),
  capacity: Type.Integer(),
});
export type NetworkCreate = Static<typeof NetworkCreate>;
export type NetworkUpdate = Static<typeof NetworkUpdate>;
export type Network = Static<typeof Network>;
