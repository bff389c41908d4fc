/**
 * A sensor reading ⇄ its machine_sensors row. Pure. Each threshold has its own nullable column
 * (null: the BMC does not report it), named as in the API.
 */
import type { Selectable } from "kysely";
import type { SensorReading, SensorThresholds } from "../../sdk/schema/machine";
import type { SensorTable } from "./store/database";

export const THRESHOLD_COLUMNS = [
  "lowerNonRecoverable",
  "lowerCritical",
  "lowerNonCritical",
  "upperNonCritical",
  "upperCritical",
  "upperNonRecoverable",
] as const satisfies readonly (keyof SensorThresholds & keyof SensorTable)[];

type Row = Selectable<SensorTable>;

export function sensorRow(machineId: string, s: SensorReading, at: string): Row {
  const row: Row = {
    machineId,
    name: s.name,
    kind: s.kind,
    value: s.value,
    unit: s.unit,
    status: s.status,
    at,
    lowerNonRecoverable: null,
    lowerCritical: null,
    lowerNonCritical: null,
    upperNonCritical: null,
    upperCritical: null,
    upperNonRecoverable: null,
  };
  for (const c of THRESHOLD_COLUMNS) row[c] = s.thresholds?.[c] ?? null;
  return row;
}

export function sensorReading(row: Row): SensorReading {
  const thresholds: SensorThresholds = {};
  for (const c of THRESHOLD_COLUMNS) {
    const v = row[c];
    if (v !== null && v !== undefined) thresholds[c] = v;
  }
  return {
    name: row.name,
    kind: row.kind,
    value: row.value,
    unit: row.unit,
    status: row.status as SensorReading["status"],
    ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}),
  };
}
