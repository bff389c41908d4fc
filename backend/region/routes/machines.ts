import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict, StringEnum, Tag } from "../../../sdk/schema/common";
import {
  type DeployTarget,
  Health,
  Machine,
  MachineAction,
  MachineActionBody,
  MachineCreate,
  MachineStatus,
  MachineUpdate,
  type PowerParameters,
  type VmHostConfig,
  SelEvent,
  SensorReading,
} from "../../../sdk/schema/machine";
import type { Static } from "@sinclair/typebox";
import { actorOf, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, parseJson, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import {
  IN_USE_STATES,
  isOperatorAction,
  removalStep,
  transition,
} from "../../../sdk/model/machine-lifecycle";
import { machineModel } from "../../../sdk/model/machine";
import { KNOWN } from "../../../sdk/model/resource-model";
import { powerWithSecret, workForStatus } from "../machine-work";
import { sensorReading } from "../sensor-rows";
import { cancelQueued, enqueueTask } from "../tasks";
import { ListCache } from "../list-cache";
import { ViewCache } from "../view-cache";
import type { Database, MachineTable } from "../store/database";
import type { SecretBox } from "../store/secret-box";

type Row = MachineTable & { regionId: string; dnsDomain: string };

export function machineView(m: Row): Machine {
  const power = JSON.parse(m.power) as Omit<PowerParameters, "password">;
  return {
    id: m.id,
    hostname: m.hostname,
    fqdn: `${m.hostname}.${m.dnsDomain}`,
    rackId: m.rackId,
    regionId: m.regionId,
    macs: JSON.parse(m.macs) as string[],
    power: { ...power, passwordSet: m.powerSecret !== null },
    poolId: m.poolId,
    tags: JSON.parse(m.tags) as string[],
    description: m.description,
    deploy: parseJson<Static<typeof DeployTarget>>(m.deploy),
    vmHost: m.vmHost === 1,
    vmHostConfig: parseJson<VmHostConfig>(m.vmHostConfig),
    status: m.status as Machine["status"],
    statusReason: m.statusReason,
    powerState: m.powerState as Machine["powerState"],
    powerError: m.powerError,
    inventory: parseJson(m.inventory),
    health: JSON.parse(m.health) as Machine["health"],
    ip: m.ip,
    version: m.version,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

function selectMachines(db: Kysely<Database>) {
  return db
    .selectFrom("machines")
    .innerJoin("racks", "racks.id", "machines.rackId")
    .innerJoin("regions", "regions.id", "racks.regionId")
    .selectAll("machines")
    .select(["racks.regionId as regionId", "regions.dnsDomain as dnsDomain"]);
}

export async function loadMachine(db: Kysely<Database>, id: string): Promise<Row> {
  const m = await selectMachines(db).where("machines.id", "=", id).executeTakeFirst();
  if (!m) throw NotFoundError.of("machine", id);
  return m;
}

/** Splits the password off the power parameters: it is stored sealed, never in clear. */
function sealPower(secrets: SecretBox, power: PowerParameters): { power: string; secret: string | null } {
  const { password, ...rest } = power;
  return { power: JSON.stringify(rest), secret: password === undefined ? null : secrets.seal(password) };
}

function sealDeploy(secrets: SecretBox, d: Static<typeof DeployTarget> | null | undefined) {
  if (!d) return { deploy: null, secret: null };
  const { userData, ...rest } = d;
  return { deploy: JSON.stringify(rest), secret: userData === undefined ? null : secrets.seal(userData) };
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["machines"];
const PowerRequest = Type.Object(
  {
    action: StringEnum(["on", "off", "cycle", "reset", "soft", "query", "bootdev", "health"] as const),
    device: Type.Optional(StringEnum(["pxe", "disk"] as const)),
    persistent: Type.Optional(Type.Boolean()),
  },
  Strict,
);
/** A task as operators see it: never its payload (it carries secrets). */
const TaskView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  objectId: Type.String(),
  rackId: Type.String(),
  status: Type.String(),
  attempt: Type.Integer(),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const HealthView = Type.Object({
  health: Health,
  sensors: Type.Array(SensorReading),
  sel: Type.Array(SelEvent),
});

export function machineRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;
  const views = new ViewCache();
  const lists = new ListCache();

  async function checkRefs(trx: Kysely<Database>, body: { rackId?: string; poolId?: string | null }) {
    if (body.rackId) {
      const r = await trx.selectFrom("racks").select("id").where("id", "=", body.rackId).executeTakeFirst();
      if (!r) throw ValidationError.field("/rackId", `rack ${body.rackId} does not exist`);
    }
    if (body.poolId) {
      const p = await trx.selectFrom("pools").select("id").where("id", "=", body.poolId).executeTakeFirst();
      if (!p) throw ValidationError.field("/poolId", `pool ${body.poolId} does not exist`);
    }
  }

  app.post(
    "/machines",
    { schema: { tags, body: MachineCreate, response: { 201: Machine } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as MachineCreate;
      const errors = machineModel.rules!(body, KNOWN);
      if (errors.length > 0) throw ValidationError.fields(errors);
      const macs = body.macs.map((m) => m.toLowerCase());
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        await checkRefs(trx, body);
        const taken = await trx
          .selectFrom("machineMacs")
          .selectAll()
          .where("mac", "in", macs)
          .executeTakeFirst();
        if (taken) throw new ConflictError(`MAC ${taken.mac} already belongs to machine ${taken.machineId}`);
        const power = sealPower(ctx.secrets, body.power);
        const deploy = sealDeploy(ctx.secrets, body.deploy);
        const now = nowIso();
        const id = newId("mch");
        let status: Machine["status"] = "New";
        const row: MachineTable = {
          id,
          hostname: body.hostname,
          rackId: body.rackId,
          macs: JSON.stringify(macs),
          power: power.power,
          powerSecret: power.secret,
          poolId: body.poolId ?? null,
          tags: JSON.stringify(body.tags ?? []),
          description: body.description ?? "",
          deploy: deploy.deploy,
          deploySecret: deploy.secret,
          vmHost: body.vmHost ? 1 : 0,
          vmHostConfig: body.vmHostConfig ? JSON.stringify(body.vmHostConfig) : null,
          status,
          statusReason: "enlisted",
          statusChangedAt: now,
          rescueFrom: null,
          powerState: "unknown",
          powerError: null,
          inventory: null,
          health: JSON.stringify({ status: "unknown", checkedAt: null, reasons: [] }),
          ip: null,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        const actor = actorOf(p);
        await trx.insertInto("machines").values(row).execute();
        await trx
          .insertInto("machineMacs")
          .values(macs.map((mac) => ({ mac, machineId: id })))
          .execute();
        await appendEvent(trx, { actor, objectType: "machine", objectId: id, kind: "enlisted", to: "New" });
        if (body.commission !== false) {
          status = "Commissioning";
          await trx
            .updateTable("machines")
            .set({ status, statusReason: "commissioning requested at enlistment", version: 2 })
            .where("id", "=", id)
            .execute();
          await appendEvent(trx, {
            actor,
            objectType: "machine",
            objectId: id,
            kind: "transition",
            from: "New",
            to: status,
            reason: "commission",
          });
          await enqueueTask(trx, ctx.secrets, workForStatus(row, status, ctx.secrets)!);
        }
        return { status: 201, body: machineView(await loadMachine(trx, id)) };
      });
      ctx.dnsChanged();
      ctx.tasks.notify(res.body.rackId);
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/machines",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [
            ListQuery,
            Type.Object({
              region: Type.Optional(Id),
              rack: Type.Optional(Id),
              pool: Type.Optional(Id),
              status: Type.Optional(MachineStatus),
              tag: Type.Optional(Tag),
              vmHost: Type.Optional(Type.Boolean()),
            }),
          ],
          Strict,
        ),
        response: { 200: ListOf(Machine) },
      },
    },
    async (req, reply) => {
      requireAdmin(principalOf(req));
      const q = req.query as {
        limit?: number;
        cursor?: string;
        region?: string;
        rack?: string;
        pool?: string;
        status?: string;
        tag?: string;
        vmHost?: boolean;
      };
      const limit = q.limit ?? 100;
      // Index-only on machines_id_version (migration 0004). Every machine has a rack (NOT NULL,
      // foreign key), so racks is joined only to filter by region.
      let query = db
        .selectFrom("machines")
        .select(["machines.id as id", "machines.version as version"])
        .orderBy("machines.id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("machines.id", ">", q.cursor);
      if (q.region) {
        const region = q.region;
        query = query.where("machines.rackId", "in", (eb) =>
          eb.selectFrom("racks").select("racks.id").where("racks.regionId", "=", region),
        );
      }
      if (q.rack) query = query.where("machines.rackId", "=", q.rack);
      if (q.pool) query = query.where("machines.poolId", "=", q.pool);
      if (q.status) query = query.where("machines.status", "=", q.status);
      if (q.tag) query = query.where("machines.tags", "like", `%${JSON.stringify(q.tag)}%`);
      if (q.vmHost !== undefined) query = query.where("machines.vmHost", "=", q.vmHost ? 1 : 0);
      const { items, nextCursor } = page(await query.execute(), limit);
      const key = JSON.stringify([limit, q.cursor, q.region, q.rack, q.pool, q.status, q.tag, q.vmHost]);
      const cached = lists.get(key, items, nextCursor);
      if (cached) return reply.type("application/json").send(cached);
      const stale = views.stale(items);
      for (let i = 0; i < stale.length; i += 500) {
        for (const m of await selectMachines(db)
          .where("machines.id", "in", stale.slice(i, i + 500))
          .execute()) {
          views.put(m.id, m.version, machineView(m));
        }
      }
      const { json, complete } = views.listJson(
        items.map((k) => k.id),
        nextCursor,
      );
      // Sent as bytes: fastify neither serialises nor re-encodes them.
      const body = Buffer.from(json);
      if (complete) lists.put(key, items, nextCursor, body);
      return reply.type("application/json").send(body);
    },
  );

  app.get(
    "/machines/:id",
    { schema: { tags, params: Params, response: { 200: Machine } } },
    async (req, reply) => {
      requireAdmin(principalOf(req));
      return withEtag(reply, machineView(await loadMachine(db, (req.params as { id: string }).id)));
    },
  );

  app.patch(
    "/machines/:id",
    { schema: { tags, params: Params, body: MachineUpdate, response: { 200: Machine } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as MachineUpdate;
      const updated = await db.transaction().execute(async (trx) => {
        const m = await loadMachine(trx, id);
        checkIfMatch(req, m.version);
        // Same power type and no new password: the stored one is kept (below), so it counts.
        const samePowerType = body.power?.type === (JSON.parse(m.power) as PowerParameters).type;
        const vmHost = body.vmHost ?? m.vmHost === 1;
        const poolId = body.poolId === undefined ? m.poolId : body.poolId;
        // The rules judge the machine as it would be after this update.
        const errors = machineModel.rules!(
          { macs: JSON.parse(m.macs) as string[], power: body.power, vmHost, poolId },
          { ...KNOWN, passwordStored: samePowerType && m.powerSecret !== null },
        );
        if (errors.length > 0) throw ValidationError.fields(errors);
        await checkRefs(trx, { poolId });
        if (poolId !== m.poolId && m.poolId) {
          const vms = await trx.selectFrom("vms").select("id").where("hostId", "=", id).limit(1).execute();
          if (vms.length > 0)
            throw new ConflictError("machine hosts VMs; move or delete them before changing its pool");
        }
        const set: Partial<MachineTable> = {
          poolId,
          vmHost: vmHost ? 1 : 0,
          ...(body.vmHostConfig !== undefined
            ? { vmHostConfig: body.vmHostConfig ? JSON.stringify(body.vmHostConfig) : null }
            : {}),
          tags: body.tags ? JSON.stringify(body.tags) : m.tags,
          description: body.description ?? m.description,
          version: m.version + 1,
          updatedAt: nowIso(),
        };
        if (body.power) {
          const sealed = sealPower(ctx.secrets, body.power);
          set.power = sealed.power;
          set.powerSecret = sealed.secret ?? (samePowerType ? m.powerSecret : null);
        }
        if (body.deploy !== undefined) {
          const d = sealDeploy(ctx.secrets, body.deploy);
          set.deploy = d.deploy;
          set.deploySecret = d.secret;
        }
        await trx.updateTable("machines").set(set).where("id", "=", id).execute();
        await appendEvent(trx, { actor: actorOf(p), objectType: "machine", objectId: id, kind: "updated" });
        return loadMachine(trx, id);
      });
      return withEtag(reply, machineView(updated));
    },
  );

  app.post(
    "/machines/:id/actions/:action",
    {
      schema: {
        tags,
        params: Type.Object({ id: Id, action: MachineAction }, Strict),
        body: MachineActionBody,
        response: { 200: Machine },
      },
      // The body is optional: `POST …/actions/abort` with nothing is fine.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id, action } = req.params as { id: string; action: string };
      const body = req.body as Static<typeof MachineActionBody>;
      if (!isOperatorAction(action))
        throw ValidationError.field("params:action", "is not an operator action");
      const m = await applyTransition(ctx, id, action, actorOf(p), body.reason ?? "", req, body.erase);
      ctx.dnsChanged();
      return withEtag(reply, machineView(m));
    },
  );

  app.get(
    "/machines/:id/health",
    { schema: { tags, params: Params, response: { 200: HealthView } } },
    async (req) => {
      requireAdmin(principalOf(req));
      const m = await loadMachine(db, (req.params as { id: string }).id);
      const sensors = await db
        .selectFrom("machineSensors")
        .selectAll()
        .where("machineId", "=", m.id)
        .orderBy("name")
        .execute();
      const sel = await db
        .selectFrom("machineSel")
        .selectAll()
        .where("machineId", "=", m.id)
        .orderBy("selId")
        .execute();
      return {
        health: JSON.parse(m.health) as Static<typeof Health>,
        sensors: sensors.map(sensorReading),
        sel: sel.map((e) => ({
          id: e.selId,
          at: e.at,
          sensor: e.sensor,
          description: e.description,
          severity: e.severity,
        })),
      };
    },
  );

  app.post(
    "/machines/:id/power",
    {
      schema: {
        tags,
        params: Params,
        body: PowerRequest,
        response: { 202: Type.Object({ taskId: Type.String() }) },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof PowerRequest>;
      if (body.action === "bootdev" && !body.device)
        throw ValidationError.field("/device", "is required for bootdev");
      const { taskId, rackId } = await db.transaction().execute(async (trx) => {
        const m = await loadMachine(trx, id);
        const kind = body.action === "health" ? "health" : "power";
        const taskId = await enqueueTask(trx, ctx.secrets, {
          rackId: m.rackId,
          kind,
          objectId: id,
          payload: { machineId: id, ...body, power: powerWithSecret(m, ctx.secrets) },
          maxAttempts: 1,
        });
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "machine",
          objectId: id,
          kind: `${kind}-requested`,
          reason: body.action,
        });
        return { taskId, rackId: m.rackId };
      });
      ctx.tasks.notify(rackId);
      return reply.code(202).send({ taskId });
    },
  );

  app.get(
    "/tasks/:id",
    {
      schema: {
        tags: ["tasks"],
        params: Type.Object({ id: Type.String({ maxLength: 32 }) }, Strict),
        response: { 200: TaskView },
      },
    },
    async (req) => {
      requireAdmin(principalOf(req));
      const { id } = req.params as { id: string };
      const t = await db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
      if (!t) throw NotFoundError.of("task", id);
      return {
        id: t.id,
        kind: t.kind,
        objectId: t.objectId,
        rackId: t.rackId,
        status: t.status,
        attempt: t.attempt,
        result: parseJson<Record<string, unknown>>(t.result),
        error: parseJson<{ code: string; message: string }>(t.error),
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
      };
    },
  );

  app.delete("/machines/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const m = await loadMachine(trx, id);
      checkIfMatch(req, m.version);
      if (IN_USE_STATES.includes(m.status as Machine["status"])) {
        const step = removalStep(m.status as Machine["status"]);
        const next = step.kind === "action" ? step.action : "wait";
        throw new ConflictError(
          `machine ${m.hostname} is ${m.status}; ${next === "wait" ? "wait for it to finish releasing" : `${next} it`} before removing it`,
          "ILLEGAL_TRANSITION",
          step.kind === "action" ? [step.action] : [],
        );
      }
      const vms = await trx.selectFrom("vms").select("id").where("hostId", "=", id).limit(1).execute();
      if (vms.length > 0) throw new ConflictError(`machine ${m.hostname} still hosts VMs`);
      await trx.deleteFrom("machineSensors").where("machineId", "=", id).execute();
      await trx.deleteFrom("machineSel").where("machineId", "=", id).execute();
      await trx.deleteFrom("machineMacs").where("machineId", "=", id).execute();
      await trx.deleteFrom("machines").where("id", "=", id).execute();
      await appendEvent(trx, {
        actor: actorOf(p),
        objectType: "machine",
        objectId: id,
        kind: "deleted",
        from: m.status,
      });
    });
    ctx.dnsChanged();
    return reply.code(204).send();
  });
}

