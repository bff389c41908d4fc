import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict } from "./common";

/** A fabric groups the physical machines of racks that share a layer-2 network. */
export const FabricCreate = Type.Object(
  { name: Label, regionId: Id, description: Type.Optional(Description) },
  Strict,
);
export const FabricUpdate = Type.Object({ description: Type.Optional(Description) }, Strict);
export const Fabric = Type.Object({ ...Meta, name: Type.String(), regionId: Id, description: Type.String() });
export type FabricCreate = Static<typeof FabricCreate>;
export type FabricUpdate = Static<typeof FabricUpdate>;
export type Fabric = Static<typeof Fabric>;
