/**
 * What a finished task means for the region's objects: each kind's success and failure turn
 * into machine transitions, VM statuses and capacity changes, in the transaction that closes
 * the task. Capacity is given back only once the rack confirms a VM is gone, so a crash at any
 * point can never double-book a host.
 */
import type { Kysely } from "kysely";
import type { CommissioningReport, HealthReport } from "../../sdk/schema/rack-agent";
import type { Inventory } from "../../sdk/schema/machine";
import { nowIso } from "./context";
import { appendEvent } from "./events";
import { computeHealth } from "./health";
import { sensorRow } from "./sensor-rows";
import { applyImportOutcome } from "./image-imports";
import { type RackResult, transition } from "../../sdk/model/machine-lifecycle";
import { releaseVmNetworking } from "./network-updates";
import type { Database, TaskTable } from "./store/database";
import { SNAPSHOT_BACKUP_KINDS, applySnapshotBackupOutcome, dropVmSnapshots } from "./snapshot-effects";
import type { Clock } from "./clock";
import { meterVm } from "./usage-meter";
import type { SecretBox } from "./store/secret-box";

export interface Outcome {
  ok: boolean;
  result: Record<string, unknown>;
  error?: { code: string; message: string };
}

type Trx = Kysely<Database>;

async function machineResult(
  trx: Trx,
  t: TaskTable,
  action: RackResult,
  reason: string,
  set: Record<string, unknown> = {},
) {
  const m = await trx.selectFrom("machines").selectAll().where("id", "=", t.objectId).executeTakeFirst();
  if (!m) return; // removed meanwhile
  const tr = transition(m.status as never, action);
  const now = nowIso();
  if (!tr.ok) {
    // The operator moved the machine on (abort, mark-broken): the late result is only logged.
    await appendEvent(trx, {
      actor: `rack:${t.rackId}`,
      objectType: "machine",
      objectId: m.id,
      kind: "late-result",
      reason: `${action}: ${reason}`,
    });
    return;
  }
  await trx
    .updateTable("machines")
    .set({
      ...set,
      status: tr.to,
      statusReason: reason,
      statusChangedAt: now,
      version: m.version + 1,
      updatedAt: now,
    })
    .where("id", "=", m.id)
    .execute();
  await appendEvent(trx, {
    actor: `rack:${t.rackId}`,
    objectType: "machine",
    objectId: m.id,
    kind: "transition",
    from: m.status,
    to: tr.to,
    reason,
  });
}

export async function storeHealth(trx: Trx, machineId: string, report: HealthReport): Promise<void> {
  const at = nowIso();
  const previous = await trx
    .selectFrom("machineSensors")
    .select(["name", "status"])
    .where("machineId", "=", machineId)
    .execute();
  await trx.deleteFrom("machineSensors").where("machineId", "=", machineId).execute();
  if (report.sensors.length > 0) {
    await trx
      .insertInto("machineSensors")
      .values(report.sensors.map((s) => sensorRow(machineId, s, at)))
      .onConflict((oc) => oc.columns(["machineId", "name"]).doNothing())
      .execute();
  }
  for (const e of report.sel) {
    await trx
      .insertInto("machineSel")
      .values({
        machineId,
        selId: e.id,
        at: e.at,
        sensor: e.sensor,
        description: e.description,
        severity: e.severity,
      })
      .onConflict((oc) => oc.columns(["machineId", "selId"]).doNothing())
      .execute();
  }
  const sel = await trx.selectFrom("machineSel").selectAll().where("machineId", "=", machineId).execute();
  const health = computeHealth(
    report.sensors,
    sel.map((e) => ({
      id: e.selId,
      at: e.at,
      sensor: e.sensor,
      description: e.description,
      severity: e.severity as never,
    })),
    at,
  );
  const m = await trx
    .selectFrom("machines")
    .select(["health", "version"])
    .where("id", "=", machineId)
    .executeTakeFirst();
  if (!m) return;
  const before = (JSON.parse(m.health) as { status: string }).status;
  await trx
    .updateTable("machines")
    .set((eb) => ({
      health: JSON.stringify(health),
      ...(report.powerState ? { powerState: report.powerState, powerError: null } : {}),
      version: eb("version", "+", 1),
    }))
    .where("id", "=", machineId)
    .execute();
  // A sensor leaving or entering its thresholds is news even when the SEL keeps the machine's
  // overall health where it was (a recovered fan beside a logged critical event).
  const was = new Map(previous.map((p) => [p.name, p.status]));
  for (const s of report.sensors) {
    const from = was.get(s.name);
    if (from === undefined || from === s.status) continue;
    await appendEvent(trx, {
      actor: "region",
      objectType: "machine",
      objectId: machineId,
      kind: "sensor",
      from,
      to: s.status,
      reason: `${s.name}: ${s.value ?? "?"} ${s.unit}`.trim(),
    });
  }
  if (before !== health.status) {
    await appendEvent(trx, {
      actor: "region",
      objectType: "machine",
      objectId: machineId,
      kind: "health",
      from: before,
      to: health.status,
      reason: health.reasons.join("; "),
    });
  }
}