/**
 * Applies one lifecycle action in a transaction, with its event. Used by the operator
 * actions above and by the rack's results.
 */
export async function applyTransition(
  ctx: RegionContext,
  id: string,
  action: Parameters<typeof transition>[1],
  actor: string,
  reason: string,
  req?: FastifyRequest,
  erase = false,
): Promise<Row> {
  const m = await ctx.store.db.transaction().execute(async (trx) => {
    const m = await loadMachine(trx, id);
    if (req) checkIfMatch(req, m.version);
    const from = m.status as Machine["status"];
    const t = transition(from, action, (m.rescueFrom ?? undefined) as Machine["status"] | undefined);
    if (!t.ok) {
      const allowed = t.allowed.filter(isOperatorAction);
      throw new ConflictError(
        `cannot ${action} machine ${m.hostname}: it is ${from}; allowed: ${allowed.join(", ") || "none"}`,
        "ILLEGAL_TRANSITION",
        allowed,
      );
    }
    if (action === "deploy" && !m.deploy && m.vmHost !== 1) {
      throw ValidationError.field("/deploy", "set a deploy target (image) or vmHost before deploying");
    }
    if (action === "release" || action === "mark-broken") {
      const vms = await trx.selectFrom("vms").select("id").where("hostId", "=", id).limit(1).execute();
      if (vms.length > 0)
        throw new ConflictError(`machine ${m.hostname} still hosts VMs; delete or move them first`);
    }
    const now = nowIso();
    await trx
      .updateTable("machines")
      .set({
        status: t.to,
        statusReason: reason || action,
        statusChangedAt: now,
        rescueFrom: action === "rescue" ? from : t.to === "Rescue" ? m.rescueFrom : null,
        version: m.version + 1,
        updatedAt: now,
      })
      .where("id", "=", id)
      .execute();
    await appendEvent(trx, {
      actor,
      objectType: "machine",
      objectId: id,
      kind: "transition",
      from,
      to: t.to,
      reason: reason || action,
    });
    // Work already queued for the old state is moot (abort, mark-broken, a new commission).
    await cancelQueued(trx, id);
    const work = workForStatus(m, t.to, ctx.secrets, erase);
    if (work) await enqueueTask(trx, ctx.secrets, work);
    return loadMachine(trx, id);
  });
  ctx.tasks.notify(m.rackId);
  return m;
}
