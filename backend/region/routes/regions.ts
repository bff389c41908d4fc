import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError, NotFoundError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Region, RegionCreate, RegionUpdate } from "../../../sdk/schema/region";
import { actorOf, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import type { RegionTable } from "../store/database";

export function regionView(r: RegionTable): Region {
  return {
    id: r.id,
    name: r.name,
    dnsDomain: r.dnsDomain,
    description: r.description,
    dnsTtl: r.dnsTtl,
    nameservers: [`ns1.${r.dnsDomain}`],
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["regions"];

export function regionRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;
  const load = async (id: string) => {
    const r = await db.selectFrom("regions").selectAll().where("id", "=", id).executeTakeFirst();
    if (!r) throw NotFoundError.of("region", id);
    return r;
  };

  app.post(
    "/regions",
    { schema: { tags, body: RegionCreate, response: { 201: Region, 200: Region } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as RegionCreate;
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const now = nowIso();
        const row: RegionTable = {
          id: newId("rgn"),
          name: body.name,
          dnsDomain: body.dnsDomain,
          description: body.description ?? "",
          dnsTtl: body.dnsTtl ?? 300,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("regions").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "region",
          objectId: row.id,
          kind: "created",
        });
        return { status: 201, body: regionView(row) };
      });
      ctx.dnsChanged();
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/regions",
    { schema: { tags, querystring: ListQuery, response: { 200: ListOf(Region) } } },
    async (req) => {
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("regions")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(regionView), nextCursor };
    },
  );

  app.get(
    "/regions/:id",
    { schema: { tags, params: Params, response: { 200: Region } } },
    async (req, reply) => withEtag(reply, regionView(await load((req.params as { id: string }).id))),
  );

  app.patch(
    "/regions/:id",
    { schema: { tags, params: Params, body: RegionUpdate, response: { 200: Region } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as RegionUpdate;
      const updated = await db.transaction().execute(async (trx) => {
        const r = await trx.selectFrom("regions").selectAll().where("id", "=", id).executeTakeFirst();
        if (!r) throw NotFoundError.of("region", id);
        checkIfMatch(req, r.version);
        const next: RegionTable = {
          ...r,
          description: body.description ?? r.description,
          dnsTtl: body.dnsTtl ?? r.dnsTtl,
          version: r.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("regions").set(next).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "region", objectId: id, kind: "updated" });
        return next;
      });
      ctx.dnsChanged();
      return withEtag(reply, regionView(updated));
    },
  );

  app.delete(
    "/regions/:id",
    {
      schema: {
        tags,
        params: Params,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }, Strict),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const { force } = req.query as { force?: boolean };
      await db.transaction().execute(async (trx) => {
        const r = await trx.selectFrom("regions").selectAll().where("id", "=", id).executeTakeFirst();
        if (!r) throw NotFoundError.of("region", id);
        checkIfMatch(req, r.version);
        const racks = await trx
          .selectFrom("racks")
          .select(["id", "name"])
          .where("regionId", "=", id)
          .execute();
        if (racks.length > 0 && !force) {
          throw new ConflictError(
            `region ${r.name} still has ${racks.length} rack(s) (${racks.map((x) => x.name).join(", ")}); delete them first or pass force=true`,
          );
        }
        if (racks.length > 0) {
          const machines = await trx
            .selectFrom("machines")
            .select("id")
            .where(
              "rackId",
              "in",
              racks.map((x) => x.id),
            )
            .execute();
          if (machines.length > 0) {
            throw new ConflictError(
              `region ${r.name} still has ${machines.length} machine(s); even force keeps them`,
            );
          }
          await trx.deleteFrom("racks").where("regionId", "=", id).execute();
        }
        await trx.updateTable("vms").set({ regionId: null }).where("regionId", "=", id).execute();
        await trx.deleteFrom("fabrics").where("regionId", "=", id).execute();
        await trx.deleteFrom("regions").where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "region", objectId: id, kind: "deleted" });
      });
      ctx.dnsChanged();
      return reply.code(204).send();
    },
  );
}
