import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import type { Inventory } from "../../../sdk/schema/machine";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Pool, PoolCreate, PoolUpdate } from "../../../sdk/schema/pool";
import { actorOf, type Principal, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, parseJson, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import type { Database, PoolTable } from "../store/database";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["pools"];

/** Capacity (VM hosts × over-commit) and use (placed VMs) of the given pools, in two queries. */
async function poolViews(db: Kysely<Database>, pools: PoolTable[]): Promise<Pool[]> {
  if (pools.length === 0) return [];
  const ids = pools.map((p) => p.id);
  const hosts = await db
    .selectFrom("machines")
    .select(["poolId", "inventory"])
    .where("poolId", "in", ids)
    .where("vmHost", "=", 1)
    .where("status", "=", "Deployed")
    .execute();
  const used = await db
    .selectFrom("vms")
    .select((eb) => [
      "poolId",
      eb.fn.sum<number>("cores").as("cores"),
      eb.fn.sum<number>("memoryMib").as("memoryMiB"),
      eb.fn.sum<number>("diskGib").as("diskGiB"),
    ])
    .where("poolId", "in", ids)
    .where("hostId", "is not", null)
    .groupBy("poolId")
    .execute();
  const grants = await db.selectFrom("poolTenants").selectAll().where("poolId", "in", ids).execute();
  return pools.map((p) => {
    const mine = hosts.filter((h) => h.poolId === p.id).map((h) => parseJson<Inventory>(h.inventory));
    const u = used.find((x) => x.poolId === p.id);
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      cpuOvercommit: p.cpuOvercommit,
      memoryOvercommit: p.memoryOvercommit,
      tenants: grants.filter((g) => g.poolId === p.id).map((g) => g.tenantId),
      capacity: {
        cores: mine.reduce((s, i) => s + (i?.cores ?? 0), 0) * p.cpuOvercommit,
        memoryMiB: mine.reduce((s, i) => s + (i?.memoryMiB ?? 0), 0) * p.memoryOvercommit,
        diskGiB: mine.reduce((s, i) => s + (i?.storage ?? []).reduce((a, d) => a + d.sizeGiB, 0), 0),
      },
      used: {
        cores: Number(u?.cores ?? 0),
        memoryMiB: Number(u?.memoryMiB ?? 0),
        diskGiB: Number(u?.diskGiB ?? 0),
      },
      hosts: mine.length,
      version: p.version,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  });
}

/** A tenant sees a pool only when it is granted; otherwise the pool does not exist for it. */
export async function visiblePool(db: Kysely<Database>, p: Principal, id: string): Promise<PoolTable> {
  const pool = await db.selectFrom("pools").selectAll().where("id", "=", id).executeTakeFirst();
  if (!pool) throw NotFoundError.of("pool", id);
  if (p.kind === "tenant") {
    const g = await db
      .selectFrom("poolTenants")
      .select("poolId")
      .where("poolId", "=", id)
      .where("tenantId", "=", p.tenantId)
      .executeTakeFirst();
    if (!g) throw NotFoundError.of("pool", id);
  }
  return pool;
}

async function setGrants(trx: Kysely<Database>, poolId: string, tenants: string[]): Promise<void> {
  if (tenants.length > 0) {
    const found = await trx.selectFrom("tenants").select("id").where("id", "in", tenants).execute();
    const missing = tenants.filter((t) => !found.some((f) => f.id === t));
    if (missing.length > 0)
      throw ValidationError.field("/tenants", `unknown tenant(s) ${missing.join(", ")}`);
  }
  await trx.deleteFrom("poolTenants").where("poolId", "=", poolId).execute();
  if (tenants.length > 0) {
    await trx
      .insertInto("poolTenants")
      .values(tenants.map((tenantId) => ({ poolId, tenantId })))
      .execute();
  }
}

export function poolRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post("/pools", { schema: { tags, body: PoolCreate, response: { 201: Pool } } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const body = req.body as PoolCreate;
    const res = await idempotent(db, scopeOf(req, p), async (trx) => {
      const now = nowIso();
      const row: PoolTable = {
        id: newId("pol"),
        name: body.name,
        description: body.description ?? "",
        cpuOvercommit: body.cpuOvercommit ?? 4,
        memoryOvercommit: body.memoryOvercommit ?? 1,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      await trx.insertInto("pools").values(row).execute();
      await setGrants(trx, row.id, body.tenants ?? []);
      await appendEvent(trx, { actor: actorOf(p), objectType: "pool", objectId: row.id, kind: "created" });
      return { status: 201, body: (await poolViews(trx, [row]))[0]! };
    });
    return reply.code(res.status as 201).send(withEtag(reply, res.body));
  });

  app.get(
    "/pools",
    { schema: { tags, querystring: ListQuery, response: { 200: ListOf(Pool) } } },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("pools")
        .selectAll("pools")
        .orderBy("pools.id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("pools.id", ">", q.cursor);
      if (p.kind === "tenant") {
        query = query
          .innerJoin("poolTenants", "poolTenants.poolId", "pools.id")
          .where("poolTenants.tenantId", "=", p.tenantId);
      }
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: await poolViews(db, items), nextCursor };
    },
  );

  app.get("/pools/:id", { schema: { tags, params: Params, response: { 200: Pool } } }, async (req, reply) => {
    const pool = await visiblePool(db, principalOf(req), (req.params as { id: string }).id);
    return withEtag(reply, (await poolViews(db, [pool]))[0]!);
  });

  app.patch(
    "/pools/:id",
    { schema: { tags, params: Params, body: PoolUpdate, response: { 200: Pool } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as PoolUpdate;
      const view = await db.transaction().execute(async (trx) => {
        const pool = await trx.selectFrom("pools").selectAll().where("id", "=", id).executeTakeFirst();
        if (!pool) throw NotFoundError.of("pool", id);
        checkIfMatch(req, pool.version);
        const next: PoolTable = {
          ...pool,
          description: body.description ?? pool.description,
          cpuOvercommit: body.cpuOvercommit ?? pool.cpuOvercommit,
          memoryOvercommit: body.memoryOvercommit ?? pool.memoryOvercommit,
          version: pool.version + 1,
          updatedAt: nowIso(),
        };
        const [current] = await poolViews(trx, [next]);
        if (
          current!.used.cores > current!.capacity.cores ||
          current!.used.memoryMiB > current!.capacity.memoryMiB
        ) {
          throw new ConflictError(
            `pool ${pool.name} already holds ${current!.used.cores} cores / ${current!.used.memoryMiB} MiB of VMs; these ratios would over-book it`,
          );
        }
        await trx.updateTable("pools").set(next).where("id", "=", id).execute();
        if (body.tenants) await setGrants(trx, id, body.tenants);
        await appendEvent(trx, { actor: actorOf(p), objectType: "pool", objectId: id, kind: "updated" });
        return (await poolViews(trx, [next]))[0]!;
      });
      return withEtag(reply, view);
    },
  );

  app.delete("/pools/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const pool = await trx.selectFrom("pools").selectAll().where("id", "=", id).executeTakeFirst();
      if (!pool) throw NotFoundError.of("pool", id);
      checkIfMatch(req, pool.version);
      const m = await trx.selectFrom("machines").select("hostname").where("poolId", "=", id).execute();
      const v = await trx.selectFrom("vms").select("name").where("poolId", "=", id).execute();
      if (m.length + v.length > 0) {
        throw new ConflictError(`pool ${pool.name} is not empty: ${m.length} machine(s), ${v.length} VM(s)`);
      }
      await trx.deleteFrom("poolTenants").where("poolId", "=", id).execute();
      await trx.deleteFrom("pools").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "pool", objectId: id, kind: "deleted" });
    });
    return reply.code(204).send();
  });
}
