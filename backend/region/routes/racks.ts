import { randomBytes } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Rack, RackCreate, RackCreated, RackStatus, RackUpdate } from "../../../sdk/schema/rack";
import { actorOf, hashKey, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import { formatEnrollmentToken } from "../../../sdk/enrollment-token";
import { rackModel } from "../../../sdk/model/rack";
import { KNOWN } from "../../../sdk/model/resource-model";
import type { RackTable } from "../store/database";

export function rackView(r: RackTable): Rack {
  return {
    id: r.id,
    name: r.name,
    regionId: r.regionId,
    fabricId: r.fabricId,
    subnet: r.subnet,
    gateway: r.gateway,
    dhcpRange: { start: r.dhcpStart, end: r.dhcpEnd },
    description: r.description,
    status: r.status as Rack["status"],
    lastHeartbeat: r.lastHeartbeat,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["racks"];

export function rackRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/racks",
    { schema: { tags, body: RackCreate, response: { 201: RackCreated } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as RackCreate;
      const problems = rackModel.rules!(body, KNOWN);
      if (problems.length > 0) throw ValidationError.fields(problems);
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const region = await trx
          .selectFrom("regions")
          .select("id")
          .where("id", "=", body.regionId)
          .executeTakeFirst();
        if (!region) throw ValidationError.field("/regionId", `region ${body.regionId} does not exist`);
        if (body.fabricId) {
          const f = await trx
            .selectFrom("fabrics")
            .select("regionId")
            .where("id", "=", body.fabricId)
            .executeTakeFirst();
          if (!f) throw ValidationError.field("/fabricId", `fabric ${body.fabricId} does not exist`);
          if (f.regionId !== body.regionId)
            throw ValidationError.field("/fabricId", "belongs to another region");
        }
        const clash = await trx
          .selectFrom("racks")
          .select("name")
          .where("subnet", "=", body.subnet)
          .executeTakeFirst();
        if (clash) throw new ConflictError(`subnet ${body.subnet} is already served by rack ${clash.name}`);
        const secret = `fbr_${randomBytes(32).toString("base64url")}`;
        const now = nowIso();
        const row: RackTable = {
          id: newId("rck"),
          name: body.name,
          regionId: body.regionId,
          fabricId: body.fabricId ?? null,
          subnet: body.subnet,
          gateway: body.gateway ?? null,
          dhcpStart: body.dhcpRange.start,
          dhcpEnd: body.dhcpRange.end,
          description: body.description ?? "",
          status: "Pending",
          lastHeartbeat: null,
          tokenHash: hashKey(secret),
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("racks").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "rack",
          objectId: row.id,
          kind: "created",
        });
        // The pin lets the rack trust this region's (possibly self-signed) certificate from the token alone.
        const token = formatEnrollmentToken(secret, ctx.tlsFingerprint);
        return { status: 201, body: { ...rackView(row), enrollmentToken: token } };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/racks",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [
            ListQuery,
            Type.Object({
              region: Type.Optional(Id),
              fabric: Type.Optional(Id),
              status: Type.Optional(RackStatus),
            }),
          ],
          Strict,
        ),
        response: { 200: ListOf(Rack) },
      },
    },
    async (req) => {
      const q = req.query as {
        limit?: number;
        cursor?: string;
        region?: string;
        fabric?: string;
        status?: string;
      };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("racks")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      if (q.region) query = query.where("regionId", "=", q.region);
      if (q.fabric) query = query.where("fabricId", "=", q.fabric);
      if (q.status) query = query.where("status", "=", q.status);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(rackView), nextCursor };
    },
  );

  app.get("/racks/:id", { schema: { tags, params: Params, response: { 200: Rack } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = await db.selectFrom("racks").selectAll().where("id", "=", id).executeTakeFirst();
    if (!r) throw NotFoundError.of("rack", id);
    return withEtag(reply, rackView(r));
  });

  app.patch(
    "/racks/:id",
    { schema: { tags, params: Params, body: RackUpdate, response: { 200: Rack } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as RackUpdate;
      const next = await db.transaction().execute(async (trx) => {
        const r = await trx.selectFrom("racks").selectAll().where("id", "=", id).executeTakeFirst();
        if (!r) throw NotFoundError.of("rack", id);
        checkIfMatch(req, r.version);
        const range = body.dhcpRange ?? { start: r.dhcpStart, end: r.dhcpEnd };
        // The rules judge the rack as it would be after this update.
        const problems = rackModel.rules!({ subnet: r.subnet, gateway: r.gateway, dhcpRange: range }, KNOWN);
        if (problems.length > 0) throw ValidationError.fields(problems);
        const n: RackTable = {
          ...r,
          dhcpStart: range.start,
          dhcpEnd: range.end,
          description: body.description ?? r.description,
          version: r.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("racks").set(n).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "rack", objectId: id, kind: "updated" });
        return n;
      });
      return withEtag(reply, rackView(next));
    },
  );

  app.delete("/racks/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const r = await trx.selectFrom("racks").selectAll().where("id", "=", id).executeTakeFirst();
      if (!r) throw NotFoundError.of("rack", id);
      checkIfMatch(req, r.version);
      const n = await trx
        .selectFrom("machines")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("rackId", "=", id)
        .executeTakeFirstOrThrow();
      if (Number(n.n) > 0)
        throw new ConflictError(`rack ${r.name} still has ${n.n} machine(s); remove them first`);
      await trx.deleteFrom("racks").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "rack", objectId: id, kind: "deleted" });
    });
    ctx.auth.forget(); // its enrollment token stops working now
    return reply.code(204).send();
  });
}
