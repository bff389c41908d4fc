/**
 * `fibrix_vm_snapshot` and `fibrix_backup`: a VM disk snapshot and a VM disk backup. Create
 * waits until the rack has made it (Ready); every argument replaces it; destroy waits until the
 * rack has removed it (the snapshot from the disk, the backup's files from the backup store).
 * A VM restored from a backup is a `fibrix_virtual_machine` with `restore_from`.
 */
import { backupModel } from "../../../sdk/model/backup";
import { vmSnapshotModel } from "../../../sdk/model/vm-snapshot";
import { apiResource, type CrudClient, type TfResource, waitOptions } from "../resource";
import type { ApiObject } from "../state-mapping";

export const vmSnapshotResource: TfResource = apiResource({
  typeName: "fibrix_vm_snapshot",
  model: vmSnapshotModel,
  timeouts: ["create", "delete"],
  client: (c) => c.snapshots as unknown as CrudClient,
  afterCreate: async (ctx, obj) =>
    (await ctx.client.snapshots.waitForStatus(
      String(obj.id),
      "Ready",
      waitOptions(ctx),
    )) as unknown as ApiObject,
});

export const backupResource: TfResource = apiResource({
  typeName: "fibrix_backup",
  model: backupModel,
  timeouts: ["create", "delete"],
  client: (c) => c.backups as unknown as CrudClient,
  afterCreate: async (ctx, obj) =>
    (await ctx.client.backups.waitForStatus(
      String(obj.id),
      "Ready",
      waitOptions(ctx),
    )) as unknown as ApiObject,
});
