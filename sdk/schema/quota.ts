import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Description, Id, Meta, Strict, Timestamp } from "./common";

/**
 * What a quota can limit. VMs, cores, memory and disk are counted from the VMs that hold
 * capacity; public addresses, networks and snapshots from their own objects.
 */
export const QUOTA_FIELDS = [
  "vms",
  "cores",
  "memoryMiB",
  "diskGiB",
  "publicIps",
  "networks",
  "snapshots",
] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];

const UNITS: Record<QuotaField, string> = {
  vms: "VMs",
  cores: "vCPUs",
  memoryMiB: "MiB of memory",
  diskGiB: "GiB of disk",
  publicIps: "public IPv4 addresses",
  networks: "tenant networks",
  snapshots: "VM snapshots",
};

const Limit = (f: QuotaField) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()], {
    description: `At most this many ${UNITS[f]}; null or absent: no limit.`,
  });

function limits<T extends TSchema>(wrap: (s: ReturnType<typeof Limit>) => T): Record<QuotaField, T> {
  return Object.fromEntries(QUOTA_FIELDS.map((f) => [f, wrap(Limit(f))])) as Record<QuotaField, T>;
}

/**
 * Limits of one tenant, tenant-wide (no poolId) or in one pool. Both apply when both exist:
 * a VM in the pool counts against the pool's quota and the tenant's.
 */
export const QuotaCreate = Type.Object(
  {
    tenantId: Id,
    poolId: Type.Optional(Type.Union([Id, Type.Null()], { description: "Limit only in this pool." })),
    ...limits((s) => Type.Optional(s)),
    description: Type.Optional(Description),
  },
  Strict,
);
/** A limit set to null is removed; a limit left out is kept. */
export const QuotaUpdate = Type.Object(
  { ...limits((s) => Type.Optional(s)), description: Type.Optional(Description) },
  Strict,
);
const Used = Type.Object(
  Object.fromEntries(QUOTA_FIELDS.map((f) => [f, Type.Integer()])) as Record<
    QuotaField,
    ReturnType<typeof Type.Integer>
  >,
);
export const Quota = Type.Object({
  ...Meta,
  tenantId: Id,
  poolId: Type.Union([Id, Type.Null()]),
  ...limits((s) => s),
  description: Type.String(),
  used: Used,
});

/** Checked by the region itself (backend/region/usage-arithmetic.ts parsePeriod), naming each bad field. */
export const UsageQuery = Type.Object(
  {
    tenant: Type.Optional(Id),
    from: Type.Optional(
      Type.String({ maxLength: 40, description: "Start (RFC 3339), inclusive. Required." }),
    ),
    to: Type.Optional(Type.String({ maxLength: 40, description: "End (RFC 3339), exclusive. Required." })),
    granularity: Type.Optional(Type.String({ maxLength: 8, description: "hour or day (default day)." })),
    format: Type.Optional(
      Type.String({ maxLength: 8, description: "json (default) or csv (also Accept: text/csv)." }),
    ),
  },
  Strict,
);
const Seconds = {
  coreSeconds: Type.Number(),
  memoryMiBSeconds: Type.Number(),
  diskGiBSeconds: Type.Number(),
  publicIpSeconds: Type.Number(),
};
export const UsageRow = Type.Object({
  tenantId: Id,
  vmId: Id,
  vmName: Type.String(),
  poolId: Id,
  bucketStart: Timestamp,
  bucketEnd: Timestamp,
  ...Seconds,
});
export const UsageReport = Type.Object({
  from: Timestamp,
  to: Timestamp,
  granularity: Type.Union([Type.Literal("hour"), Type.Literal("day")]),
  tenant: Type.Union([Id, Type.Null()]),
  totals: Type.Object(Seconds),
  items: Type.Array(UsageRow),
});

export type QuotaCreate = Static<typeof QuotaCreate>;
export type QuotaUpdate = Static<typeof QuotaUpdate>;
export type Quota = Static<typeof Quota>;
export type UsageQuery = Static<typeof UsageQuery>;
export type UsageRow = Static<typeof UsageRow>;
export type UsageReport = Static<typeof UsageReport>;
