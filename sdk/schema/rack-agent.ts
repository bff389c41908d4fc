/**
 * The rack agent ↔ region protocol (under /api/v1/rack-agent). The rack controller opens
 * every connection (it needs no inbound port): it authenticates with its enrollment token
 * (`Authorization: Bearer fbr_…`), heartbeats, claims tasks with a lease (long poll), and
 * reports each task's result. A task whose lease expires (the rack died) is handed out again
 * or failed by the region's watchdog, so work is never lost nor done by two racks at once.
 */
import { type Static, Type } from "@sinclair/typebox";
import { DhcpRange } from "./rack";
import { Id, Strict, Timestamp, StringEnum } from "./common";
import { Inventory, SelEvent, SensorReading } from "./machine";

export const Heartbeat = Type.Object(
  {
    version: Type.String({ maxLength: 64 }),
    hostname: Type.String({ maxLength: 255 }),
    interface: Type.Optional(Type.String({ maxLength: 64 })),
    /** Base URL of the rack's HTTP boot server, as machines on its subnet reach it. */
    bootUrl: Type.Optional(Type.String({ maxLength: 512 })),
    services: Type.Optional(
      Type.Record(Type.String({ maxLength: 32 }), StringEnum(["running", "stopped", "failed"] as const)),
    ),
  },
  Strict,
);

/** What the rack needs to serve its subnet: DHCP range, one reservation per machine MAC. */
export const RackConfig = Type.Object({
  rackId: Id,
  regionId: Id,
  dnsDomain: Type.String(),
  subnet: Type.String(),
  gateway: Type.Union([Type.String(), Type.Null()]),
  dhcpRange: DhcpRange,
  machines: Type.Array(
    Type.Object({
      id: Id,
      hostname: Type.String(),
      macs: Type.Array(Type.String()),
      ip: Type.Union([Type.String(), Type.Null()]),
      status: Type.String(),
      /** What the machine's next PXE boot should do. */
      boot: StringEnum(["commission", "deploy", "local", "none"] as const),
    }),
  ),
  heartbeatIntervalMs: Type.Integer(),
});

export const TaskKind = StringEnum([
  "power",
  "health",
  "commission",
  "deploy",
  "release",
  "vm.create",
  "vm.update",
  "vm.power",
  "vm.delete",
  "host.reconcile",
  "host.networks",
  "vm.network",
  "image.import",
  "vm.console",
  "snapshot.create",
  "snapshot.revert",
  "snapshot.delete",
  "backup.create",
  "backup.delete",
] as const);

export const Task = Type.Object({
  id: Type.String(),
  kind: TaskKind,
  objectId: Type.String(),
  attempt: Type.Integer(),
  leaseUntil: Timestamp,
  /** Kind-specific; see TaskPayloads. */
  payload: Type.Record(Type.String(), Type.Unknown()),
});

export const ClaimRequest = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    /** Long poll: wait up to this long for work when none is queued. */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 30000, default: 0 })),
  },
  Strict,
);

