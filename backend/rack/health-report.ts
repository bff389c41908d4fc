/**
 * BMC readings → the region's HealthReport (pure). SEL severity follows the event type
 * (IPMI v1.5 §29.7, table 36-3): threshold events at a critical or non-recoverable offset are
 * critical, non-critical offsets a warning; power-supply failure and uncorrectable memory
 * errors are critical; deassertions and everything else are informational.
 */
import type { SelEvent as DriverSelEvent } from "../power/ipmi15/sel-walk";
import type { SensorValue } from "../power/ipmi15/sensor-walk";
import type { HealthReport } from "../../sdk/schema/rack-agent";

type Reading = HealthReport["sensors"][number];
type Sel = HealthReport["sel"][number];

const KIND: Record<string, string> = {
  Temperature: "temperature",
  Fan: "fan",
  Voltage: "voltage",
  Current: "current",
};

export function toReading(s: SensorValue): Reading {
  return {
    name: s.name,
    kind: s.kind === "discrete" ? "discrete" : (KIND[s.type] ?? s.type.toLowerCase()),
    value: s.value ?? null,
    unit: s.unit ?? "",
    status: s.status === "unavailable" ? "unknown" : s.status,
  };
}

const THRESHOLD_CRITICAL = new Set([0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b]);
const THRESHOLD_WARNING = new Set([0x00, 0x01, 0x06, 0x07]);

export function severityOf(e: DriverSelEvent): Sel["severity"] {
  const r = e.record;
  if (r.kind !== "system" || r.deassertion) return "info";
  const offset = r.eventData[0] & 0x0f;
  if (r.eventType === 0x01) {
    if (THRESHOLD_CRITICAL.has(offset)) return "critical";
    if (THRESHOLD_WARNING.has(offset)) return "warning";
    return "info";
  }
  if (r.eventType === 0x6f) {
    if (r.sensorType === 0x08 && offset === 0x01) return "critical"; // power supply failure detected
    if (r.sensorType === 0x0c && offset === 0x01) return "critical"; // uncorrectable ECC
    if (r.sensorType === 0x08 && offset === 0x03) return "warning"; // power supply AC lost
    if (r.sensorType === 0x05) return "warning"; // chassis intrusion
  }
  return "info";
}

export function toSel(e: DriverSelEvent): Sel {
  return {
    id: e.recordId,
    at: e.date ?? null,
    sensor: e.sensorType ?? "OEM",
    description: e.description,
    severity: severityOf(e),
  };
}
