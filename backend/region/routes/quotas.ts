/**
 * Quotas: operators set a tenant's limits (tenant-wide, or in one pool); tenants read theirs
 * (another tenant's is "not found"). Each view carries what the scope holds now, counted as
 * checkQuota counts it.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { QUOTA_FIELDS, Quota, QuotaCreate, type QuotaField, QuotaUpdate } from "../../../sdk/schema/quota";
import { actorOf, type Principal, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import { quotaLimits, quotaUsed, scopeKey } from "../quota-check";
import type { Database, QuotaTable } from "../store/database";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["quotas"];

/** API field → column. */
const COLUMN: Record<QuotaField, keyof QuotaTable> = {
  vms: "vms",
  cores: "cores",
  memoryMiB: "memoryMib",
  diskGiB: "diskGib",
  publicIps: "publicIps",
  networks: "networks",
  snapshots: "snapshots",
};

async function quotaView(db: Kysely<Database>, q: QuotaTable): Promise<Quota> {
  const limits = quotaLimits(q).limits as Record<QuotaField, number | null>;
  return {
    id: q.id,
    tenantId: q.tenantId,
    poolId: q.poolId,
    ...limits,
    description: q.description,
    used: await quotaUsed(db, q.tenantId, q.poolId),
    version: q.version,
    createdAt: q.createdAt,
    updatedAt: q.updatedAt,
  };
}

async function loadQuota(db: Kysely<Database>, p: Principal, id: string): Promise<QuotaTable> {
  let q = db.selectFrom("quotas").selectAll().where("id", "=", id);
  if (p.kind === "tenant") q = q.where("tenantId", "=", p.tenantId);
  const row = await q.executeTakeFirst();
  if (!row) throw NotFoundError.of("quota", id);
  return row;
}

export function quotaRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/quotas",
    { schema: { tags, body: QuotaCreate, response: { 201: Quota } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as QuotaCreate;
      const poolId = body.poolId ?? null;
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const t = await trx
          .selectFrom("tenants")
          .select("id")
          .where("id", "=", body.tenantId)
          .executeTakeFirst();
        if (!t) throw ValidationError.field("/tenantId", `tenant ${body.tenantId} does not exist`);
        if (poolId) {
          const pool = await trx.selectFrom("pools").select("id").where("id", "=", poolId).executeTakeFirst();
          if (!pool) throw ValidationError.field("/poolId", `pool ${poolId} does not exist`);
        }
        const scope = scopeKey(body.tenantId, poolId);
        const twin = await trx
          .selectFrom("quotas")
          .select("id")
          .where("scope", "=", scope)
          .executeTakeFirst();
        if (twin) {
          throw new ConflictError(
            `tenant ${body.tenantId} already has a quota ${poolId ? `in pool ${poolId}` : "tenant-wide"} (${twin.id}); update it instead`,
          );
        }
        const now = nowIso();
        const row: QuotaTable = {
          id: newId("quo"),
          scope,
          tenantId: body.tenantId,
          poolId,
          vms: body.vms ?? null,
          cores: body.cores ?? null,
          memoryMib: body.memoryMiB ?? null,
          diskGib: body.diskGiB ?? null,
          publicIps: body.publicIps ?? null,
          networks: body.networks ?? null,
          snapshots: body.snapshots ?? null,
          description: body.description ?? "",
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("quotas").values(row).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "quota", objectId: row.id, kind: "created" });
        return { status: 201, body: await quotaView(trx, row) };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/quotas",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [ListQuery, Type.Object({ tenant: Type.Optional(Id), pool: Type.Optional(Id) })],
          Strict,
        ),
        response: { 200: ListOf(Quota) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as { limit?: number; cursor?: string; tenant?: string; pool?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("quotas")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      if (p.kind === "tenant") query = query.where("tenantId", "=", p.tenantId);
      else if (q.tenant) query = query.where("tenantId", "=", q.tenant);
      if (q.pool) query = query.where("poolId", "=", q.pool);
      const { items, nextCursor } = page(await query.execute(), limit);
      const views: Quota[] = [];
      for (const row of items) views.push(await quotaView(db, row));
      return { items: views, nextCursor };
    },
  );

  app.get(
    "/quotas/:id",
    { schema: { tags, params: Params, response: { 200: Quota } } },
    async (req, reply) => {
      const row = await loadQuota(db, principalOf(req), (req.params as { id: string }).id);
      return withEtag(reply, await quotaView(db, row));
    },
  );

  app.patch(
    "/quotas/:id",
    { schema: { tags, params: Params, body: QuotaUpdate, response: { 200: Quota } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof QuotaUpdate>;
      const view = await db.transaction().execute(async (trx) => {
        const row = await loadQuota(trx, p, id);
        checkIfMatch(req, row.version);
        const next: QuotaTable = { ...row, version: row.version + 1, updatedAt: nowIso() };
        // A lower limit than what is held is allowed: it stops growth, it takes nothing away.
        for (const f of QUOTA_FIELDS) if (body[f] !== undefined) (next[COLUMN[f]] as number | null) = body[f];
        if (body.description !== undefined) next.description = body.description;
        await trx.updateTable("quotas").set(next).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "quota", objectId: id, kind: "updated" });
        return quotaView(trx, next);
      });
      return withEtag(reply, view);
    },
  );

  app.delete("/quotas/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const row = await loadQuota(trx, p, id);
      checkIfMatch(req, row.version);
      await trx.deleteFrom("quotas").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "quota", objectId: id, kind: "deleted" });
    });
    return reply.code(204).send();
  });
}
