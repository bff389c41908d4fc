/**
 * A sensor reading's state for people: ok / non-critical / critical (or unknown), and which
 * threshold the value is beyond. Pure; the web console and the CLI show the same words.
 *
 * The state follows the region's status (the BMC's own comparison bits, hysteresis included,
 * when it gave them): warning is "non-critical", critical covers critical and non-recoverable.
 * The threshold named is the most severe one the value has reached (lower: value ≤ threshold,
 * upper: value ≥ threshold, as the BMC compares, IPMI spec 35.14 byte 4).
 */
import type { SensorReading, SensorThresholds } from "./schema/machine";

export type SensorState = "ok" | "non-critical" | "critical" | "unknown";

export interface ThresholdInfo {
  key: keyof SensorThresholds;
  /** ipmitool's and FreeIPMI's abbreviation. */
  short: string;
  label: string;
  side: "lower" | "upper";
  severity: "non-critical" | "critical" | "non-recoverable";
}

/** From the farthest below to the farthest above: the order of ipmitool's `sensor` columns. */
export const THRESHOLDS: readonly ThresholdInfo[] = [
  {
    key: "lowerNonRecoverable",
    short: "LNR",
    label: "lower non-recoverable",
    side: "lower",
    severity: "non-recoverable",
  },
  { key: "lowerCritical", short: "LC", label: "lower critical", side: "lower", severity: "critical" },
  {
    key: "lowerNonCritical",
    short: "LNC",
    label: "lower non-critical",
    side: "lower",
    severity: "non-critical",
  },
  {
    key: "upperNonCritical",
    short: "UNC",
    label: "upper non-critical",
    side: "upper",
    severity: "non-critical",
  },
  { key: "upperCritical", short: "UC", label: "upper critical", side: "upper", severity: "critical" },
  {
    key: "upperNonRecoverable",
    short: "UNR",
    label: "upper non-recoverable",
    side: "upper",
    severity: "non-recoverable",
  },
];

const STATE: Record<SensorReading["status"], SensorState> = {
  ok: "ok",
  warning: "non-critical",
  critical: "critical",
  unknown: "unknown",
};
const RANK = { "non-critical": 1, critical: 2, "non-recoverable": 3 } as const;

/** The most severe threshold `value` has reached, if any. */
export function crossedThreshold(s: Pick<SensorReading, "value" | "thresholds">): ThresholdInfo | undefined {
  const { value, thresholds } = s;
  if (value === null || !thresholds) return undefined;
  let worst: ThresholdInfo | undefined;
  for (const t of THRESHOLDS) {
    const limit = thresholds[t.key];
    if (limit === undefined) continue;
    const reached = t.side === "lower" ? value <= limit : value >= limit;
    if (reached && (!worst || RANK[t.severity] > RANK[worst.severity])) worst = t;
  }
  return worst;
}

export function sensorState(s: SensorReading): { state: SensorState; crossed?: ThresholdInfo } {
  const state = STATE[s.status];
  const crossed = state === "ok" || state === "unknown" ? undefined : crossedThreshold(s);
  return crossed ? { state, crossed } : { state };
}

/** "critical (upper critical 90 degrees C)" — the state in words, for a cell or a screen reader. */
export function describeSensorState(s: SensorReading): string {
  const { state, crossed } = sensorState(s);
  if (!crossed) return state;
  const limit = `${s.thresholds?.[crossed.key]} ${s.unit}`.trim();
  return `${state} (${crossed.side === "lower" ? "at or below" : "at or above"} ${crossed.label} ${limit})`;
}