async function vmSet(
  trx: Trx,
  id: string,
  set: Record<string, unknown>,
  kind: string,
  reason: string,
  to?: string,
) {
  const v = await trx.selectFrom("vms").select(["status", "version"]).where("id", "=", id).executeTakeFirst();
  if (!v) return;
  await trx
    .updateTable("vms")
    .set({
      ...set,
      ...(to ? { status: to } : {}),
      statusReason: reason,
      version: v.version + 1,
      updatedAt: nowIso(),
    })
    .where("id", "=", id)
    .execute();
  await appendEvent(trx, {
    actor: "region",
    objectType: "vm",
    objectId: id,
    kind,
    from: v.status,
    to: to ?? v.status,
    reason,
  });
}

/** What an outcome may need beyond the store: the task sealer, the metering clock, and the racks to wake afterwards. */
export interface EffectEnv {
  secrets: SecretBox;
  clock: Clock;
  wake: string[];
}

/**
 * Applies a finished task; returns whether DNS-visible data changed. A VM's confirmed change
 * is metered in the same transaction, at the env clock's time.
 */
export async function applyOutcome(trx: Trx, t: TaskTable, o: Outcome, env: EffectEnv): Promise<boolean> {
  const dns = await applyEffects(trx, t, o, env);
  // A reconcile fails the VMs whose domains went missing: their billing changes too.
  const missing = (o.result.diff as { missingDomains?: { id: string }[] } | undefined)?.missingDomains ?? [];
  const vms = t.kind.startsWith("vm.")
    ? [t.objectId]
    : t.kind === "host.reconcile"
      ? missing.map((m) => m.id)
      : [];
  for (const id of vms) await meterVm(trx, id, env.clock.now());
  return dns;
}

