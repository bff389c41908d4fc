import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Vm, VmCreate, VmStatus, VmUpdate } from "../../../sdk/schema/vm";
import { actorOf, type Principal } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, readIdempotencyKey } from "../idempotency";
import type { Database, VmTable } from "../store/database";
import { visiblePool } from "./pools";

type Row = VmTable & { dnsDomain: string | null };

export function vmView(v: Row): Vm {
  return {
    id: v.id,
    name: v.name,
    tenantId: v.tenantId,
    poolId: v.poolId,
    hostId: v.hostId,
    regionId: v.regionId,
    image: v.image,
    cores: v.cores,
    memoryMiB: v.memoryMib,
    diskGiB: v.diskGib,
    antiAffinityGroup: v.antiAffinityGroup,
    spread: v.spread as Vm["spread"],
    description: v.description,
    powerState: v.powerState as Vm["powerState"],
    status: v.status as Vm["status"],
    statusReason: v.statusReason,
    ip: v.ip,
    fqdn: v.dnsDomain ? `${v.name}.${v.dnsDomain}` : null,
    lastSeen: v.lastSeen,
    version: v.version,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}

function selectVms(db: Kysely<Database>) {
  return db
    .selectFrom("vms")
    .leftJoin("regions", "regions.id", "vms.regionId")
    .selectAll("vms")
    .select("regions.dnsDomain as dnsDomain");
}

/** Tenants see only their own VMs: another tenant's VM is "not found", never "forbidden". */
async function loadVm(db: Kysely<Database>, p: Principal, id: string): Promise<Row> {
  let q = selectVms(db).where("vms.id", "=", id);
  if (p.kind === "tenant") q = q.where("vms.tenantId", "=", p.tenantId);
  const v = await q.executeTakeFirst();
  if (!v) throw NotFoundError.of("VM", id);
  return v;
}

/** The tenant a request acts for: its own, or for an operator the `tenant` query parameter. */
function tenantFor(req: FastifyRequest, p: Principal): string {
  if (p.kind === "tenant") return p.tenantId;
  const t = (req.query as { tenant?: string }).tenant;
  if (!t)
    throw ValidationError.field("query:tenant", "is required when an operator creates a VM for a tenant");
  return t;
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["vms"];

export function vmRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/vms",
    {
      schema: {
        tags,
        body: VmCreate,
        querystring: Type.Object({ tenant: Type.Optional(Id) }, Strict),
        response: { 201: Vm },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as VmCreate;
      const tenantId = tenantFor(req, p);
      const res = await idempotent(
        db,
        {
          principal: p.keyId,
          key: readIdempotencyKey(req.headers["idempotency-key"]),
          method: "POST",
          path: req.url,
          body,
        },
        async (trx) => {
          const t = await trx
            .selectFrom("tenants")
            .select("id")
            .where("id", "=", tenantId)
            .executeTakeFirst();
          if (!t) throw ValidationError.field("query:tenant", `tenant ${tenantId} does not exist`);
          await visiblePool(trx, p, body.poolId).catch(() => {
            throw ValidationError.field(
              "/poolId",
              `pool ${body.poolId} does not exist or is not granted to you`,
            );
          });
          if (body.regionId) {
            const r = await trx
              .selectFrom("regions")
              .select("id")
              .where("id", "=", body.regionId)
              .executeTakeFirst();
            if (!r) throw ValidationError.field("/regionId", `region ${body.regionId} does not exist`);
          }
          const now = nowIso();
          const row: VmTable = {
            id: newId("vm"),
            name: body.name,
            tenantId,
            poolId: body.poolId,
            hostId: null,
            regionId: body.regionId ?? null,
            image: body.image,
            cores: body.cores,
            memoryMib: body.memoryMiB,
            diskGib: body.diskGiB,
            antiAffinityGroup: body.antiAffinityGroup ?? null,
            spread: body.antiAffinityGroup ? (body.spread ?? "host") : null,
            description: body.description ?? "",
            powerState: body.powerState ?? "on",
            status: "Pending",
            statusReason: "waiting for placement",
            ip: null,
            userDataSecret: body.userData === undefined ? null : ctx.secrets.seal(body.userData),
            sshKeys: JSON.stringify(body.sshKeys ?? []),
            lastSeen: null,
            version: 1,
            createdAt: now,
            updatedAt: now,
          };
          await trx.insertInto("vms").values(row).execute();
          await appendEvent(trx, {
            actor: actorOf(p),
            objectType: "vm",
            objectId: row.id,
            kind: "created",
            to: "Pending",
          });
          return { status: 201, body: vmView(await loadVm(trx, p, row.id)) };
        },
      );
      ctx.dnsChanged();
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/vms",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [
            ListQuery,
            Type.Object({
              pool: Type.Optional(Id),
              host: Type.Optional(Id),
              region: Type.Optional(Id),
              status: Type.Optional(VmStatus),
              owner: Type.Optional(Id),
            }),
          ],
          Strict,
        ),
        response: { 200: ListOf(Vm) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as {
        limit?: number;
        cursor?: string;
        pool?: string;
        host?: string;
        region?: string;
        status?: string;
        owner?: string;
      };
      const limit = q.limit ?? 100;
      let query = selectVms(db)
        .orderBy("vms.id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("vms.id", ">", q.cursor);
      if (p.kind === "tenant") query = query.where("vms.tenantId", "=", p.tenantId);
      else if (q.owner) query = query.where("vms.tenantId", "=", q.owner);
      if (q.pool) query = query.where("vms.poolId", "=", q.pool);
      if (q.host) query = query.where("vms.hostId", "=", q.host);
      if (q.region) query = query.where("vms.regionId", "=", q.region);
      if (q.status) query = query.where("vms.status", "=", q.status);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: items.map(vmView), nextCursor };
    },
  );

  app.get("/vms/:id", { schema: { tags, params: Params, response: { 200: Vm } } }, async (req, reply) =>
    withEtag(reply, vmView(await loadVm(db, principalOf(req), (req.params as { id: string }).id))),
  );

  app.patch(
    "/vms/:id",
    { schema: { tags, params: Params, body: VmUpdate, response: { 200: Vm } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof VmUpdate>;
      const updated = await db.transaction().execute(async (trx) => {
        const v = await loadVm(trx, p, id);
        checkIfMatch(req, v.version);
        if (body.diskGiB !== undefined && body.diskGiB < v.diskGib) {
          throw ValidationError.field(
            "/diskGiB",
            `cannot shrink a disk (${v.diskGib} → ${body.diskGiB} GiB); replace the VM`,
          );
        }
        const set: Partial<VmTable> = {
          cores: body.cores ?? v.cores,
          memoryMib: body.memoryMiB ?? v.memoryMib,
          diskGib: body.diskGiB ?? v.diskGib,
          description: body.description ?? v.description,
          powerState: body.powerState ?? v.powerState,
          version: v.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("vms").set(set).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "vm", objectId: id, kind: "updated" });
        return loadVm(trx, p, id);
      });
      return withEtag(reply, vmView(updated));
    },
  );

  app.delete("/vms/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const v = await loadVm(trx, p, id);
      checkIfMatch(req, v.version);
      await trx.deleteFrom("vms").where("id", "=", id).execute();
      await appendEvent(trx, {
        actor: actorOf(p),
        objectType: "vm",
        objectId: id,
        kind: "deleted",
        from: v.status,
      });
    });
    ctx.dnsChanged();
    return reply.code(204).send();
  });
}
