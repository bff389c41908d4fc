/**
 * The region's watchdog (one pass every few seconds; idempotent, so replicas may all run it):
 * - tasks whose lease expired (the rack died mid-task) are queued again, or failed after
 *   their last attempt, with the failure applied like a rack-reported one;
 * - machines stuck in Commissioning/Deploying/Releasing past the timeout fail with a reason;
 * - racks silent for three heartbeats are marked Offline;
 * - machines with a BMC get a health poll queued every `healthEveryMs`.
 */
import type { Logger } from "pino";
import { nowIso, type RegionContext } from "./context";
import { appendEvent } from "./events";
import { BUSY_STATES, transition } from "../../sdk/model/machine-lifecycle";
import { powerWithSecret } from "./machine-work";
import { HEARTBEAT_INTERVAL_MS } from "./routes/rack-agent";
import { applyOutcome } from "./task-effects";
import { enqueueTask } from "./tasks";

export interface WatchdogOptions {
  intervalMs?: number;
  /** How long a machine may stay in a busy state (default 30 min, like MAAS's commissioning timeout). */
  busyTimeoutMs?: number;
  /** Health poll period for machines with an IPMI BMC (default 5 min; 0 = off). */
  healthEveryMs?: number;
  /** Reconcile period of VM hosts against libvirt (default 10 min; 0 = off). */
  reconcileEveryMs?: number;
}

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastHealth = 0;
  private lastReconcile = 0;

  constructor(
    private readonly ctx: RegionContext,
    private readonly opts: WatchdogOptions = {},
    private readonly log: Logger = ctx.log,
  ) {}

  start(): void {
    const every = this.opts.intervalMs ?? 5000;
    this.timer = setInterval(() => {
      this.running ??= this.pass()
        .catch((e) => this.log.error({ err: e }, "watchdog pass failed"))
        .finally(() => {
          this.running = undefined;
        });
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async pass(now = Date.now()): Promise<void> {
    const db = this.ctx.store.db;
    const iso = new Date(now).toISOString();
    let dns = false;

    const expired = await db
      .selectFrom("tasks")
      .selectAll()
      .where("status", "=", "running")
      .where("leaseUntil", "<", iso)
      .execute();
    for (const t of expired) {
      await db.transaction().execute(async (trx) => {
        const cur = await trx.selectFrom("tasks").select("status").where("id", "=", t.id).executeTakeFirst();
        if (cur?.status !== "running") return;
        if (t.attempt < t.maxAttempts) {
          await trx
            .updateTable("tasks")
            .set({ status: "queued", leaseUntil: null, updatedAt: nowIso() })
            .where("id", "=", t.id)
            .execute();
          return;
        }
        const error = {
          code: "RACK_LOST",
          message: `rack ${t.rackId} stopped reporting on this task (lease expired after attempt ${t.attempt})`,
        };
        await trx
          .updateTable("tasks")
          .set({ status: "failed", leaseUntil: null, error: JSON.stringify(error), updatedAt: nowIso() })
          .where("id", "=", t.id)
          .execute();
        dns =
          (await applyOutcome(
            trx,
            t,
            { ok: false, result: {}, error },
            { secrets: this.ctx.secrets, clock: this.ctx.clock, wake: [] },
          )) || dns;
      });
      this.ctx.tasks.notify(t.rackId);
    }

    const busyBefore = new Date(now - (this.opts.busyTimeoutMs ?? 30 * 60_000)).toISOString();
    const stuck = await db
      .selectFrom("machines")
      .select(["id", "status", "hostname"])
      .where("status", "in", [...BUSY_STATES])
      .where("statusChangedAt", "<", busyBefore)
      .execute();
    for (const m of stuck) {
      await db.transaction().execute(async (trx) => {
        const cur = await trx
          .selectFrom("machines")
          .select(["status", "version"])
          .where("id", "=", m.id)
          .executeTakeFirst();
        if (!cur || cur.status !== m.status) return;
        const tr = transition(m.status as never, "timeout");
        if (!tr.ok) return;
        const reason = `timed out in ${m.status} (no result from the rack within ${Math.round((this.opts.busyTimeoutMs ?? 1_800_000) / 1000)} s)`;
        await trx
          .updateTable("machines")
          .set({
            status: tr.to,
            statusReason: reason,
            statusChangedAt: iso,
            version: cur.version + 1,
            updatedAt: iso,
          })
          .where("id", "=", m.id)
          .execute();
        await trx
          .updateTable("tasks")
          .set({ status: "cancelled", updatedAt: iso })
          .where("objectId", "=", m.id)
          .where("status", "in", ["queued", "running"])
          .execute();
        await appendEvent(trx, {
          actor: "region:watchdog",
          objectType: "machine",
          objectId: m.id,
          kind: "transition",
          from: m.status,
          to: tr.to,
          reason,
        });
      });
    }

    const silentBefore = new Date(now - 3 * HEARTBEAT_INTERVAL_MS).toISOString();
    const silent = await db
      .selectFrom("racks")
      .select(["id", "version"])
      .where("status", "=", "Online")
      .where("lastHeartbeat", "<", silentBefore)
      .execute();
    for (const r of silent) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("racks")
          .set({ status: "Offline", version: r.version + 1, updatedAt: iso })
          .where("id", "=", r.id)
          .execute();
        await appendEvent(trx, {
          actor: "region:watchdog",
          objectType: "rack",
          objectId: r.id,
          kind: "transition",
          from: "Online",
          to: "Offline",
          reason: "no heartbeat",
        });
      });
    }

    const every = this.opts.healthEveryMs ?? 5 * 60_000;
    if (every > 0 && now - this.lastHealth >= every) {
      this.lastHealth = now;
      await this.queueHealthPolls();
    }
    const reconcileEvery = this.opts.reconcileEveryMs ?? 10 * 60_000;
    if (reconcileEvery > 0 && now - this.lastReconcile >= reconcileEvery) {
      this.lastReconcile = now;
      await this.queueReconciles();
    }
    if (dns) this.ctx.dnsChanged();
  }

  /**
   * One host.reconcile task per VM host on an online rack (unless one is pending); when a rack
   * claims it, it lists the VMs the region expects there, and the rack cleans orphans and
   * reports missing domains.
   */
  async queueReconciles(): Promise<void> {
    const db = this.ctx.store.db;
    const hosts = await db
      .selectFrom("machines")
      .innerJoin("racks", "racks.id", "machines.rackId")
      .select(["machines.id as id", "machines.rackId as rackId", "machines.vmHostConfig as vmHostConfig"])
      .where("racks.status", "=", "Online")
      .where("machines.vmHost", "=", 1)
      .where("machines.status", "=", "Deployed")
      .where("machines.vmHostConfig", "is not", null)
      .execute();
    for (const h of hosts) {
      await db.transaction().execute(async (trx) => {
        const pending = await trx
          .selectFrom("tasks")
          .select("id")
          .where("objectId", "=", h.id)
          .where("kind", "=", "host.reconcile")
          .where("status", "in", ["queued", "running"])
          .executeTakeFirst();
        if (pending) return;
        await enqueueTask(trx, this.ctx.secrets, {
          rackId: h.rackId,
          kind: "host.reconcile",
          objectId: h.id,
          maxAttempts: 1,
          // The VMs it expects are added when a rack claims it (routes/rack-agent.ts).
          payload: { host: JSON.parse(h.vmHostConfig!) },
        });
      });
      this.ctx.tasks.notify(h.rackId);
    }
  }

  /** One health task per machine with an IPMI BMC on an online rack, unless one is pending. */
  private async queueHealthPolls(): Promise<void> {
    const db = this.ctx.store.db;
    const machines = await db
      .selectFrom("machines")
      .innerJoin("racks", "racks.id", "machines.rackId")
      .selectAll("machines")
      .where("racks.status", "=", "Online")
      .where("machines.power", "like", '%"type":"ipmi"%')
      .execute();
    for (const m of machines) {
      await db.transaction().execute(async (trx) => {
        const pending = await trx
          .selectFrom("tasks")
          .select("id")
          .where("objectId", "=", m.id)
          .where("kind", "=", "health")
          .where("status", "in", ["queued", "running"])
          .executeTakeFirst();
        if (pending) return;
        await enqueueTask(trx, this.ctx.secrets, {
          rackId: m.rackId,
          kind: "health",
          objectId: m.id,
          payload: { machineId: m.id, action: "health", power: powerWithSecret(m, this.ctx.secrets) },
          maxAttempts: 1,
        });
      });
      this.ctx.tasks.notify(m.rackId);
    }
  }
}
