import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Ipv4, Ipv4Cidr, Label, Meta, Strict, Timestamp } from "./common";

export const DhcpRange = Type.Object({ start: Ipv4, end: Ipv4 }, Strict);

/** A rack controller: one subnet, its DHCP/PXE, its BMCs and VM hosts. */
export const RackCreate = Type.Object(
  {
    name: Label,
    regionId: Id,
    fabricId: Type.Optional(Id),
    subnet: Ipv4Cidr,
    gateway: Type.Optional(Ipv4),
    dhcpRange: DhcpRange,
    description: Type.Optional(Description),
  },
  Strict,
);
export const RackUpdate = Type.Object(
  { dhcpRange: Type.Optional(DhcpRange), description: Type.Optional(Description) },
  Strict,
);
export const RackStatus = Type.Union([
  Type.Literal("Pending"),
  Type.Literal("Online"),
  Type.Literal("Offline"),
]);
export const Rack = Type.Object({
  ...Meta,
  name: Type.String(),
  regionId: Id,
  fabricId: Type.Union([Id, Type.Null()]),
  subnet: Type.String(),
  gateway: Type.Union([Type.String(), Type.Null()]),
  dhcpRange: DhcpRange,
  description: Type.String(),
  status: RackStatus,
  lastHeartbeat: Type.Union([Timestamp, Type.Null()]),
});
/** Only the create response carries the enrollment token; it is never shown again. */
export const RackCreated = Type.Intersect([Rack, Type.Object({ enrollmentToken: Type.String() })]);
export type RackCreate = Static<typeof RackCreate>;
export type RackUpdate = Static<typeof RackUpdate>;
export type Rack = Static<typeof Rack>;
export type RackCreated = Static<typeof RackCreated>;
