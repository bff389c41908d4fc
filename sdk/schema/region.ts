import { type Static, Type } from "@sinclair/typebox";
import { Description, DnsDomain, Label, Meta, Strict } from "./common";

/** A region: one site's operations and DNS zone. Tier 3 spreads replicas over three regions. */
export const RegionCreate = Type.Object(
  {
    name: Label,
    dnsDomain: DnsDomain,
    description: Type.Optional(Description),
    dnsTtl: Type.Optional(Type.Integer({ minimum: 5, maximum: 86400, default: 300 })),
  },
  Strict,
);
export const RegionUpdate = Type.Object(
  {
    description: Type.Optional(Description),
    dnsTtl: Type.Optional(Type.Integer({ minimum: 5, maximum: 86400 })),
  },
  Strict,
);
export const Region = Type.Object({
  ...Meta,
  name: Type.String(),
  dnsDomain: Type.String(),
  description: Type.String(),
  dnsTtl: Type.Integer(),
  nameservers: Type.Array(Type.String()),
});
export type RegionCreate = Static<typeof RegionCreate>;
export type RegionUpdate = Static<typeof RegionUpdate>;
export type Region = Static<typeof Region>;
