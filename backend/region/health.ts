/**
 * Hardware health of a machine from its BMC's sensors and event log (the brief's "checks of
 * the physical machines' state"). Pure: the worst sensor or SEL event decides, and every
 * reason is listed so an operator sees why a machine is marked unhealthy.
 */
import type { Health, SelEvent, SensorReading } from "../../sdk/schema/machine";

const RANK = { ok: 0, unknown: 0, warning: 1, critical: 2 } as const;

export function computeHealth(sensors: SensorReading[], sel: SelEvent[], at: string): Health {
  let worst: Health["status"] = sensors.length + sel.length === 0 ? "unknown" : "ok";
  const reasons: string[] = [];
  const raise = (s: "warning" | "critical", reason: string) => {
    reasons.push(reason);
    if (RANK[s] > RANK[worst]) worst = s;
  };
  for (const s of sensors) {
    if (s.status === "warning" || s.status === "critical") {
      raise(s.status, `${s.name} ${s.status}: ${s.value ?? "?"} ${s.unit}`.trim());
    }
  }
  for (const e of sel) {
    if (e.severity === "warning" || e.severity === "critical") {
      raise(e.severity, `SEL #${e.id} ${e.sensor}: ${e.description}`);
    }
  }
  return { status: worst, checkedAt: at, reasons };
}
