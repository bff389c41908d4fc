/**
 * What finished snapshot and backup tasks mean for the region's records (task-effects.ts
 * hands them here), and the byte progress of a running backup. Each change has its event.
 */
import type { Kysely } from "kysely";
import { parseByteProgress } from "../../sdk/byte-progress";
import { backupsToPrune } from "./backup-retention";
import { nowIso } from "./context";
import { appendEvent } from "./events";
import type { Database, TaskTable } from "./store/database";
import type { SecretBox } from "./store/secret-box";
import { enqueueTask } from "./tasks";

type Trx = Kysely<Database>;

interface Outcome {
  ok: boolean;
  result: Record<string, unknown>;
  error?: { code: string; message: string };
}

export const SNAPSHOT_BACKUP_KINDS: readonly string[] = [
  "snapshot.create",
  "snapshot.revert",
  "snapshot.delete",
  "backup.create",
  "backup.delete",
];

async function setSnapshot(
  trx: Trx,
  t: TaskTable,
  set: Record<string, unknown>,
  kind: string,
  reason: string,
) {
  const s = await trx
    .selectFrom("vmSnapshots")
    .select(["status", "version"])
    .where("id", "=", t.objectId)
    .executeTakeFirst();
  if (!s) return;
  await trx
    .updateTable("vmSnapshots")
    .set({ ...set, statusReason: reason, version: s.version + 1, updatedAt: nowIso() })
    .where("id", "=", t.objectId)
    .execute();
  await appendEvent(trx, {
    actor: `rack:${t.rackId}`,
    objectType: "snapshot",
    objectId: t.objectId,
    kind,
    from: s.status,
    to: (set.status as string | undefined) ?? s.status,
    reason,
  });
}

async function setBackup(trx: Trx, t: TaskTable, set: Record<string, unknown>, kind: string, reason: string) {
  const b = await trx
    .selectFrom("backups")
    .select(["status", "version"])
    .where("id", "=", t.objectId)
    .executeTakeFirst();
  if (!b) return;
  await trx
    .updateTable("backups")
    .set({ ...set, statusReason: reason, version: b.version + 1, updatedAt: nowIso() })
    .where("id", "=", t.objectId)
    .execute();
  await appendEvent(trx, {
    actor: `rack:${t.rackId}`,
    objectType: "backup",
    objectId: t.objectId,
    kind,
    from: b.status,
    to: (set.status as string | undefined) ?? b.status,
    reason,
  });
}

async function dropRow(trx: Trx, t: TaskTable, table: "vmSnapshots" | "backups") {
  await trx.deleteFrom(table).where("id", "=", t.objectId).execute();
  await appendEvent(trx, {
    actor: `rack:${t.rackId}`,
    objectType: table === "backups" ? "backup" : "snapshot",
    objectId: t.objectId,
    kind: "deleted",
    from: "Deleting",
  });
}

