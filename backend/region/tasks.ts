/**
 * The rack work queue. A task is enqueued in the same transaction as the state change that
 * asks for it (so a crash never leaves a VM "Creating" with nobody told to create it), claimed
 * by its rack with a lease, and finished by the rack's report. Expired leases are handed out
 * again (tasks are idempotent on the rack side) or failed after `maxAttempts`.
 */
import type { Kysely } from "kysely";
import type { TaskKind } from "../../sdk/schema/rack-agent";
import { nowIso } from "./context";
import { newId } from "./ids";
import type { Database, TaskTable } from "./store/database";
import type { Dialect } from "./store/open";
import type { SecretBox } from "./store/secret-box";

export const DEFAULT_LEASE_MS = 60_000;

export interface NewTask {
  rackId: string;
  kind: TaskKind;
  objectId: string;
  payload: Record<string, unknown>;
  maxAttempts?: number;
}

export async function enqueueTask(trx: Kysely<Database>, secrets: SecretBox, t: NewTask): Promise<string> {
  const now = nowIso();
  const id = newId("tsk");
  await trx
    .insertInto("tasks")
    .values({
      id,
      rackId: t.rackId,
      kind: t.kind,
      objectId: t.objectId,
      payload: secrets.seal(JSON.stringify(t.payload)),
      status: "queued",
      attempt: 0,
      maxAttempts: t.maxAttempts ?? 3,
      leaseUntil: null,
      result: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  return id;
}

/** Cancels the queued (not yet claimed) tasks of an object, e.g. when a VM is deleted before it was created. */
export async function cancelQueued(trx: Kysely<Database>, objectId: string): Promise<number> {
  const r = await trx
    .updateTable("tasks")
    .set({ status: "cancelled", updatedAt: nowIso() })
    .where("objectId", "=", objectId)
    .where("status", "=", "queued")
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface ClaimedTask {
  row: TaskTable;
  payload: Record<string, unknown>;
}

/** Leases up to `max` queued tasks of a rack, oldest first. Replicas on PostgreSQL never claim the same row. */
export async function claimTasks(
  db: Kysely<Database>,
  dialect: Dialect,
  secrets: SecretBox,
  rackId: string,
  max: number,
  leaseMs = DEFAULT_LEASE_MS,
): Promise<ClaimedTask[]> {
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom("tasks")
      .selectAll()
      .where("rackId", "=", rackId)
      .where("status", "=", "queued")
      .orderBy("createdAt")
      .orderBy("id")
      .limit(max);
    if (dialect === "postgres") q = q.forUpdate().skipLocked();
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const now = Date.now();
    const leaseUntil = new Date(now + leaseMs).toISOString();
    const claimed: ClaimedTask[] = [];
    for (const r of rows) {
      const next = {
        status: "running",
        attempt: r.attempt + 1,
        leaseUntil,
        updatedAt: new Date(now).toISOString(),
      };
      await trx.updateTable("tasks").set(next).where("id", "=", r.id).execute();
      claimed.push({
        row: { ...r, ...next },
        payload: JSON.parse(secrets.open(r.payload)) as Record<string, unknown>,
      });
    }
    return claimed;
  });
}

/** Wakes long-polling racks when work arrives (per process; other replicas poll every second). */
export class TaskSignal {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(rackId: string): void {
    const set = this.waiters.get(rackId);
    if (!set) return;
    this.waiters.delete(rackId);
    for (const w of set) w();
  }

  /** Resolves on notify or after `ms`, whichever comes first. */
  wait(rackId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(rackId) ?? new Set();
      this.waiters.set(rackId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}
