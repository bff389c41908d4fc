import { MACHINE_STATUSES } from "./machine-statuses";
import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Mac, Meta, Strict, Tags, Timestamp, StringEnum } from "./common";

import { PowerParameters, PowerParametersView } from "./power-parameters";

export { PowerParameters, PowerParametersView, PowerType } from "./power-parameters";

/** The libvirt side of a VM host (a Deployed machine with vmHost). */
export const VmHostConfig = Type.Object(
  {
    uri: Type.String({
      minLength: 1,
      maxLength: 512,
      description: "libvirt URI, e.g. qemu+ssh://root@10.20.0.5/system",
    }),
    storagePool: Type.Optional(
      Type.String({ maxLength: 128, description: "libvirt storage pool (default: default)" }),
    ),
    bridge: Type.Optional(Type.String({ maxLength: 15 })),
    fabric: Type.Optional(
      Type.Object(
        {
          underlayDevice: Type.String({
            minLength: 1,
            maxLength: 15,
            description: "host interface on the fabric that carries tenant VXLAN/VLAN traffic",
          }),
          underlayAddress: Type.String({
            format: "ipv4",
            description: "the host's IPv4 address on the fabric (VXLAN local/peer address)",
          }),
          uplinkDevice: Type.Optional(
            Type.String({ maxLength: 15, description: "interface where public addresses are NATed 1:1" }),
          ),
        },
        Strict,
      ),
    ),
    netns: Type.Optional(
      Type.String({
        maxLength: 64,
        description: "network namespace the host's networking lives in (virtual lab hosts on one machine)",
      }),
    ),
  },
  Strict,
);

export const DeployTarget = Type.Object(
  {
    image: Type.String({ minLength: 1, maxLength: 128 }),
    userData: Type.Optional(Type.String({ maxLength: 65536 })),
    sshKeys: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 32 })),
  },
  Strict,
);

export const MachineCreate = Type.Object(
  {
    hostname: Label,
    rackId: Id,
    macs: Type.Array(Mac, { minItems: 1, maxItems: 16, uniqueItems: true }),
    power: PowerParameters,
    poolId: Type.Optional(Id),
    tags: Type.Optional(Tags),
    description: Type.Optional(Description),
    deploy: Type.Optional(DeployTarget),
    vmHost: Type.Optional(Type.Boolean({ description: "deploy as a KVM host and join poolId" })),
    vmHostConfig: Type.Optional(VmHostConfig),
    commission: Type.Optional(
      Type.Boolean({ default: true, description: "commission right after enlisting" }),
    ),
  },
  Strict,
);
export const MachineUpdate = Type.Object(
  {
    poolId: Type.Optional(Type.Union([Id, Type.Null()])),
    tags: Type.Optional(Tags),
    description: Type.Optional(Description),
    power: Type.Optional(PowerParameters),
    deploy: Type.Optional(Type.Union([DeployTarget, Type.Null()])),
    vmHost: Type.Optional(Type.Boolean()),
    vmHostConfig: Type.Optional(Type.Union([VmHostConfig, Type.Null()])),
  },
  Strict,
);

export const MachineStatus = StringEnum(MACHINE_STATUSES);
export const PowerState = StringEnum(["on", "off", "unknown", "error"] as const);

export const Inventory = Type.Object({
  cores: Type.Integer(),
  memoryMiB: Type.Integer(),
  storage: Type.Array(Type.Object({ name: Type.String(), sizeGiB: Type.Number() })),
  nics: Type.Array(Type.Object({ name: Type.String(), mac: Type.String() })),
  cpuModel: Type.Optional(Type.String()),
});

/** A threshold sensor's thresholds in its unit; only those the BMC says are readable are present. */
export const SensorThresholds = Type.Object(
  {
    lowerNonRecoverable: Type.Optional(Type.Number()),
    lowerCritical: Type.Optional(Type.Number()),
    lowerNonCritical: Type.Optional(Type.Number()),
    upperNonCritical: Type.Optional(Type.Number()),
    upperCritical: Type.Optional(Type.Number()),
    upperNonRecoverable: Type.Optional(Type.Number()),
  },
  {
    ...Strict,
    description:
      "IPMI thresholds (SDR or Get Sensor Thresholds) in the sensor's unit; only the readable ones are present",
  },
);
export const SensorReading = Type.Object({
  name: Type.String(),
  kind: Type.String({ description: "temperature | fan | voltage | current | discrete" }),
  value: Type.Union([Type.Number(), Type.Null()]),
  unit: Type.String(),
  status: StringEnum(
    ["ok", "warning", "critical", "unknown"] as const,
    "warning: a non-critical threshold crossed; critical: a critical or non-recoverable one",
  ),
  /** Absent for discrete sensors and threshold sensors without readable thresholds. */
  thresholds: Type.Optional(SensorThresholds),
});
export const SelEvent = Type.Object({
  id: Type.Integer(),
  at: Type.Union([Timestamp, Type.Null()]),
  sensor: Type.String(),
  description: Type.String(),
  severity: StringEnum(["info", "warning", "critical"] as const),
});
export const Health = Type.Object({
  status: StringEnum(["ok", "warning", "critical", "unknown"] as const),
  checkedAt: Type.Union([Timestamp, Type.Null()]),
  reasons: Type.Array(Type.String()),
});

export const Machine = Type.Object({
  ...Meta,
  hostname: Type.String(),
  fqdn: Type.String(),
  rackId: Id,
  regionId: Id,
  macs: Type.Array(Type.String()),
  power: PowerParametersView,
  poolId: Type.Union([Id, Type.Null()]),
  tags: Type.Array(Type.String()),
  description: Type.String(),
  deploy: Type.Union([DeployTarget, Type.Null()]),
  vmHost: Type.Boolean(),
  vmHostConfig: Type.Union([VmHostConfig, Type.Null()]),
  status: MachineStatus,
  statusReason: Type.String(),
  powerState: PowerState,
  powerError: Type.Union([Type.String(), Type.Null()]),
  inventory: Type.Union([Inventory, Type.Null()]),
  health: Health,
  ip: Type.Union([Type.String(), Type.Null()]),
});

export const MachineAction = StringEnum([
  "commission",
  "allocate",
  "deploy",
  "release",
  "mark-broken",
  "mark-fixed",
  "rescue",
  "exit-rescue",
  "abort",
] as const);
export const MachineActionBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1024 })), erase: Type.Optional(Type.Boolean()) },
  Strict,
);

export type MachineCreate = Static<typeof MachineCreate>;
export type MachineUpdate = Static<typeof MachineUpdate>;
export type MachineStatus = Static<typeof MachineStatus>;
export type PowerState = Static<typeof PowerState>;
export type Inventory = Static<typeof Inventory>;
export type SensorReading = Static<typeof SensorReading>;
export type SensorThresholds = Static<typeof SensorThresholds>;
export type SelEvent = Static<typeof SelEvent>;
export type Health = Static<typeof Health>;
export type Machine = Static<typeof Machine>;
export type VmHostConfig = Static<typeof VmHostConfig>;
export type MachineAction = Static<typeof MachineAction>;
export type MachineActionBody = Static<typeof MachineActionBody>;
/** Extra for `Label` consumers: hostnames are DNS labels. */
export const Hostname = Label;
