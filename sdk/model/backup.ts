/**
 * The Backup model: a backup of a VM's disk in its rack's backup store, with retention. No
 * update: a new backup is a new object. A VM restored from it is a VirtualMachine with
 * `restoreFrom` set to the backup's id.
 */
import { Type } from "@sinclair/typebox";
import { Backup, BackupCreate } from "../schema/backup";
import { Strict } from "../schema/common";
import { META_FIELDS, type ResourceModel } from "./resource-model";

export const backupModel: ResourceModel = {
  name: "Backup",
  description:
    "A backup of a VM's disk (a compressed, self-contained qcow2 with a manifest) in its rack's backup store; restore it with a VirtualMachine whose restoreFrom is its id.",
  create: BackupCreate,
  update: Type.Object({}, Strict),
  output: Backup,
  fields: {
    id: { stable: true, description: "Backup id (bkp_…)." },
    vmId: {
      replaceOnChange: true,
      description: "The VM whose disk is backed up. Changing it makes a new backup.",
    },
    retention: {
      replaceOnChange: true,
      description:
        "Retention applied when this backup is ready: keep the VM's newest keepLast and/or those younger than keepDays.",
    },
    tenantId: { stable: true, description: "Tenant that owns the VM." },
    vmName: { stable: true, description: "Name of the source VM." },
    image: { stable: true, description: "Base image of the source VM." },
    diskGiB: { stable: true, description: "Disk size of the source VM." },
    rackId: { stable: true, description: "The rack whose backup store holds it." },
    path: { description: "The backup file on the rack." },
    sizeBytes: { description: "Size of the backup file." },
    virtualSizeBytes: { description: "Size of the disk it holds." },
    sha256: { description: "SHA-256 of the backup file (its manifest's)." },
    consistency: { description: "quiesced or crash." },
    progress: { description: "Phase and bytes done/total while it runs." },
    throughputMiBps: { description: "Disk bytes backed up per second, in MiB/s." },
    completedAt: { description: "When it became Ready." },
    status: { description: "Pending, Running, Ready, Deleting or Failed." },
    statusReason: { description: "Why the backup is in its status." },
    ...META_FIELDS,
  },
  unique: [],
};
