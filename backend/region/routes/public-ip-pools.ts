/**
 * /public-ip-pools (issue #11): the operators' blocks of public IPv4 addresses per region.
 * Tenants may read them (to see what is left); only operators change them. A pool whose
 * addresses are attached cannot be deleted; blocks may not overlap.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { publicIpPoolModel } from "../../../sdk/model/public-ip-pool";
import { KNOWN } from "../../../sdk/model/resource-model";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { PublicIpPool, PublicIpPoolCreate, PublicIpPoolUpdate } from "../../../sdk/schema/public-ip-pool";
import { actorOf, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import { overlaps } from "../ipam/addresses";
import { publicCapacity } from "../ipam/public-addresses";
import type { Database, PublicIpPoolTable } from "../store/database";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["public-ip-pools"];

async function views(db: Kysely<Database>, rows: readonly PublicIpPoolTable[]): Promise<PublicIpPool[]> {
  if (rows.length === 0) return [];
  const used = await db
    .selectFrom("publicIps")
    .select((eb) => ["poolId", eb.fn.countAll<number>().as("n")])
    .where(
      "poolId",
      "in",
      rows.map((r) => r.id),
    )
    .groupBy("poolId")
    .execute();
  return rows.map((r) => {
    const exclude = JSON.parse(r.exclude) as string[];
    return {
      id: r.id,
      name: r.name,
      regionId: r.regionId,
      cidr: r.cidr,
      exclude,
      description: r.description,
      used: Number(used.find((u) => u.poolId === r.id)?.n ?? 0),
      capacity: publicCapacity(r.cidr, exclude),
      version: r.version,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  });
}

async function loadPool(db: Kysely<Database>, id: string): Promise<PublicIpPoolTable> {
  const r = await db.selectFrom("publicIpPools").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) throw NotFoundError.of("public IP pool", id);
  return r;
}

export function publicIpPoolRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/public-ip-pools",
    { schema: { tags, body: PublicIpPoolCreate, response: { 201: PublicIpPool } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as PublicIpPoolCreate;
      const problems = publicIpPoolModel.rules!(body, KNOWN);
      if (problems.length > 0) throw ValidationError.fields(problems);
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const region = await trx
          .selectFrom("regions")
          .select("id")
          .where("id", "=", body.regionId)
          .executeTakeFirst();
        if (!region) throw ValidationError.field("/regionId", `region ${body.regionId} does not exist`);
        const all = await trx.selectFrom("publicIpPools").select(["id", "name", "cidr"]).execute();
        const clash = all.find((x) => overlaps(x.cidr, body.cidr));
        if (clash)
          throw ValidationError.field("/cidr", `overlaps public IP pool ${clash.name} (${clash.cidr})`);
        if (all.some((x) => x.name === body.name))
          throw new ConflictError(`public IP pool ${body.name} already exists`);
        const now = nowIso();
        const row: PublicIpPoolTable = {
          id: newId("pip"),
          name: body.name,
          regionId: body.regionId,
          cidr: body.cidr,
          exclude: JSON.stringify(body.exclude ?? []),
          description: body.description ?? "",
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("publicIpPools").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "public-ip-pool",
          objectId: row.id,
          kind: "created",
        });
        return { status: 201, body: (await views(trx, [row]))[0]! };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/public-ip-pools",
    { schema: { tags, querystring: ListQuery, response: { 200: ListOf(PublicIpPool) } } },
    async (req) => {
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("publicIpPools")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: await views(db, items), nextCursor };
    },
  );

  app.get(
    "/public-ip-pools/:id",
    { schema: { tags, params: Params, response: { 200: PublicIpPool } } },
    async (req, reply) =>
      withEtag(reply, (await views(db, [await loadPool(db, (req.params as { id: string }).id)]))[0]!),
  );

  app.patch(
    "/public-ip-pools/:id",
    { schema: { tags, params: Params, body: PublicIpPoolUpdate, response: { 200: PublicIpPool } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as PublicIpPoolUpdate;
      const updated = await db.transaction().execute(async (trx) => {
        const r = await loadPool(trx, id);
        checkIfMatch(req, r.version);
        const next = {
          ...r,
          description: body.description ?? r.description,
          version: r.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("publicIpPools").set(next).where("id", "=", id).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "public-ip-pool",
          objectId: id,
          kind: "updated",
        });
        return (await views(trx, [next]))[0]!;
      });
      return withEtag(reply, updated);
    },
  );

  app.delete("/public-ip-pools/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const r = await loadPool(trx, id);
      checkIfMatch(req, r.version);
      const used = await trx.selectFrom("publicIps").select("address").where("poolId", "=", id).execute();
      if (used.length > 0)
        throw new ConflictError(
          `public IP pool ${r.name} has ${used.length} attached address(es): ${used.map((u) => u.address).join(", ")}`,
        );
      await trx.deleteFrom("publicIpPools").where("id", "=", id).execute();
      await appendEvent(trx, {
        actor: actorOf(p),
        objectType: "public-ip-pool",
        objectId: id,
        kind: "deleted",
      });
    });
    return reply.code(204).send();
  });
}
