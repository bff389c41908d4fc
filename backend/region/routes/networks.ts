/**
 * /networks (issue #11): tenant networks. A tenant key makes and sees its own and the
 * operators' shared ones (another tenant's is 404); an operator makes shared ones, or one for
 * a tenant with `?tenant=`. The VNI comes from a counter that only goes up (never reused) and
 * is UNIQUE in the store; a network VMs still use cannot be deleted.
 */
import { checkQuota } from "../quota-check";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { type Kysely, sql } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { parseCidr } from "../../../sdk/model/ipv4";
import { networkModel } from "../../../sdk/model/network";
import { KNOWN } from "../../../sdk/model/resource-model";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import type { TenantVlans } from "../../../sdk/schema/fabric";
import { Network, NetworkCreate, NetworkUpdate } from "../../../sdk/schema/network";
import { actorOf, type Principal } from "../auth";
import { checkIfMatch, nowIso, page, parseJson, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import {
  assignableCount,
  defaultGateway,
  overlaps,
  pickSubnet,
  pickVlan,
  TENANT_SUPERNET,
} from "../ipam/addresses";
import { nextCounter } from "../ipam/allocate";
import { segmentOf } from "../network-payloads";
import type { Database, NetworkTable } from "../store/database";
import { tenantFor } from "./vms";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["networks"];

async function networkViews(db: Kysely<Database>, rows: readonly NetworkTable[]): Promise<Network[]> {
  if (rows.length === 0) return [];
  const used = await db
    .selectFrom("nics")
    .select((eb) => ["networkId", eb.fn.countAll<number>().as("n")])
    .where(
      "networkId",
      "in",
      rows.map((r) => r.id),
    )
    .groupBy("networkId")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    tenantId: r.tenantId,
    shared: r.shared === 1,
    cidr: r.cidr,
    prefixLength: parseCidr(r.cidr).prefix,
    gateway: r.gateway,
    dns: JSON.parse(r.dns) as string[],
    description: r.description,
    segment: segmentOf(r),
    vni: r.vni,
    fabricId: r.fabricId,
    used: Number(used.find((u) => u.networkId === r.id)?.n ?? 0),
    capacity: assignableCount(r.cidr, r.gateway),
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

/** A network the principal may see (its own or a shared one); `write`: may change (its own; shared: operators). */
async function loadNetwork(
  db: Kysely<Database>,
  p: Principal,
  id: string,
  write: boolean,
): Promise<NetworkTable> {
  const n = await db.selectFrom("networks").selectAll().where("id", "=", id).executeTakeFirst();
  if (!n) throw NotFoundError.of("network", id);
  if (p.kind === "tenant" && n.tenantId !== p.tenantId) {
    if (n.shared !== 1) throw NotFoundError.of("network", id);
    if (write)
      throw new ConflictError(`network ${n.name} is shared by the operators; only they can change it`);
  }
  return n;
}

/** The lowest free tenant VLAN of a fabric; 400 when the fabric has none configured, 409 when all are used. */
async function freeVlan(trx: Kysely<Database>, fabricId: string): Promise<number> {
  const f = await trx
    .selectFrom("fabrics")
    .select(["name", "tenantVlans"])
    .where("id", "=", fabricId)
    .executeTakeFirst();
  if (!f) throw ValidationError.field("/fabricId", `fabric ${fabricId} does not exist`);
  const range = parseJson<TenantVlans>(f.tenantVlans);
  if (!range)
    throw ValidationError.field(
      "/fabricId",
      `fabric ${f.name} has no tenantVlans: its tenant networks are VXLAN; leave fabricId out`,
    );
  const taken = await trx.selectFrom("networks").select("vlanId").where("fabricId", "=", fabricId).execute();
  const vlan = pickVlan(
    range,
    taken.map((t) => Number(t.vlanId)),
  );
  if (vlan === undefined)
    throw new ConflictError(
      `fabricId: every tenant VLAN of fabric ${f.name} (${range.first}-${range.last}) is in use`,
      "NO_CAPACITY",
    );
  return vlan;
}

export function networkRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/networks",
    {
      schema: {
        tags,
        body: NetworkCreate,
        querystring: Type.Object({ tenant: Type.Optional(Id) }, Strict),
        response: { 201: Network },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as NetworkCreate;
      const problems = networkModel.rules!(body, KNOWN);
      if (problems.length > 0) throw ValidationError.fields(problems);
      if (body.shared && p.kind !== "admin")
        throw ValidationError.field("/shared", "only operators make shared networks");
      const tenantId = body.shared ? null : tenantFor(req, p);
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        if (tenantId) {
          const t = await trx
            .selectFrom("tenants")
            .select("id")
            .where("id", "=", tenantId)
            .executeTakeFirst();
          if (!t) throw ValidationError.field("query:tenant", `tenant ${tenantId} does not exist`);
        }
        // Locked first: on PostgreSQL the counter row serialises network creates, so the overlap
        // and VLAN checks below see every committed network; SQLite serialises writers anyway.
        if (ctx.store.dialect === "postgres")
          await sql`select value from counters where name = 'vni' for update`.execute(trx);
        if (tenantId) await checkQuota(trx, tenantId, null, { networks: 1 });
        const segment = body.fabricId
          ? { vni: null, fabricId: body.fabricId, vlanId: await freeVlan(trx, body.fabricId) }
          : { vni: await nextCounter(trx, "vni"), fabricId: null, vlanId: null };
        let q = trx.selectFrom("networks").select(["id", "name", "cidr", "tenantId"]);
        q = tenantId
          ? q.where((eb) => eb.or([eb("tenantId", "=", tenantId), eb("shared", "=", 1)]))
          : q.where("shared", "=", 1);
        const existing = await q.execute();
        const dup = existing.find((n) => n.name === body.name && n.tenantId === tenantId);
        if (dup) throw new ConflictError(`network ${body.name} already exists (${dup.id})`);
        let cidr = body.cidr;
        if (cidr === undefined) {
          cidr = pickSubnet(
            TENANT_SUPERNET,
            body.prefixLength!,
            existing.map((n) => n.cidr),
          );
          if (!cidr)
            throw new ConflictError(
              `prefixLength: no free /${body.prefixLength} is left in ${TENANT_SUPERNET} beside your ${existing.length} network(s)`,
              "NO_CAPACITY",
            );
        } else {
          const clash = existing.find((n) => overlaps(n.cidr, cidr!));
          if (clash)
            throw ValidationError.field(
              "/cidr",
              `overlaps network ${clash.name} (${clash.id}, ${clash.cidr})`,
            );
        }
        const now = nowIso();
        const row: NetworkTable = {
          id: newId("net"),
          name: body.name,
          tenantId,
          shared: body.shared ? 1 : 0,
          cidr,
          gateway: body.gateway ?? defaultGateway(cidr),
          dns: JSON.stringify(body.dns ?? []),
          description: body.description ?? "",
          ...segment,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("networks").values(row).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "network",
          objectId: row.id,
          kind: "created",
          reason: `${cidr}, ${segment.vlanId !== null ? `VLAN ${segment.vlanId}` : `VNI ${segment.vni}`}`,
        });
        return { status: 201, body: (await networkViews(trx, [row]))[0]! };
      });
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/networks",
    {
      schema: {
        tags,
        querystring: Type.Composite([ListQuery, Type.Object({ tenant: Type.Optional(Id) })], Strict),
        response: { 200: ListOf(Network) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as { limit?: number; cursor?: string; tenant?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("networks")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      const tenant = p.kind === "tenant" ? p.tenantId : q.tenant;
      if (tenant) query = query.where((eb) => eb.or([eb("tenantId", "=", tenant), eb("shared", "=", 1)]));
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: await networkViews(db, items), nextCursor };
    },
  );

  app.get(
    "/networks/:id",
    { schema: { tags, params: Params, response: { 200: Network } } },
    async (req, reply) => {
      const n = await loadNetwork(db, principalOf(req), (req.params as { id: string }).id, false);
      return withEtag(reply, (await networkViews(db, [n]))[0]!);
    },
  );

  app.patch(
    "/networks/:id",
    { schema: { tags, params: Params, body: NetworkUpdate, response: { 200: Network } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const body = req.body as NetworkUpdate;
      const view = await db.transaction().execute(async (trx) => {
        const n = await loadNetwork(trx, p, id, true);
        checkIfMatch(req, n.version);
        const next: NetworkTable = {
          ...n,
          dns: body.dns ? JSON.stringify(body.dns) : n.dns,
          description: body.description ?? n.description,
          version: n.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("networks").set(next).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "network", objectId: id, kind: "updated" });
        return (await networkViews(trx, [next]))[0]!;
      });
      return withEtag(reply, view);
    },
  );

  app.delete("/networks/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      if (ctx.store.dialect === "postgres")
        await sql`select id from networks where id = ${id} for update`.execute(trx);
      const n = await loadNetwork(trx, p, id, true);
      checkIfMatch(req, n.version);
      // VMs being deleted still hold their addresses until their racks confirm.
      const users = await trx
        .selectFrom("nics")
        .innerJoin("vms", "vms.id", "nics.vmId")
        .select("vms.name as name")
        .where("nics.networkId", "=", id)
        .execute();
      if (users.length > 0) {
        throw new ConflictError(
          `network ${n.name} is used by ${users.length} VM NIC(s): ${users
            .slice(0, 10)
            .map((u) => u.name)
            .join(", ")}${users.length > 10 ? ", …" : ""}`,
        );
      }
      await trx.deleteFrom("networks").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "network", objectId: id, kind: "deleted" });
    });
    return reply.code(204).send();
  });
}
