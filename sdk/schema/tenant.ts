import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict, Timestamp } from "./common";

/** A customer company. Its API keys see only its own VMs and the pools granted to it. */
export const TenantCreate = Type.Object({ name: Label, description: Type.Optional(Description) }, Strict);
export const Tenant = Type.Object({ ...Meta, name: Type.String(), description: Type.String() });

export const ApiKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    tenantId: Type.Optional(Id),
    role: Type.Optional(Type.Union([Type.Literal("admin"), Type.Literal("tenant")])),
  },
  Strict,
);
export const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  role: Type.Union([Type.Literal("admin"), Type.Literal("tenant")]),
  tenantId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
/** Only the create response carries the key itself; the region keeps a hash. */
export const ApiKeyCreated = Type.Intersect([ApiKey, Type.Object({ key: Type.String() })]);

export const Event = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  actor: Type.String(),
  objectType: Type.String(),
  objectId: Type.String(),
  kind: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});

export type TenantCreate = Static<typeof TenantCreate>;
export type Tenant = Static<typeof Tenant>;
export type ApiKeyCreate = Static<typeof ApiKeyCreate>;
export type ApiKey = Static<typeof ApiKey>;
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;
export type Event = Static<typeof Event>;
