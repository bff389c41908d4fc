import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Ipv4, Ipv4Cidr, Label, Meta, Strict } from "./common";

/**
 * An operator's pool of public IPv4 addresses in one region (issue #11). A VM created with
 * `publicIp: true` gets one free address of its region's pools, NATed 1:1 to its primary NIC
 * on its VM host. The host addresses of `cidr` are handed out (not its network and broadcast
 * addresses, for a /30 or larger), except those in `exclude` (the ISP's router on that segment).
 */
export const PublicIpPoolCreate = Type.Object(
  {
    name: Label,
    regionId: Id,
    cidr: Ipv4Cidr,
    exclude: Type.Optional(Type.Array(Ipv4, { maxItems: 256, uniqueItems: true })),
    description: Type.Optional(Description),
  },
  Strict,
);
export const PublicIpPoolUpdate = Type.Object({ description: Type.Optional(Description) }, Strict);
export const PublicIpPool = Type.Object({
  ...Meta,
  name: Type.String(),
  regionId: Id,
  cidr: Type.String(),
  exclude: Type.Array(Type.String()),
  description: Type.String(),
  used: Type.Integer(),
  capacity: Type.Integer(),
});
export type PublicIpPoolCreate = Static<typeof PublicIpPoolCreate>;
export type PublicIpPoolUpdate = Static<typeof PublicIpPoolUpdate>;
export type PublicIpPool = Static<typeof PublicIpPool>;
