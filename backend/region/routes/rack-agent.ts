/**
 * The rack controller's side of the region (sdk/schema/rack-agent.ts describes the protocol):
 * heartbeat → boot config, claim tasks (long poll, leased), report results and health.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ConflictError, ForbiddenError, NotFoundError } from "../../../sdk/errors";
import { Id, Strict } from "../../../sdk/schema/common";
import {
  ClaimRequest,
  HealthReport,
  Heartbeat,
  RackConfig,
  Task,
  TaskResult,
} from "../../../sdk/schema/rack-agent";
import { nowIso, principalOf, type RegionContext } from "../context";
import { appendEvent } from "../events";
import { objectTypeOfId } from "../ids";
import { claimTasks, DEFAULT_LEASE_MS } from "../tasks";
import { refreshNetworkPayload } from "../network-payloads";
import { applyOutcome, storeHealth } from "../task-effects";
import { queueImportsForHost } from "../image-imports";
import { reconcileExpectations } from "../reconcile-expectations";
import { pruneBackups, recordTaskProgress } from "../snapshot-effects";

export const HEARTBEAT_INTERVAL_MS = 10_000;
const tags = ["rack-agent"];

function rackOf(req: Parameters<typeof principalOf>[0]): string {
  const p = principalOf(req);
  if (p.kind !== "rack") throw new ForbiddenError("rack token required");
  return p.rackId;
}

const BOOT: Record<string, "commission" | "deploy" | "local" | "none"> = {
  Commissioning: "commission",
  Deploying: "deploy",
  Deployed: "local",
  Releasing: "local",
  Rescue: "commission",
};

export function rackAgentRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  async function config(rackId: string): Promise<Static<typeof RackConfig>> {
    const r = await db
      .selectFrom("racks")
      .innerJoin("regions", "regions.id", "racks.regionId")
      .selectAll("racks")
      .select("regions.dnsDomain as dnsDomain")
      .where("racks.id", "=", rackId)
      .executeTakeFirstOrThrow();
    const machines = await db
      .selectFrom("machines")
      .select(["id", "hostname", "macs", "ip", "status"])
      .where("rackId", "=", rackId)
      .orderBy("hostname")
      .execute();
    return {
      rackId,
      regionId: r.regionId,
      dnsDomain: r.dnsDomain,
      subnet: r.subnet,
      gateway: r.gateway,
      dhcpRange: { start: r.dhcpStart, end: r.dhcpEnd },
      machines: machines.map((m) => ({
        id: m.id,
        hostname: m.hostname,
        macs: JSON.parse(m.macs) as string[],
        ip: m.ip,
        status: m.status,
        boot: BOOT[m.status] ?? "none",
      })),
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    };
  }

  app.post(
    "/rack-agent/heartbeat",
    { schema: { tags, body: Heartbeat, response: { 200: RackConfig } } },
    async (req) => {
      const rackId = rackOf(req);
      const body = req.body as Static<typeof Heartbeat>;
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        const r = await trx
          .selectFrom("racks")
          .select(["status", "version"])
          .where("id", "=", rackId)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable("racks")
          .set({
            status: "Online",
            lastHeartbeat: now,
            ...(r.status !== "Online" ? { version: r.version + 1, updatedAt: now } : {}),
          })
          .where("id", "=", rackId)
          .execute();
        if (r.status !== "Online") {
          await appendEvent(trx, {
            actor: `rack:${rackId}`,
            objectType: "rack",
            objectId: rackId,
            kind: "transition",
            from: r.status,
            to: "Online",
            reason: `agent ${body.version} on ${body.hostname}`,
          });
        }
      });
      return config(rackId);
    },
  );

  app.post(
    "/rack-agent/tasks/claim",
    { schema: { tags, body: ClaimRequest, response: { 200: Type.Object({ tasks: Type.Array(Task) }) } } },
    async (req) => {
      const rackId = rackOf(req);
      const body = (req.body ?? {}) as Static<typeof ClaimRequest>;
      const deadline = Date.now() + (body.waitMs ?? 0);
      // A long poll holds a connection: bounded per rack like every long-lived stream.
      const release = ctx.connections.acquire(principalOf(req).keyId, "task long polls");
      try {
        for (;;) {
          // A rack that hung up must not be leased work it will never see.
          if (req.raw.socket?.destroyed) return { tasks: [] };
          const claimed = await claimTasks(
            db,
            ctx.store.dialect,
            ctx.secrets,
            rackId,
            body.max ?? 10,
            DEFAULT_LEASE_MS,
          );
          if (claimed.length > 0 || Date.now() >= deadline) {
            for (const c of claimed) {
              // The expectations as of now, not as of queueing: VMs may have come since.
              if (c.row.kind === "host.reconcile") {
                Object.assign(c.payload, await reconcileExpectations(db, c.row.objectId));
              }
              await refreshNetworkPayload(db, c.row.kind, c.row.objectId, c.payload);
            }
            return {
              tasks: claimed.map((c) => ({
                id: c.row.id,
                kind: c.row.kind as Static<typeof Task>["kind"],
                objectId: c.row.objectId,
                attempt: c.row.attempt,
                leaseUntil: c.row.leaseUntil!,
                payload: c.payload,
              })),
            };
          }
          // Woken by new work here, or every second for work queued by another replica.
          await ctx.tasks.wait(rackId, Math.min(1000, deadline - Date.now()));
        }
      } finally {
        release();
      }
    },
  );

  app.post(
    "/rack-agent/tasks/:id/result",
    {
      schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 32 }) }, Strict), body: TaskResult },
    },
    async (req, reply) => {
      const rackId = rackOf(req);
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof TaskResult>;
      let wake: string[] = [];
      const dnsChanged = await db.transaction().execute(async (trx) => {
        const t = await trx.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
        if (!t || t.rackId !== rackId) throw NotFoundError.of("task", id);
        if (t.status !== "running")
          throw new ConflictError(`task ${id} is ${t.status}, not running (lease expired?)`);
        if (body.progress !== undefined && body.result === undefined && body.error === undefined) {
          await trx
            .updateTable("tasks")
            .set({ leaseUntil: new Date(Date.now() + DEFAULT_LEASE_MS).toISOString(), updatedAt: nowIso() })
            .where("id", "=", id)
            .execute();
          await appendEvent(trx, {
            actor: `rack:${rackId}`,
            objectType: objectTypeOfId(t.objectId),
            objectId: t.objectId,
            kind: "progress",
            reason: body.progress,
          });
          await recordTaskProgress(trx, t, body.progress);
          return false;
        }
        const error = body.ok
          ? undefined
          : (body.error ?? { code: "FAILED", message: "the rack reported a failure" });
        await trx
          .updateTable("tasks")
          .set({
            status: body.ok ? "done" : "failed",
            leaseUntil: null,
            result: JSON.stringify(body.result ?? {}),
            error: error ? JSON.stringify(error) : null,
            updatedAt: nowIso(),
          })
          .where("id", "=", id)
          .execute();
        const env = { secrets: ctx.secrets, clock: ctx.clock, wake: [] as string[] };
        const dns = await applyOutcome(
          trx,
          t,
          { ok: body.ok, result: body.result ?? {}, ...(error ? { error } : {}) },
          env,
        );
        wake = env.wake;
        // A machine deployed as a VM host gets the catalogue's images (a no-op for other deploys).
        if (t.kind === "deploy" && body.ok)
          wake.push(...(await queueImportsForHost(trx, ctx.secrets, t.objectId)));
        if (t.kind === "backup.create" && body.ok) wake.push(...(await pruneBackups(trx, ctx.secrets, t)));
        return dns;
      });
      if (dnsChanged) ctx.dnsChanged();
      for (const rack of wake) ctx.tasks.notify(rack);
      return reply.code(204).send();
    },
  );

  app.post(
    "/rack-agent/machines/:id/health",
    { schema: { tags, params: Type.Object({ id: Id }, Strict), body: HealthReport } },
    async (req, reply) => {
      const rackId = rackOf(req);
      const { id } = req.params as { id: string };
      await db.transaction().execute(async (trx) => {
        const m = await trx.selectFrom("machines").select("rackId").where("id", "=", id).executeTakeFirst();
        if (!m || m.rackId !== rackId) throw NotFoundError.of("machine", id);
        await storeHealth(trx, id, req.body as Static<typeof HealthReport>);
      });
      return reply.code(204).send();
    },
  );
}
