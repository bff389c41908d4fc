/**
 * BMC readings → the region's HealthReport. Pure.
 *
 * Sensors keep their name, unit and converted value; their kind follows the sensor type
 * (temperature, fan, voltage, current; discrete sensors are "discrete"), and a reading the BMC
 * could not give ("unavailable") is "unknown". Threshold sensors carry their readable
 * thresholds (sensor-thresholds.ts) under the API's names; sensors without any carry none.
 *
 * SEL severity follows the event (IPMI v1.5 §29.7 event message: event type, offset in the low
 * nibble of event data 1; deassertions are informational):
 * - threshold events (type 01h, table 36-2): critical or non-recoverable offsets are critical,
 *   non-critical offsets a warning;
 * - generic "severity" events (type 07h, table 36-2): to critical/non-recoverable → critical,
 *   to non-critical → warning;
 * - sensor-specific events (type 6Fh, table 36-3): processor IERR / thermal trip, power-supply
 *   failure, uncorrectable ECC → critical; predictive PSU failure, AC lost, correctable ECC,
 *   chassis intrusion, SEL full → warning;
 * - everything else (OEM records included) is informational.
 */
import type { HealthReport } from "../../sdk/schema/rack-agent";
import type { PowerState } from "../power/driver";
import type { SelEvent as DriverSelEvent } from "../power/ipmi15/sel-walk";
import type { ThresholdName, ThresholdValues } from "../power/ipmi15/sensor-thresholds";
import type { SensorValue } from "../power/ipmi15/sensor-walk";

type Reading = HealthReport["sensors"][number];
type Sel = HealthReport["sel"][number];
export type Severity = Sel["severity"];

/** The region's limits (sdk/schema/rack-agent.ts HealthReport). */
export const MAX_SENSORS = 512;
export const MAX_SEL = 4096;

const KIND: Record<string, string> = {
  Temperature: "temperature",
  Fan: "fan",
  Voltage: "voltage",
  Current: "current",
};

type ApiThresholds = NonNullable<Reading["thresholds"]>;

/** IPMI's threshold names → the API's. */
export const THRESHOLD_NAMES: Readonly<Record<ThresholdName, keyof ApiThresholds>> = {
  lnr: "lowerNonRecoverable",
  lc: "lowerCritical",
  lnc: "lowerNonCritical",
  unc: "upperNonCritical",
  uc: "upperCritical",
  unr: "upperNonRecoverable",
};

export function toThresholds(t: ThresholdValues | undefined): ApiThresholds | undefined {
  const out: ApiThresholds = {};
  for (const [name, value] of Object.entries(t ?? {}) as [ThresholdName, number][]) {
    if (Number.isFinite(value)) out[THRESHOLD_NAMES[name]] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function toReading(s: SensorValue): Reading {
  const thresholds = s.kind === "threshold" ? toThresholds(s.thresholds) : undefined;
  return {
    name: s.name,
    kind: s.kind === "discrete" ? "discrete" : (KIND[s.type] ?? s.type.toLowerCase()),
    value: s.value !== undefined && Number.isFinite(s.value) ? s.value : null,
    unit: s.unit ?? "",
    status: s.status === "unavailable" ? "unknown" : s.status,
    ...(thresholds ? { thresholds } : {}),
  };
}

const THRESHOLD_CRITICAL = new Set([0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b]);
const THRESHOLD_WARNING = new Set([0x00, 0x01, 0x06, 0x07]);
const SEVERITY_CRITICAL = new Set([0x02, 0x03, 0x05, 0x06]);
const SEVERITY_WARNING = new Set([0x01, 0x04]);

/** Sensor-specific offsets (table 36-3) by sensor type: [critical offsets, warning offsets]. */
const SPECIFIC: Record<number, [number[], number[]]> = {
  5: [[], [0x00, 0x01, 0x02, 0x03, 0x04]], // physical security: chassis intrusion …
  7: [[0x00, 0x01], []], // processor: IERR, thermal trip
  8: [[0x01], [0x02, 0x03]], // power supply: failure; predictive failure, AC lost
  12: [[0x01], [0x00]], // memory: uncorrectable ECC; correctable ECC
  16: [[], [0x04]], // event logging: SEL full
};

export function severityOf(e: DriverSelEvent): Severity {
  const r = e.record;
  if (r.kind !== "system" || r.deassertion) return "info";
  const offset = r.eventData[0] & 0x0f;
  const type = r.eventType & 0x7f;
  if (type === 0x01) {
    if (THRESHOLD_CRITICAL.has(offset)) return "critical";
    return THRESHOLD_WARNING.has(offset) ? "warning" : "info";
  }
  if (type === 0x07) {
    if (SEVERITY_CRITICAL.has(offset)) return "critical";
    return SEVERITY_WARNING.has(offset) ? "warning" : "info";
  }
  if (type === 0x6f) {
    const s = SPECIFIC[r.sensorType];
    if (s?.[0].includes(offset)) return "critical";
    if (s?.[1].includes(offset)) return "warning";
  }
  return "info";
}

/** `names`: sensor number → SDR name, so an event names the sensor an operator knows. */
export function toSel(e: DriverSelEvent, names: ReadonlyMap<number, string> = new Map()): Sel {
  const named = e.sensorNumber !== undefined ? names.get(e.sensorNumber) : undefined;
  return {
    id: e.recordId,
    at: e.date ?? null,
    sensor: named ?? e.sensorType ?? "OEM",
    description: e.description,
    severity: severityOf(e),
  };
}

export function toHealthReport(
  powerState: PowerState,
  sensors: readonly SensorValue[],
  sel: readonly DriverSelEvent[],
): HealthReport {
  const names = new Map(sensors.map((s) => [s.number, s.name]));
  return {
    powerState,
    sensors: sensors.slice(0, MAX_SENSORS).map(toReading),
    // The newest entries matter most when a BMC's log is longer than the region keeps.
    sel: sel.slice(-MAX_SEL).map((e) => toSel(e, names)),
  };
}
