import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict } from "./common";

const Ratio = (dflt?: number) =>
  Type.Number({ minimum: 1, maximum: 16, description: "over-commit ratio (1 = none)", default: dflt });

/** A pool of VM capacity made of VM hosts; tenants see only pools granted to them. */
export const PoolCreate = Type.Object(
  {
    name: Label,
    description: Type.Optional(Description),
    cpuOvercommit: Type.Optional(Ratio(4)),
    memoryOvercommit: Type.Optional(Ratio(1)),
    tenants: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
  },
  Strict,
);
export const PoolUpdate = Type.Object(
  {
    description: Type.Optional(Description),
    cpuOvercommit: Type.Optional(Ratio()),
    memoryOvercommit: Type.Optional(Ratio()),
    tenants: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
  },
  Strict,
);
const Resources = Type.Object({ cores: Type.Number(), memoryMiB: Type.Number(), diskGiB: Type.Number() });
export const Pool = Type.Object({
  ...Meta,
  name: Type.String(),
  description: Type.String(),
  cpuOvercommit: Type.Number(),
  memoryOvercommit: Type.Number(),
  tenants: Type.Array(Id),
  capacity: Resources,
  used: Resources,
  hosts: Type.Integer(),
});
export type PoolCreate = Static<typeof PoolCreate>;
export type PoolUpdate = Static<typeof PoolUpdate>;
export type Pool = Static<typeof Pool>;
