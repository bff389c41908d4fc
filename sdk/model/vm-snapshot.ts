/**
 * The VmSnapshot model: a disk-only snapshot of a VM, quiesced through the guest agent where
 * one answers, else crash-consistent (`consistency` says which). Nothing changes in place:
 * every input replaces it. Reverting is an action (POST /snapshots/:id/revert, `fibrix
 * snapshots revert`), not a declared state.
 */
import { Type } from "@sinclair/typebox";
import { Strict } from "../schema/common";
import { VmSnapshot, VmSnapshotCreate } from "../schema/snapshot";
import { META_FIELDS, type ResourceModel } from "./resource-model";

export const vmSnapshotModel: ResourceModel = {
  name: "VmSnapshot",
  description:
    "A disk-only snapshot of a VM (internal qcow2 snapshot), quiesced through the QEMU guest agent where one answers, else crash-consistent.",
  create: VmSnapshotCreate,
  update: Type.Object({}, Strict),
  output: VmSnapshot,
  fields: {
    id: { stable: true, description: "Snapshot id (snp_…)." },
    vmId: {
      replaceOnChange: true,
      description: "The VM whose disk is snapshotted. Changing it replaces the snapshot.",
    },
    name: { replaceOnChange: true, description: "Snapshot name, a DNS label unique per VM." },
    description: { replaceOnChange: true, description: "Free text." },
    tenantId: { stable: true, description: "Tenant that owns the VM." },
    consistency: { description: "quiesced (guest filesystems frozen by the agent) or crash." },
    status: { description: "Creating, Ready, Reverting, Deleting or Failed." },
    statusReason: { description: "Why the snapshot is in its status." },
    ...META_FIELDS,
  },
  unique: [],
};
