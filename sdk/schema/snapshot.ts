/**
 * A VM's disk snapshot (disk only: the guest's memory is not kept). Taken with the guest's
 * filesystems frozen by its QEMU guest agent when one answers (`quiesced`), else
 * crash-consistent (`crash`: what a power cut would have left). Reverting needs the VM
 * stopped; a VM's snapshots go with it when it is deleted.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Label, Meta, Strict, StringEnum } from "./common";

export const SnapshotConsistency = StringEnum(["quiesced", "crash"] as const);
export const VmSnapshotStatus = StringEnum(
  ["Creating", "Ready", "Reverting", "Deleting", "Failed"] as const,
  "Creating → Ready; Ready → Reverting → Ready; Ready|Failed → Deleting → gone",
);

export const VmSnapshotCreate = Type.Object(
  {
    vmId: Id,
    name: Label,
    description: Type.Optional(Description),
  },
  Strict,
);

export const VmSnapshot = Type.Object({
  ...Meta,
  vmId: Id,
  tenantId: Id,
  name: Type.String(),
  description: Type.String(),
  consistency: Type.Union([SnapshotConsistency, Type.Null()]),
  status: VmSnapshotStatus,
  statusReason: Type.String(),
});

export type SnapshotConsistency = Static<typeof SnapshotConsistency>;
export type VmSnapshotStatus = Static<typeof VmSnapshotStatus>;
export type VmSnapshotCreate = Static<typeof VmSnapshotCreate>;
export type VmSnapshot = Static<typeof VmSnapshot>;