export const TaskResult = Type.Object(
  {
    ok: Type.Boolean(),
    /** Kind-specific result; see TaskResults. */
    result: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    error: Type.Optional(
      Type.Object(
        {
          code: Type.String({ maxLength: 64 }),
          message: Type.String({ maxLength: 4096 }),
          retryable: Type.Optional(Type.Boolean()),
        },
        Strict,
      ),
    ),
    /** Progress only: keeps the lease and logs the message; the task stays running. */
    progress: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  Strict,
);

export const HealthReport = Type.Object(
  {
    powerState: Type.Optional(StringEnum(["on", "off", "unknown"] as const)),
    sensors: Type.Array(SensorReading, { maxItems: 512 }),
    sel: Type.Array(SelEvent, { maxItems: 4096 }),
  },
  Strict,
);

/** What the commissioning environment reports (through the rack) about a machine. */
export const CommissioningReport = Type.Object(
  {
    inventory: Inventory,
    tests: Type.Array(
      Type.Object({ name: Type.String(), passed: Type.Boolean(), detail: Type.String({ maxLength: 4096 }) }),
      { maxItems: 64 },
    ),
  },
  Strict,
);

/**
 * Payloads by kind (documentation for both sides; the region builds them):
 * - power:      { machineId, action: "on"|"off"|"cycle"|"query"|"bootdev", device?: "pxe"|"disk", persistent?, power }
 * - health:     { machineId, power }
 * - commission: { machineId, hostname, macs, power }           result: CommissioningReport
 * - deploy:     { machineId, hostname, macs, power, deploy, userData?, vmHost }  result: { ip?, vmHostConfig? }
 * - release:    { machineId, power, erase }
 * - vm.create:  { vmId, name, fqdn, host: VmHostConfig, image, cores, memoryMiB, diskGiB, userData?, sshKeys, powerState,
 *                 nics: TenantNic[], networks: HostNetwork[] }   (sdk/schema/tenant-network-payload.ts)
 *               result: { ip?: string|null, domain: string, addresses?: string[] }
 *               nics empty: one NIC on host.bridge (as before). Else the VM is only on its tenant
 *               networks, one NIC per entry in order: the host first carries `networks` (bridges,
 *               VXLAN/VLAN devices, with the underlay addresses of the other hosts carrying each), the
 *               NICs' nftables rules are written, and the seed's network-config gives the guest its
 *               addresses; host.fabric is required. On tenant networks the VM's address is IPAM's.
 * - vm.update:  { vmId, name, host, cores, memoryMiB, diskGiB }  result: { applied: "live"|"next-boot" }
 * - vm.power:   { vmId, name, host, powerState }
 * - vm.delete:  { vmId, name, host, nics: TenantNic[], networks: HostNetwork[] }
 *               (idempotent: missing domain/volumes are fine) networks: what the host still carries
 *               once this VM is gone; the VM's rules go and so does every bridge, VXLAN/VLAN device and
 *               rule of ours no VM on the host uses. result adds { network }.
 * - vm.network: { vmId, name, host, nics: TenantNic[], networks?: HostNetwork[] }   result: { commands, kept }
 *               Re-applies a VM's NIC rules (a security group's rules or members changed, a public
 *               address attached) and, with `networks`, the host's network set; a missing domain is
 *               success (its create applies the state of its own claim).
 * - host.networks: { machineId, host, networks: HostNetwork[] }   the full set of tenant networks the
 *               host must carry (peers changed: a host joined or left a network); idempotent, prunes.
 * - host.reconcile: { machineId, host, vms: [{ vmId, name }], networks: HostNetwork[], vmNics: VmNics[] }
 *               result: ReconcileReport (+ { network }: the same pruning as vm.delete, after orphans are
 *               cleaned, then the rules of the settled VMs of vmNics written again: network.rulesApplied)
 * nics, networks and vmNics of vm.create, vm.delete, vm.network, host.networks and host.reconcile are rebuilt
 * by the region when the rack claims the task (backend/region/network-payloads.ts).
 * - image.import: { imageId, machineId, host, name, os, format, path }  result: { volume, existed }
 *               (idempotent: the host already holding the image under that name is success)
 * - vm.console: { vmId, name, host, session }: open the VM's serial console socket and dial
 *               GET /rack-agent/consoles/:session (WebSocket, rack token) to carry it; done once
 *               both are open (the bridge outlives the task). result: { session, socket }.
 *               Failures: CONSOLE_UNAVAILABLE (VM not running, no console socket), VM_NOT_FOUND.
 * - snapshot.create|revert|delete: { vmId, snapshotId, host }  result: { consistency? } (executors/vm-snapshot.ts)
 * - backup.create: { vmId, backupId, host }                   result: BackupManifest (executors/vm-backup.ts)
 * - backup.delete: { backupId, path }                         (idempotent: files already gone are fine)
 * - vm.create with restoreFrom: { …, restoreFrom: { backupId, path, sha256, virtualSizeBytes } }: the disk is the backup's
 */
export type TaskPayload = Record<string, unknown>;

export type Heartbeat = Static<typeof Heartbeat>;
export type RackConfig = Static<typeof RackConfig>;
export type TaskKind = Static<typeof TaskKind>;
export type Task = Static<typeof Task>;
export type ClaimRequest = Static<typeof ClaimRequest>;
export type TaskResult = Static<typeof TaskResult>;
export type HealthReport = Static<typeof HealthReport>;
export type CommissioningReport = Static<typeof CommissioningReport>;
