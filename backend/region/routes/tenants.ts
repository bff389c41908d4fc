import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict, StringEnum } from "../../../sdk/schema/common";
import { ApiKey, ApiKeyCreate, ApiKeyCreated, Tenant, TenantCreate } from "../../../sdk/schema/tenant";
import { actorOf, generateApiKey, hashKey, requireAdmin } from "../auth";
import { nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import type { ApiKeyTable, TenantTable } from "../store/database";

const Params = Type.Object({ id: Id }, Strict);
const WhoAmI = Type.Object({
  kind: StringEnum(["admin", "tenant"] as const),
  keyId: Type.String(),
  name: Type.String(),
  tenantId: Type.Union([Type.String(), Type.Null()]),
});

function keyView(k: ApiKeyTable): ApiKey {
  return {
    id: k.id,
    name: k.name,
    role: k.role as ApiKey["role"],
    tenantId: k.tenantId,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
  };
}

/** Tenants (customer companies) and API keys: operators manage both; a tenant manages its own keys. */
export function tenantRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  // Which key is this: the console reads it to show operator pages or not (the API still decides).
  app.get(
    "/whoami",
    { schema: { tags: ["apikeys"], summary: "the principal of the calling key", response: { 200: WhoAmI } } },
    async (req) => {
      const p = principalOf(req);
      return {
        kind: p.kind as "admin" | "tenant",
        keyId: p.keyId,
        name: p.name,
        tenantId: p.kind === "tenant" ? p.tenantId : null,
      };
    },
  );

  app.post(
    "/tenants",
    { schema: { tags: ["tenants"], body: TenantCreate, response: { 201: Tenant } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as TenantCreate;
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const now = nowIso();
        const row: TenantTable = {
          id: newId("ten"),
          name: body.name,
          description: body.description ?? "",
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("tenants").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "tenant",
          objectId: row.id,
          kind: "created",
        });
        return { status: 201, body: row };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/tenants",
    { schema: { tags: ["tenants"], querystring: ListQuery, response: { 200: ListOf(Tenant) } } },
    async (req) => {
      requireAdmin(principalOf(req));
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("tenants")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      return page(await query.execute(), limit);
    },
  );

  app.get(
    "/tenants/:id",
    { schema: { tags: ["tenants"], params: Params, response: { 200: Tenant } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      if (p.kind === "tenant" && p.tenantId !== id) throw NotFoundError.of("tenant", id);
      const t = await db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
      if (!t) throw NotFoundError.of("tenant", id);
      return withEtag(reply, t);
    },
  );

  app.delete("/tenants/:id", { schema: { tags: ["tenants"], params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom("tenants").select("name").where("id", "=", id).executeTakeFirst();
      if (!t) throw NotFoundError.of("tenant", id);
      const vms = await trx.selectFrom("vms").select("id").where("tenantId", "=", id).limit(1).execute();
      if (vms.length > 0) throw new ConflictError(`tenant ${t.name} still has VMs; delete them first`);
      const nets = await trx
        .selectFrom("networks")
        .select("id")
        .where("tenantId", "=", id)
        .limit(1)
        .execute();
      const groups = await trx
        .selectFrom("securityGroups")
        .select("id")
        .where("tenantId", "=", id)
        .limit(1)
        .execute();
      if (nets.length + groups.length > 0)
        throw new ConflictError(`tenant ${t.name} still has networks or security groups; delete them first`);
      await trx.deleteFrom("apiKeys").where("tenantId", "=", id).execute();
      await trx.deleteFrom("poolTenants").where("tenantId", "=", id).execute();
      await trx.deleteFrom("tenants").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "tenant", objectId: id, kind: "deleted" });
    });
    ctx.auth.forget();
    return reply.code(204).send();
  });

  app.post(
    "/apikeys",
    { schema: { tags: ["apikeys"], body: ApiKeyCreate, response: { 201: ApiKeyCreated } } },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as ApiKeyCreate;
      const role = body.role ?? (body.tenantId ? "tenant" : "admin");
      if (p.kind === "tenant" && (role !== "tenant" || (body.tenantId && body.tenantId !== p.tenantId))) {
        throw new ForbiddenError("a tenant key can only create keys for its own tenant");
      }
      const tenantId = p.kind === "tenant" ? p.tenantId : (body.tenantId ?? null);
      if (role === "tenant" && !tenantId)
        throw ValidationError.field("/tenantId", "is required for a tenant key");
      if (role === "admin" && tenantId)
        throw ValidationError.field("/tenantId", "must be absent for an admin key");
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        if (tenantId) {
          const t = await trx
            .selectFrom("tenants")
            .select("id")
            .where("id", "=", tenantId)
            .executeTakeFirst();
          if (!t) throw ValidationError.field("/tenantId", `tenant ${tenantId} does not exist`);
        }
        const key = generateApiKey();
        const row: ApiKeyTable = {
          id: newId("key"),
          name: body.name,
          role,
          tenantId,
          hash: hashKey(key),
          createdAt: nowIso(),
          lastUsedAt: null,
          revokedAt: null,
        };
        await trx.insertInto("apiKeys").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "apikey",
          objectId: row.id,
          kind: "created",
        });
        return { status: 201, body: { ...keyView(row), key } };
      });
      return reply.code(res.status as 201).send(res.body);
    },
  );

  app.get(
    "/apikeys",
    { schema: { tags: ["apikeys"], querystring: ListQuery, response: { 200: ListOf(ApiKey) } } },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("apiKeys")
        .selectAll()
        .where("revokedAt", "is", null)
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      if (p.kind === "tenant") query = query.where("tenantId", "=", p.tenantId);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(keyView), nextCursor };
    },
  );

  app.delete("/apikeys/:id", { schema: { tags: ["apikeys"], params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const k = await trx.selectFrom("apiKeys").selectAll().where("id", "=", id).executeTakeFirst();
      if (!k || k.revokedAt || (p.kind === "tenant" && k.tenantId !== p.tenantId))
        throw NotFoundError.of("API key", id);
      await trx.updateTable("apiKeys").set({ revokedAt: nowIso() }).where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "apikey", objectId: id, kind: "revoked" });
    });
    ctx.auth.forget();
    return reply.code(204).send();
  });
}
