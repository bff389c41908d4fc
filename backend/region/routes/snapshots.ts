/**
 * VmSnapshot: disk-only snapshots of a VM (sdk/schema/snapshot.ts), tenant-scoped through
 * their VM (another tenant's VM or snapshot is 404). One operation on a VM's disk at a time:
 * a snapshot or backup still in progress makes the next one a 409. A revert needs the VM
 * Stopped (409 naming its state otherwise); the rack then rewinds its disk to the snapshot.
 */
import { checkQuota } from "../quota-check";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { VmSnapshot, VmSnapshotCreate, VmSnapshotStatus } from "../../../sdk/schema/snapshot";
import { type Principal, actorOf } from "../auth";
import { checkIfMatch, nowIso, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { idempotent, scopeOf } from "../idempotency";
import { newId } from "../ids";
import type { Database, VmSnapshotTable, VmTable } from "../store/database";
import { enqueueTask } from "../tasks";
import { listVmDiskObjects, type VmDiskListQuery } from "./vm-disk-listing";
import { hostOf } from "./vms";

type Db = Kysely<Database>;

export function snapshotView(s: VmSnapshotTable): VmSnapshot {
  return {
    id: s.id,
    vmId: s.vmId,
    tenantId: s.tenantId,
    name: s.name,
    description: s.description,
    consistency: s.consistency as VmSnapshot["consistency"],
    status: s.status as VmSnapshot["status"],
    statusReason: s.statusReason,
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** The VM as the principal sees it; another tenant's is "not found". */
export async function visibleVm(db: Db, p: Principal, id: string, pointer?: string): Promise<VmTable> {
  let q = db.selectFrom("vms").selectAll().where("id", "=", id);
  if (p.kind === "tenant") q = q.where("tenantId", "=", p.tenantId);
  const v = await q.executeTakeFirst();
  if (!v) {
    if (pointer) throw ValidationError.field(pointer, `VM ${id} does not exist`);
    throw NotFoundError.of("VM", id);
  }
  return v;
}

/** The VM must have a disk on a host and be at rest; and no other disk operation may be under way. */
export async function assertDiskIdle(db: Db, v: VmTable, what: string): Promise<void> {
  if (!v.hostId || !["Running", "Stopped"].includes(v.status))
    throw new ConflictError(`VM ${v.name} is ${v.status}; a ${what} needs it Running or Stopped`);
  const busySnap = await db
    .selectFrom("vmSnapshots")
    .select(["id", "status"])
    .where("vmId", "=", v.id)
    .where("status", "in", ["Creating", "Reverting", "Deleting"])
    .executeTakeFirst();
  const busyBackup = await db
    .selectFrom("backups")
    .select(["id", "status"])
    .where("vmId", "=", v.id)
    .where("status", "in", ["Pending", "Running"])
    .executeTakeFirst();
  const busy = busySnap ?? busyBackup;
  if (busy)
    throw new ConflictError(
      `VM ${v.name} has ${busy.id} ${busy.status.toLowerCase()}; retry the ${what} when it is done`,
    );
}

async function loadSnapshot(db: Db, p: Principal, id: string): Promise<VmSnapshotTable> {
  let q = db.selectFrom("vmSnapshots").selectAll().where("id", "=", id);
  if (p.kind === "tenant") q = q.where("tenantId", "=", p.tenantId);
  const s = await q.executeTakeFirst();
  if (!s) throw NotFoundError.of("snapshot", id);
  return s;
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["snapshots"];

export function snapshotRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  /** Marks the snapshot and queues its task on the VM's rack, in one transaction. */
  async function queue(
    trx: Db,
    p: Principal,
    s: VmSnapshotTable,
    v: VmTable,
    kind: "snapshot.create" | "snapshot.revert" | "snapshot.delete",
    to: string,
    reason: string,
  ): Promise<string> {
    const h = await hostOf(trx, v.hostId!);
    await trx
      .updateTable("vmSnapshots")
      .set({ status: to, statusReason: reason, version: s.version + 1, updatedAt: nowIso() })
      .where("id", "=", s.id)
      .execute();
    await appendEvent(trx, {
      actor: actorOf(p),
      objectType: "snapshot",
      objectId: s.id,
      kind: `${kind.split(".")[1]}-requested`,
      from: s.status,
      to,
      reason,
    });
    await enqueueTask(trx, ctx.secrets, {
      rackId: h.rackId,
      kind,
      objectId: s.id,
      payload: { vmId: v.id, snapshotId: s.id, host: h.config },
      maxAttempts: kind === "snapshot.delete" ? 5 : 3,
    });
    return h.rackId;
  }

  app.post(
    "/snapshots",
    { schema: { tags, body: VmSnapshotCreate, response: { 201: VmSnapshot } } },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as VmSnapshotCreate;
      let rack = "";
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const v = await visibleVm(trx, p, body.vmId);
        await assertDiskIdle(trx, v, "snapshot");
        await checkQuota(trx, v.tenantId, v.poolId, { snapshots: 1 });
        const dup = await trx
          .selectFrom("vmSnapshots")
          .select("id")
          .where("vmId", "=", v.id)
          .where("name", "=", body.name)
          .executeTakeFirst();
        if (dup)
          throw new ConflictError(`VM ${v.name} already has a snapshot named ${body.name} (${dup.id})`);
        const now = nowIso();
        const row: VmSnapshotTable = {
          id: newId("snp"),
          vmId: v.id,
          tenantId: v.tenantId,
          name: body.name,
          description: body.description ?? "",
          consistency: null,
          status: "Creating",
          statusReason: "",
          version: 0,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("vmSnapshots").values(row).execute();
        rack = await queue(
          trx,
          p,
          row,
          v,
          "snapshot.create",
          "Creating",
          `snapshot of ${v.name} (${v.status})`,
        );
        return { status: 201, body: snapshotView(await loadSnapshot(trx, p, row.id)) };
      });
      if (rack) ctx.tasks.notify(rack);
      return reply.code(201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/snapshots",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [ListQuery, Type.Object({ vm: Type.Optional(Id), status: Type.Optional(VmSnapshotStatus) })],
          Strict,
        ),
        response: { 200: ListOf(VmSnapshot) },
      },
    },
    async (req) => {
      const { items, nextCursor } = await listVmDiskObjects(
        db,
        "vmSnapshots",
        principalOf(req),
        req.query as VmDiskListQuery,
      );
      return { items: items.map(snapshotView), nextCursor };
    },
  );

  app.get(
    "/snapshots/:id",
    { schema: { tags, params: Params, response: { 200: VmSnapshot } } },
    async (req, reply) =>
      withEtag(
        reply,
        snapshotView(await loadSnapshot(db, principalOf(req), (req.params as { id: string }).id)),
      ),
  );

  app.post(
    "/snapshots/:id/revert",
    { schema: { tags, params: Params, response: { 202: VmSnapshot } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const res = await db.transaction().execute(async (trx) => {
        const s = await loadSnapshot(trx, p, id);
        checkIfMatch(req, s.version);
        if (s.status !== "Ready")
          throw new ConflictError(
            `snapshot ${s.name} is ${s.status}; only a Ready snapshot can be reverted to`,
          );
        const v = await visibleVm(trx, p, s.vmId);
        if (v.status !== "Stopped")
          throw new ConflictError(
            `VM ${v.name} is ${v.status}; stop it (powerState off) before reverting its disk to ${s.name}`,
          );
        await assertDiskIdle(trx, v, "revert");
        const rack = await queue(trx, p, s, v, "snapshot.revert", "Reverting", `reverting ${v.name}'s disk`);
        return { rack, s: await loadSnapshot(trx, p, id) };
      });
      ctx.tasks.notify(res.rack);
      return reply.code(202).send(withEtag(reply, snapshotView(res.s)));
    },
  );

  app.delete(
    "/snapshots/:id",
    { schema: { tags, params: Params, response: { 202: VmSnapshot } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const res = await db.transaction().execute(async (trx) => {
        const s = await loadSnapshot(trx, p, id);
        checkIfMatch(req, s.version);
        if (!["Ready", "Failed"].includes(s.status))
          throw new ConflictError(`snapshot ${s.name} is ${s.status}; delete it when it is Ready or Failed`);
        const v = await visibleVm(trx, p, s.vmId);
        if (!v.hostId) throw new ConflictError(`VM ${v.name} has no host; its snapshots go with it`);
        const rack = await queue(trx, p, s, v, "snapshot.delete", "Deleting", "deleting from the VM's disk");
        return { rack, s: await loadSnapshot(trx, p, id) };
      });
      ctx.tasks.notify(res.rack);
      return reply.code(202).send(snapshotView(res.s));
    },
  );
}
