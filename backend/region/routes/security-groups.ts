/**
 * /security-groups (issue #11): a tenant's ingress rules. A rule's group source must be one of
 * the tenant's groups. A change of rules queues `vm.network` for the member VMs' racks
 * (network-updates.ts); a group NICs use, or that another group's rule names, cannot be deleted.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { KNOWN } from "../../../sdk/model/resource-model";
import { securityGroupModel } from "../../../sdk/model/security-group";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import {
  SecurityGroup,
  SecurityGroupCreate,
  type SecurityGroupRule,
  SecurityGroupUpdate,
} from "../../../sdk/schema/security-group";
import { actorOf, type Principal } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import { queueNicUpdates } from "../network-updates";
import type { Database, SecurityGroupTable } from "../store/database";
import { tenantFor } from "./vms";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["security-groups"];

function view(g: SecurityGroupTable): SecurityGroup {
  return {
    id: g.id,
    name: g.name,
    tenantId: g.tenantId,
    description: g.description,
    rules: JSON.parse(g.rules) as SecurityGroupRule[],
    version: g.version,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

async function loadGroup(db: Kysely<Database>, p: Principal, id: string): Promise<SecurityGroupTable> {
  let q = db.selectFrom("securityGroups").selectAll().where("id", "=", id);
  if (p.kind === "tenant") q = q.where("tenantId", "=", p.tenantId);
  const g = await q.executeTakeFirst();
  if (!g) throw NotFoundError.of("security group", id);
  return g;
}

/** The model's rules, then: every group source is one of the tenant's groups (or the group itself). */
async function checkRules(
  trx: Kysely<Database>,
  tenantId: string,
  selfId: string,
  rules: readonly SecurityGroupRule[],
): Promise<void> {
  const problems = securityGroupModel.rules!({ rules }, KNOWN);
  if (problems.length > 0) throw ValidationError.fields(problems);
  const named = [...new Set(rules.map((r) => r.source).filter((s) => s.startsWith("sg_") && s !== selfId))];
  if (named.length === 0) return;
  const found = await trx
    .selectFrom("securityGroups")
    .select("id")
    .where("id", "in", named)
    .where("tenantId", "=", tenantId)
    .execute();
  const i = rules.findIndex((r) => named.includes(r.source) && !found.some((f) => f.id === r.source));
  if (i >= 0)
    throw ValidationError.field(`/rules/${i}/source`, `security group ${rules[i]!.source} does not exist`);
}

export function securityGroupRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/security-groups",
    {
      schema: {
        tags,
        body: SecurityGroupCreate,
        querystring: Type.Object({ tenant: Type.Optional(Id) }, Strict),
        response: { 201: SecurityGroup },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as SecurityGroupCreate;
      const problems = securityGroupModel.rules!(body, KNOWN);
      if (problems.length > 0) throw ValidationError.fields(problems);
      const tenantId = tenantFor(req, p);
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const t = await trx.selectFrom("tenants").select("id").where("id", "=", tenantId).executeTakeFirst();
        if (!t) throw ValidationError.field("query:tenant", `tenant ${tenantId} does not exist`);
        const id = newId("sg");
        const rules = body.rules ?? [];
        await checkRules(trx, tenantId, id, rules);
        const dup = await trx
          .selectFrom("securityGroups")
          .select("id")
          .where("tenantId", "=", tenantId)
          .where("name", "=", body.name)
          .executeTakeFirst();
        if (dup) throw new ConflictError(`security group ${body.name} already exists (${dup.id})`);
        const now = nowIso();
        const row: SecurityGroupTable = {
          id,
          name: body.name,
          tenantId,
          description: body.description ?? "",
          rules: JSON.stringify(rules),
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("securityGroups").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "security-group",
          objectId: id,
          kind: "created",
        });
        return { status: 201, body: view(row) };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/security-groups",
    {
      schema: {
        tags,
        querystring: Type.Composite([ListQuery, Type.Object({ tenant: Type.Optional(Id) })], Strict),
        response: { 200: ListOf(SecurityGroup) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as { limit?: number; cursor?: string; tenant?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("securityGroups")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      const tenant = p.kind === "tenant" ? p.tenantId : q.tenant;
      if (tenant) query = query.where("tenantId", "=", tenant);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(view), nextCursor };
    },
  );

  app.get(
    "/security-groups/:id",
    { schema: { tags, params: Params, response: { 200: SecurityGroup } } },
    async (req, reply) =>
      withEtag(reply, view(await loadGroup(db, principalOf(req), (req.params as { id: string }).id))),
  );

  app.patch(
    "/security-groups/:id",
    { schema: { tags, params: Params, body: SecurityGroupUpdate, response: { 200: SecurityGroup } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const body = req.body as SecurityGroupUpdate;
      let wake: string[] = [];
      const updated = await db.transaction().execute(async (trx) => {
        const g = await loadGroup(trx, p, id);
        checkIfMatch(req, g.version);
        if (body.rules) await checkRules(trx, g.tenantId, id, body.rules);
        const next: SecurityGroupTable = {
          ...g,
          description: body.description ?? g.description,
          rules: body.rules ? JSON.stringify(body.rules) : g.rules,
          version: g.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("securityGroups").set(next).where("id", "=", id).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "security-group",
          objectId: id,
          kind: "updated",
        });
        if (next.rules !== g.rules) wake = await queueNicUpdates(trx, ctx.secrets, [id], "rules");
        return view(next);
      });
      for (const r of wake) ctx.tasks.notify(r);
      return withEtag(reply, updated);
    },
  );

  app.delete("/security-groups/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const g = await loadGroup(trx, p, id);
      checkIfMatch(req, g.version);
      const users = await trx
        .selectFrom("nicGroups")
        .innerJoin("vms", "vms.id", "nicGroups.vmId")
        .select("vms.name as name")
        .distinct()
        .where("nicGroups.groupId", "=", id)
        .execute();
      if (users.length > 0)
        throw new ConflictError(
          `security group ${g.name} is attached to ${users.length} VM(s): ${users.map((u) => u.name).join(", ")}`,
        );
      const others = await trx
        .selectFrom("securityGroups")
        .select(["id", "name", "rules"])
        .where("tenantId", "=", g.tenantId)
        .where("id", "!=", id)
        .execute();
      const referrer = others.find((o) =>
        (JSON.parse(o.rules) as SecurityGroupRule[]).some((r) => r.source === id),
      );
      if (referrer)
        throw new ConflictError(
          `security group ${g.name} is a source in the rules of ${referrer.name} (${referrer.id})`,
        );
      await trx.deleteFrom("securityGroups").where("id", "=", id).execute();
      await appendEvent(trx, {
        actor: actorOf(p),
        objectType: "security-group",
        objectId: id,
        kind: "deleted",
      });
    });
    return reply.code(204).send();
  });
}
