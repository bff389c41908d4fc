/**
 * Backups of a VM's disk (sdk/schema/backup.ts) in the backup store of the VM's rack,
 * tenant-scoped (another tenant's backup or VM is 404). Create queues a backup.create task on
 * the VM's rack; its progress (bytes done/total per phase) is on the record while it runs.
 * Delete removes its files on the rack that holds them, then the record. Restore is a VM
 * create with `restoreFrom` (routes/vms.ts), placed like any VM.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Backup, BackupCreate, BackupStatus } from "../../../sdk/schema/backup";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { type Principal, actorOf } from "../auth";
import { checkIfMatch, nowIso, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { idempotent, scopeOf } from "../idempotency";
import { newId } from "../ids";
import type { BackupTable, Database } from "../store/database";
import { enqueueTask } from "../tasks";
import { listVmDiskObjects, type VmDiskListQuery } from "./vm-disk-listing";
import { assertDiskIdle, visibleVm } from "./snapshots";
import { hostOf } from "./vms";

type Db = Kysely<Database>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function backupView(b: BackupTable): Backup {
  return {
    id: b.id,
    tenantId: b.tenantId,
    vmId: b.vmId,
    vmName: b.vmName,
    image: b.image,
    diskGiB: b.diskGib,
    rackId: b.rackId,
    status: b.status as Backup["status"],
    statusReason: b.statusReason,
    consistency: b.consistency as Backup["consistency"],
    retention: { keepLast: b.keepLast, keepDays: b.keepDays },
    path: b.path,
    sizeBytes: num(b.sizeBytes),
    virtualSizeBytes: num(b.virtualSizeBytes),
    sha256: b.sha256,
    progress: {
      phase: b.phase as Backup["progress"]["phase"],
      bytesDone: Number(b.bytesDone),
      bytesTotal: Number(b.bytesTotal),
    },
    throughputMiBps: num(b.throughputMibps),
    completedAt: b.completedAt,
    version: b.version,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

/** The backup as the principal sees it; `pointer` makes a missing one a 400 on that field. */
export async function loadBackup(db: Db, p: Principal, id: string, pointer?: string): Promise<BackupTable> {
  let q = db.selectFrom("backups").selectAll().where("id", "=", id);
  if (p.kind === "tenant") q = q.where("tenantId", "=", p.tenantId);
  const b = await q.executeTakeFirst();
  if (!b) {
    if (pointer) throw ValidationError.field(pointer, `backup ${id} does not exist`);
    throw NotFoundError.of("backup", id);
  }
  return b;
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["backups"];

export function backupRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/backups",
    { schema: { tags, body: BackupCreate, response: { 201: Backup } } },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as BackupCreate;
      let rack = "";
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const v = await visibleVm(trx, p, body.vmId);
        await assertDiskIdle(trx, v, "backup");
        const h = await hostOf(trx, v.hostId!);
        const now = nowIso();
        const row: BackupTable = {
          id: newId("bkp"),
          tenantId: v.tenantId,
          vmId: v.id,
          vmName: v.name,
          image: v.image,
          diskGib: v.diskGib,
          rackId: h.rackId,
          status: "Pending",
          statusReason: `queued on rack ${h.rackId}`,
          consistency: null,
          keepLast: body.retention?.keepLast ?? null,
          keepDays: body.retention?.keepDays ?? null,
          path: null,
          sizeBytes: null,
          virtualSizeBytes: null,
          sha256: null,
          bytesDone: 0,
          bytesTotal: v.diskGib * 1024 ** 3,
          phase: "queued",
          throughputMibps: null,
          completedAt: null,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("backups").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "backup",
          objectId: row.id,
          kind: "created",
          to: "Pending",
          reason: `backup of ${v.name} (${v.status})`,
        });
        await enqueueTask(trx, ctx.secrets, {
          rackId: h.rackId,
          kind: "backup.create",
          objectId: row.id,
          payload: { vmId: v.id, backupId: row.id, host: h.config, vmName: v.name, image: v.image },
        });
        rack = h.rackId;
        return { status: 201, body: backupView(await loadBackup(trx, p, row.id)) };
      });
      if (rack) ctx.tasks.notify(rack);
      return reply.code(201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/backups",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [ListQuery, Type.Object({ vm: Type.Optional(Id), status: Type.Optional(BackupStatus) })],
          Strict,
        ),
        response: { 200: ListOf(Backup) },
      },
    },
    async (req) => {
      const { items, nextCursor } = await listVmDiskObjects(
        db,
        "backups",
        principalOf(req),
        req.query as VmDiskListQuery,
      );
      return { items: items.map(backupView), nextCursor };
    },
  );

  app.get(
    "/backups/:id",
    { schema: { tags, params: Params, response: { 200: Backup } } },
    async (req, reply) =>
      withEtag(reply, backupView(await loadBackup(db, principalOf(req), (req.params as { id: string }).id))),
  );

  app.delete(
    "/backups/:id",
    { schema: { tags, params: Params, response: { 202: Backup } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const res = await db.transaction().execute(async (trx) => {
        const b = await loadBackup(trx, p, id);
        checkIfMatch(req, b.version);
        if (!["Ready", "Failed"].includes(b.status))
          throw new ConflictError(`backup ${b.id} is ${b.status}; delete it when it is Ready or Failed`);
        await trx
          .updateTable("backups")
          .set({
            status: "Deleting",
            statusReason: "removing its files",
            version: b.version + 1,
            updatedAt: nowIso(),
          })
          .where("id", "=", id)
          .execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "backup",
          objectId: id,
          kind: "delete-requested",
          from: b.status,
          to: "Deleting",
        });
        await enqueueTask(trx, ctx.secrets, {
          rackId: b.rackId,
          kind: "backup.delete",
          objectId: id,
          payload: { backupId: id },
          maxAttempts: 5,
        });
        return { rack: b.rackId, b: await loadBackup(trx, p, id) };
      });
      ctx.tasks.notify(res.rack);
      return reply.code(202).send(backupView(res.b));
    },
  );
}
