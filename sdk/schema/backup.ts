/**
 * A backup of a VM's disk: a compressed, self-contained qcow2 file (no backing image) in the
 * backup store of the VM's rack (`fibrix rack serve --backup-dir`, a directory that may be an
 * NFS mount), with a manifest (sha256, size, source VM, image, created time). Taken from a
 * point-in-time copy, never from the live disk. Retention keeps the newest `keepLast` and/or
 * those younger than `keepDays` of the VM's backups; the newest ready one and any in progress
 * are never pruned. Restore: create a VM with `restoreFrom: <backup id>`.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id, Meta, Strict, StringEnum, Timestamp } from "./common";
import { SnapshotConsistency } from "./snapshot";

export const BackupStatus = StringEnum(
  ["Pending", "Running", "Ready", "Deleting", "Failed"] as const,
  "Pending → Running → Ready; Ready|Failed → Deleting → gone",
);
export const BackupPhase = StringEnum(["queued", "copy", "download", "compress", "done"] as const);

export const BackupRetention = Type.Object(
  {
    keepLast: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: "keep the newest N backups of the VM" }),
    ),
    keepDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: "keep the VM's backups younger than D days" }),
    ),
  },
  Strict,
);

export const BackupCreate = Type.Object(
  {
    vmId: Id,
    retention: Type.Optional(BackupRetention),
  },
  Strict,
);

export const Backup = Type.Object({
  ...Meta,
  tenantId: Id,
  vmId: Id,
  vmName: Type.String(),
  image: Type.String(),
  diskGiB: Type.Integer(),
  rackId: Id,
  status: BackupStatus,
  statusReason: Type.String(),
  consistency: Type.Union([SnapshotConsistency, Type.Null()]),
  retention: Type.Object({
    keepLast: Type.Union([Type.Integer(), Type.Null()]),
    keepDays: Type.Union([Type.Integer(), Type.Null()]),
  }),
  /** The manifest's figures, once Ready. */
  path: Type.Union([Type.String(), Type.Null()]),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  virtualSizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  sha256: Type.Union([Type.String(), Type.Null()]),
  /** Progress of the running backup. */
  progress: Type.Object({
    phase: BackupPhase,
    bytesDone: Type.Integer(),
    bytesTotal: Type.Integer(),
  }),
  throughputMiBps: Type.Union([Type.Number(), Type.Null()]),
  completedAt: Type.Union([Timestamp, Type.Null()]),
});

export type BackupStatus = Static<typeof BackupStatus>;
export type BackupPhase = Static<typeof BackupPhase>;
export type BackupRetention = Static<typeof BackupRetention>;
export type BackupCreate = Static<typeof BackupCreate>;
export type Backup = Static<typeof Backup>;
