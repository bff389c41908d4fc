import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Fabric, FabricCreate, FabricUpdate, type TenantVlans } from "../../../sdk/schema/fabric";
import { actorOf, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, parseJson, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import type { FabricTable } from "../store/database";

const view = (f: FabricTable): Fabric => ({ ...f, tenantVlans: parseJson<TenantVlans>(f.tenantVlans) });

function checkVlans(v: TenantVlans | undefined): void {
  if (v && v.last < v.first)
    throw ValidationError.field("/tenantVlans/last", `${v.last} is below first ${v.first}`);
}
const Params = Type.Object({ id: Id }, Strict);
const tags = ["fabrics"];

export function fabricRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/fabrics",
    { schema: { tags, body: FabricCreate, response: { 201: Fabric } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as FabricCreate;
      checkVlans(body.tenantVlans);
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const region = await trx
          .selectFrom("regions")
          .select("id")
          .where("id", "=", body.regionId)
          .executeTakeFirst();
        if (!region) throw ValidationError.field("/regionId", `region ${body.regionId} does not exist`);
        const now = nowIso();
        const row: FabricTable = {
          id: newId("fab"),
          name: body.name,
          regionId: body.regionId,
          description: body.description ?? "",
          tenantVlans: body.tenantVlans ? JSON.stringify(body.tenantVlans) : null,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("fabrics").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "fabric",
          objectId: row.id,
          kind: "created",
        });
        return { status: 201, body: view(row) };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/fabrics",
    {
      schema: {
        tags,
        querystring: Type.Composite([ListQuery, Type.Object({ region: Type.Optional(Id) })], Strict),
        response: { 200: ListOf(Fabric) },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; cursor?: string; region?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("fabrics")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      if (q.region) query = query.where("regionId", "=", q.region);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(view), nextCursor };
    },
  );

  app.get(
    "/fabrics/:id",
    { schema: { tags, params: Params, response: { 200: Fabric } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const f = await db.selectFrom("fabrics").selectAll().where("id", "=", id).executeTakeFirst();
      if (!f) throw NotFoundError.of("fabric", id);
      return withEtag(reply, view(f));
    },
  );

  app.patch(
    "/fabrics/:id",
    { schema: { tags, params: Params, body: FabricUpdate, response: { 200: Fabric } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as FabricUpdate;
      checkVlans(body.tenantVlans);
      const next = await db.transaction().execute(async (trx) => {
        const f = await trx.selectFrom("fabrics").selectAll().where("id", "=", id).executeTakeFirst();
        if (!f) throw NotFoundError.of("fabric", id);
        checkIfMatch(req, f.version);
        if (body.tenantVlans) {
          const { first, last } = body.tenantVlans;
          const outside = await trx
            .selectFrom("networks")
            .select(["name", "vlanId"])
            .where("fabricId", "=", id)
            .where((eb) => eb.or([eb("vlanId", "<", first), eb("vlanId", ">", last)]))
            .execute();
          if (outside.length > 0)
            throw new ConflictError(
              `tenantVlans ${first}-${last} would leave out the VLANs of network(s) ${outside.map((o) => `${o.name} (${o.vlanId})`).join(", ")}`,
            );
        }
        const n = {
          ...f,
          description: body.description ?? f.description,
          tenantVlans: body.tenantVlans ? JSON.stringify(body.tenantVlans) : f.tenantVlans,
          version: f.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("fabrics").set(n).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "fabric", objectId: id, kind: "updated" });
        return n;
      });
      return withEtag(reply, view(next));
    },
  );

  app.delete("/fabrics/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const f = await trx.selectFrom("fabrics").selectAll().where("id", "=", id).executeTakeFirst();
      if (!f) throw NotFoundError.of("fabric", id);
      checkIfMatch(req, f.version);
      const racks = await trx.selectFrom("racks").select("name").where("fabricId", "=", id).execute();
      const nets = await trx.selectFrom("networks").select("name").where("fabricId", "=", id).execute();
      if (nets.length > 0) {
        throw new ConflictError(`fabric ${f.name} carries network(s) ${nets.map((n) => n.name).join(", ")}`);
      }
      if (racks.length > 0) {
        throw new ConflictError(`fabric ${f.name} is used by rack(s) ${racks.map((r) => r.name).join(", ")}`);
      }
      await trx.deleteFrom("fabrics").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "fabric", objectId: id, kind: "deleted" });
    });
    return reply.code(204).send();
  });
}
