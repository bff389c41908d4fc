/**
 * A VM created from a backup (`restoreFrom` in VmCreate): the checks of the normal create
 * path (routes/vms.ts) plus these, and the rack payload that makes the backup its disk.
 * The backup must be Ready and the tenant's own; the disk at least as large as the backup's.
 */
import type { Kysely } from "kysely";
import { ConflictError, ValidationError } from "../../../sdk/errors";
import type { VmCreate } from "../../../sdk/schema/vm";
import type { Principal } from "../auth";
import type { Database } from "../store/database";
import { loadBackup } from "./backups";

export interface RestorePayload {
  backupId: string;
  path: string;
  sha256: string;
  os: string;
}

export async function restoreSourceFor(
  trx: Kysely<Database>,
  p: Principal,
  tenantId: string,
  body: VmCreate,
  os: string,
): Promise<RestorePayload> {
  const b = await loadBackup(trx, p, body.restoreFrom!, "/restoreFrom");
  if (b.tenantId !== tenantId)
    throw ValidationError.field("/restoreFrom", `backup ${b.id} is not tenant ${tenantId}'s`);
  if (b.status !== "Ready" || !b.path || !b.sha256)
    throw new ConflictError(`backup ${b.id} is ${b.status}; only a Ready backup can be restored`);
  if (body.diskGiB < b.diskGib)
    throw ValidationError.field("/diskGiB", `must be at least the backup's disk, ${b.diskGib} GiB`);
  return { backupId: b.id, path: b.path, sha256: b.sha256, os };
}