/** Applies a finished snapshot.* / backup.* task. */
export async function applySnapshotBackupOutcome(trx: Trx, t: TaskTable, o: Outcome): Promise<void> {
  const why = o.error ? `${o.error.code}: ${o.error.message}` : "";
  const r = o.result;
  switch (t.kind) {
    case "snapshot.create":
      if (o.ok)
        await setSnapshot(
          trx,
          t,
          { status: "Ready", consistency: r.consistency === "quiesced" ? "quiesced" : "crash" },
          "created",
          `taken (${String(r.consistency)}; VM ${r.domainState === "shutoff" ? "stopped" : "running"})`,
        );
      else await setSnapshot(trx, t, { status: "Failed" }, "create-failed", why);
      return;
    case "snapshot.revert":
      // A failed revert left the disk as it was: the snapshot is still there to revert to.
      await setSnapshot(
        trx,
        t,
        { status: "Ready" },
        o.ok ? "reverted" : "revert-failed",
        o.ok ? `VM disk reverted at ${nowIso()}` : `revert failed: ${why}`,
      );
      return;
    case "snapshot.delete":
      if (o.ok) await dropRow(trx, t, "vmSnapshots");
      else await setSnapshot(trx, t, { status: "Failed" }, "delete-failed", why);
      return;
    case "backup.create":
      if (o.ok) {
        await setBackup(
          trx,
          t,
          {
            status: "Ready",
            consistency: r.consistency === "quiesced" ? "quiesced" : "crash",
            path: String(r.path ?? ""),
            sizeBytes: Number(r.sizeBytes ?? 0),
            virtualSizeBytes: Number(r.virtualSizeBytes ?? 0),
            sha256: String(r.sha256 ?? ""),
            phase: "done",
            bytesDone: Number(r.virtualSizeBytes ?? 0),
            bytesTotal: Number(r.virtualSizeBytes ?? 0),
            throughputMibps: typeof r.throughputMiBps === "number" ? r.throughputMiBps : null,
            completedAt: nowIso(),
          },
          "created",
          `${Number(r.sizeBytes ?? 0)} bytes (${Number(r.virtualSizeBytes ?? 0)} of disk) in ${Number(r.elapsedMs ?? 0)} ms, ${String(r.throughputMiBps ?? "?")} MiB/s`,
        );
      } else await setBackup(trx, t, { status: "Failed", phase: "done" }, "create-failed", why);
      return;
    case "backup.delete":
      if (o.ok) await dropRow(trx, t, "backups");
      else await setBackup(trx, t, { status: "Failed" }, "delete-failed", why);
      return;
  }
}

/** A vm.delete confirmed: the VM's disk, and with it every internal snapshot, is gone. */
export async function dropVmSnapshots(trx: Trx, vmId: string): Promise<void> {
  await trx.deleteFrom("vmSnapshots").where("vmId", "=", vmId).execute();
}

/** A running backup's `<phase> done/total bytes` progress, on its record. */
export async function recordTaskProgress(trx: Trx, t: TaskTable, message: string): Promise<void> {
  if (t.kind !== "backup.create") return;
  const p = parseByteProgress(message);
  if (!p) return;
  await trx
    .updateTable("backups")
    .set((eb) => ({
      status: "Running",
      phase: ["copy", "download", "compress", "done"].includes(p.phase) ? p.phase : "copy",
      bytesDone: p.done,
      bytesTotal: p.total,
      version: eb("version", "+", 1),
      updatedAt: nowIso(),
    }))
    .where("id", "=", t.objectId)
    .where("status", "in", ["Pending", "Running"])
    .execute();
}

/**
 * After a backup of a VM is ready: its retention (the policy given with that backup) prunes
 * the VM's older ones, each with a backup.delete task to the rack holding it. Returns the racks to wake.
 */
export async function pruneBackups(trx: Trx, secrets: SecretBox, t: TaskTable): Promise<string[]> {
  if (t.kind !== "backup.create") return [];
  const b = await trx.selectFrom("backups").selectAll().where("id", "=", t.objectId).executeTakeFirst();
  if (b?.status !== "Ready") return [];
  const all = await trx
    .selectFrom("backups")
    .select(["id", "status", "completedAt", "createdAt", "rackId"])
    .where("vmId", "=", b.vmId)
    .where("tenantId", "=", b.tenantId)
    .execute();
  const ids = backupsToPrune(all, { keepLast: b.keepLast, keepDays: b.keepDays }, new Date());
  const racks = new Set<string>();
  for (const id of ids) {
    const row = all.find((x) => x.id === id)!;
    await trx
      .updateTable("backups")
      .set((eb) => ({
        status: "Deleting",
        statusReason: `pruned by the retention of ${b.id}`,
        version: eb("version", "+", 1),
        updatedAt: nowIso(),
      }))
      .where("id", "=", id)
      .execute();
    await appendEvent(trx, {
      actor: "region",
      objectType: "backup",
      objectId: id,
      kind: "pruned",
      from: "Ready",
      to: "Deleting",
      reason: `retention of ${b.id}: keepLast ${b.keepLast ?? "-"}, keepDays ${b.keepDays ?? "-"}`,
    });
    await enqueueTask(trx, secrets, {
      rackId: row.rackId,
      kind: "backup.delete",
      objectId: id,
      payload: { backupId: id },
      maxAttempts: 5,
    });
    racks.add(row.rackId);
  }
  return [...racks];
}
