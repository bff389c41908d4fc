/**
 * The one list query of a VM's disk objects (snapshots, backups): a page by id, a tenant's own
 * only, filtered by VM and status. Both tables carry these columns.
 */
import type { Kysely } from "kysely";
import type { Principal } from "../auth";
import { page } from "../context";
import type { BackupTable, Database, VmSnapshotTable } from "../store/database";

export interface VmDiskListQuery {
  limit?: number;
  cursor?: string;
  vm?: string;
  status?: string;
}

export async function listVmDiskObjects<K extends "vmSnapshots" | "backups">(
  db: Kysely<Database>,
  table: K,
  p: Principal,
  q: VmDiskListQuery,
): Promise<{ items: (K extends "backups" ? BackupTable : VmSnapshotTable)[]; nextCursor: string | null }> {
  const limit = q.limit ?? 100;
  // One table's type stands for both: the query names only their shared columns.
  let query = db
    .selectFrom(table as "vmSnapshots")
    .selectAll()
    .orderBy("id")
    .limit(limit + 1);
  if (q.cursor) query = query.where("id", ">", q.cursor);
  if (p.kind === "tenant") query = query.where("tenantId", "=", p.tenantId);
  if (q.vm) query = query.where("vmId", "=", q.vm);
  if (q.status) query = query.where("status", "=", q.status);
  return page(await query.execute(), limit) as never;
}
