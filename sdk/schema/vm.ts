import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict, Timestamp, StringEnum } from "./common";

/** One NIC of a VM on a tenant network, with the security groups applied to it. */
export const VmNetworkAttachment = Type.Object(
  {
    networkId: Id,
    securityGroupIds: Type.Optional(Type.Array(Id, { maxItems: 16, uniqueItems: true })),
  },
  Strict,
);
/** A NIC as the region assigned it. */
export const VmNic = Type.Object({
  networkId: Id,
  mac: Type.String(),
  ipv4: Type.String(),
  securityGroupIds: Type.Array(Id),
  publicIpv4: Type.Union([Type.String(), Type.Null()]),
});

export const SpreadLevel = Type.Union([Type.Literal("host"), Type.Literal("rack"), Type.Literal("region")]);

/** A customer VM, placed by the allocator on a VM host of a pool granted to the tenant. */
export const VmCreate = Type.Object(
  {
    name: Label,
    poolId: Id,
    image: Type.String({
      pattern: "^[a-z0-9][a-z0-9._-]{0,63}$",
      description: "base image name, e.g. ubuntu-24.04",
    }),
    cores: Type.Integer({ minimum: 1, maximum: 64 }),
    memoryMiB: Type.Integer({ minimum: 128, maximum: 262144 }),
    diskGiB: Type.Integer({ minimum: 1, maximum: 4096 }),
    antiAffinityGroup: Type.Optional(Label),
    spread: Type.Optional(SpreadLevel),
    regionId: Type.Optional(Id),
    userData: Type.Optional(Type.String({ maxLength: 65536 })),
    sshKeys: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 32 })),
    description: Type.Optional(Description),
    powerState: Type.Optional(Type.Union([Type.Literal("on"), Type.Literal("off")])),
    /** A backup (bkp_…) whose disk the new VM gets instead of a clone of `image` (sdk/schema/backup.ts). */
    restoreFrom: Type.Optional(Id),
    networks: Type.Optional(
      Type.Array(VmNetworkAttachment, {
        minItems: 1,
        maxItems: 8,
        description:
          "tenant networks, one NIC each, the first is the primary; without it the VM gets one NIC on its host's bridge",
      }),
    ),
    publicIp: Type.Optional(
      Type.Boolean({
        description:
          "attach a free public address of the VM's region 1:1 to its primary NIC (needs networks)",
      }),
    ),
  },
  Strict,
);
export const VmUpdate = Type.Object(
  {
    cores: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 128, maximum: 262144 })),
    diskGiB: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    description: Type.Optional(Description),
    powerState: Type.Optional(Type.Union([Type.Literal("on"), Type.Literal("off")])),
  },
  Strict,
);
export const VmStatus = StringEnum([
  "Pending",
  "Creating",
  "Running",
  "Stopped",
  "Updating",
  "Deleting",
  "Failed",
] as const);
export const Vm = Type.Object({
  ...Meta,
  name: Type.String(),
  tenantId: Id,
  poolId: Id,
  hostId: Type.Union([Id, Type.Null()]),
  regionId: Type.Union([Id, Type.Null()]),
  image: Type.String(),
  cores: Type.Integer(),
  memoryMiB: Type.Integer(),
  diskGiB: Type.Integer(),
  antiAffinityGroup: Type.Union([Type.String(), Type.Null()]),
  spread: Type.Union([SpreadLevel, Type.Null()]),
  description: Type.String(),
  powerState: Type.Union([Type.Literal("on"), Type.Literal("off")]),
  status: VmStatus,
  statusReason: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  /** The tenant networks as asked (empty: the host bridge NIC), and whether a public address was asked. */
  networks: Type.Array(VmNetworkAttachment),
  publicIp: Type.Boolean(),
  nics: Type.Array(VmNic),
  /** The public address attached to the primary NIC, if any. */
  publicIpv4: Type.Union([Type.String(), Type.Null()]),
  fqdn: Type.Union([Type.String(), Type.Null()]),
  lastSeen: Type.Union([Timestamp, Type.Null()]),
  /** The backup (bkp_…) its disk was restored from; null when cloned from its image. */
  restoreFrom: Type.Union([Id, Type.Null()]),
});
export type VmNetworkAttachment = Static<typeof VmNetworkAttachment>;
export type VmNic = Static<typeof VmNic>;
export type VmCreate = Static<typeof VmCreate>;
export type VmUpdate = Static<typeof VmUpdate>;
export type VmStatus = Static<typeof VmStatus>;
export type Vm = Static<typeof Vm>;