async function applyEffects(trx: Trx, t: TaskTable, o: Outcome, env: EffectEnv): Promise<boolean> {
  const why = o.error ? `${o.error.code}: ${o.error.message}` : "";
  const r = o.result;
  if (SNAPSHOT_BACKUP_KINDS.includes(t.kind)) {
    await applySnapshotBackupOutcome(trx, t, o);
    return false;
  }
  switch (t.kind) {
    case "power": {
      await trx
        .updateTable("machines")
        .set((eb) => ({
          ...(o.ok
            ? { powerState: String(r.powerState ?? "unknown"), powerError: null }
            : { powerState: "error", powerError: why }),
          version: eb("version", "+", 1),
        }))
        .where("id", "=", t.objectId)
        .execute();
      await appendEvent(trx, {
        actor: `rack:${t.rackId}`,
        objectType: "machine",
        objectId: t.objectId,
        kind: o.ok ? "power" : "power-failed",
        reason: o.ok ? `power ${String(r.action ?? "")} → ${String(r.powerState ?? "unknown")}` : why,
      });
      return false;
    }
    case "health":
      if (o.ok) await storeHealth(trx, t.objectId, r as unknown as HealthReport);
      else {
        await trx
          .updateTable("machines")
          .set((eb) => ({ powerState: "error", powerError: why, version: eb("version", "+", 1) }))
          .where("id", "=", t.objectId)
          .execute();
      }
      return false;
    case "commission":
      if (o.ok) {
        const rep = r as unknown as CommissioningReport;
        const failed = rep.tests.filter((x) => !x.passed);
        if (failed.length > 0) {
          await machineResult(
            trx,
            t,
            "commission-failed",
            `hardware tests failed: ${failed.map((x) => `${x.name}: ${x.detail}`).join("; ")}`,
            {
              inventory: JSON.stringify(rep.inventory),
            },
          );
        } else {
          await machineResult(trx, t, "commissioned", "commissioning passed", {
            inventory: JSON.stringify(rep.inventory satisfies Inventory),
            powerState: "off",
          });
        }
      } else await machineResult(trx, t, "commission-failed", why);
      return false;
    case "deploy":
      if (o.ok) {
        await machineResult(trx, t, "deployed", "deployed", {
          ...(typeof r.ip === "string" ? { ip: r.ip } : {}),
          ...(r.vmHostConfig ? { vmHostConfig: JSON.stringify(r.vmHostConfig) } : {}),
          powerState: "on",
        });
      } else await machineResult(trx, t, "deploy-failed", why);
      return true;
    case "release":
      if (o.ok) await machineResult(trx, t, "released", "released", { ip: null, powerState: "off" });
      else await machineResult(trx, t, "release-failed", why);
      return true;
    case "vm.create":
      if (o.ok) {
        const v = await trx
          .selectFrom("vms")
          .select(["powerState", "networks"])
          .where("id", "=", t.objectId)
          .executeTakeFirst();
        const on = v?.powerState !== "off";
        // On tenant networks the address is IPAM's (set at create); the host's report is for bridge NICs.
        const ipam = v !== undefined && v.networks !== "[]";
        await vmSet(
          trx,
          t.objectId,
          { ...(ipam ? {} : { ip: typeof r.ip === "string" ? r.ip : null }), lastSeen: nowIso() },
          "created",
          "created on its host",
          on ? "Running" : "Stopped",
        );
      } else {
        // The rack undid every step it made: give the capacity back, keep the record to show why.
        await vmSet(trx, t.objectId, { hostId: null }, "create-failed", why, "Failed");
      }
      return true;
    case "vm.update":
    case "vm.power": {
      const v = await trx
        .selectFrom("vms")
        .select("powerState")
        .where("id", "=", t.objectId)
        .executeTakeFirst();
      const to = v?.powerState === "off" ? "Stopped" : "Running";
      if (o.ok)
        await vmSet(
          trx,
          t.objectId,
          {},
          t.kind,
          t.kind === "vm.update" ? `resized (${String(r.applied ?? "live")})` : "power changed",
          to,
        );
      else await vmSet(trx, t.objectId, {}, `${t.kind}-failed`, why, "Failed");
      return false;
    }
    case "vm.delete":
      if (o.ok) {
        // Only now, with the domain confirmed gone, may its addresses go to another VM.
        env.wake.push(...(await releaseVmNetworking(trx, env.secrets, t.objectId)));
        await trx.deleteFrom("vms").where("id", "=", t.objectId).execute();
        await dropVmSnapshots(trx, t.objectId);
        await appendEvent(trx, {
          actor: `rack:${t.rackId}`,
          objectType: "vm",
          objectId: t.objectId,
          kind: "deleted",
          from: "Deleting",
        });
      } else await vmSet(trx, t.objectId, {}, "delete-failed", why, "Failed");
      return true;
    case "image.import":
      await applyImportOutcome(trx, t.id, o);
      return false;
    case "vm.network":
    case "host.networks":
      // Nothing to change in the store (the payload was the store's state); a failure is shown.
      await appendEvent(trx, {
        actor: `rack:${t.rackId}`,
        objectType: t.kind === "vm.network" ? "vm" : "machine",
        objectId: t.objectId,
        kind: o.ok ? t.kind : `${t.kind}-failed`,
        reason: o.ok ? "tenant networking applied" : why,
      });
      return false;
    case "host.reconcile": {
      if (!o.ok) {
        await appendEvent(trx, {
          actor: `rack:${t.rackId}`,
          objectType: "machine",
          objectId: t.objectId,
          kind: "reconcile-failed",
          reason: why,
        });
        return false;
      }
      const diff = (r.diff ?? {}) as {
        missingDomains?: { id: string }[];
        orphanDomains?: { name: string }[];
        orphanVolumes?: { name: string }[];
      };
      if (r.unreachable) {
        await appendEvent(trx, {
          actor: `rack:${t.rackId}`,
          objectType: "machine",
          objectId: t.objectId,
          kind: "reconcile-unreachable",
          reason: String(r.message ?? ""),
        });
        return false;
      }
      for (const m of diff.missingDomains ?? []) {
        await vmSet(
          trx,
          m.id,
          {},
          "missing",
          "its domain is missing on the host (found by reconcile)",
          "Failed",
        );
      }
      const cleaned = [...(diff.orphanDomains ?? []), ...(diff.orphanVolumes ?? [])].map((x) => x.name);
      await appendEvent(trx, {
        actor: `rack:${t.rackId}`,
        objectType: "machine",
        objectId: t.objectId,
        kind: "reconciled",
        reason: `missing ${diff.missingDomains?.length ?? 0}; orphans ${cleaned.length ? cleaned.join(", ") : "none"}`,
      });
      return (diff.missingDomains?.length ?? 0) > 0;
    }
    case "vm.console":
      // The console sessions write their own events (routes/vm-console.ts).
      return false;
    default:
      await appendEvent(trx, {
        actor: `rack:${t.rackId}`,
        objectType: "machine",
        objectId: t.objectId,
        kind: t.kind,
        reason: o.ok ? JSON.stringify(r).slice(0, 4000) : why,
      });
      return false;
  }
}
