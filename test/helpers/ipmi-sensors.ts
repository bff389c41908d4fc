/**
 * FreeIPMI's `ipmi-sensors --output-sensor-thresholds` (IPMI 1.5 LAN, MD5) parsed: the
 * independent client whose thresholds ours must equal. Its CSV header, as FreeIPMI 1.6.10
 * prints it: "ID,Name,Type,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,
 * Event"; values with two decimals, "N/A" where a threshold is not readable. Which thresholds
 * it reads, and from where, is ipmi_sensors_get_thresholds in
 * ipmi-sensors/ipmi-sensors-output-common.c (chu11/freeipmi-mirror).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SensorThresholds } from "../../sdk/schema/machine";

export interface FreeIpmiSensor {
  name: string;
  reading: number | null;
  thresholds: SensorThresholds;
}

const COLUMNS: Record<string, keyof SensorThresholds> = {
  "Lower NR": "lowerNonRecoverable",
  "Lower C": "lowerCritical",
  "Lower NC": "lowerNonCritical",
  "Upper NC": "upperNonCritical",
  "Upper C": "upperCritical",
  "Upper NR": "upperNonRecoverable",
};

/** Two-decimal rounding of FreeIPMI's output. */
export const FREEIPMI_PRECISION = 0.005 + 1e-9;

export function parseIpmiSensorsCsv(out: string): Map<string, FreeIpmiSensor> {
  const [header, ...rows] = out.trim().split("\n");
  const cols = header!.split(",");
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`ipmi-sensors output has no ${name} column: ${header}`);
    return i;
  };
  const num = (s: string | undefined) => (s === undefined || s === "N/A" ? null : Number(s));
  const sensors = new Map<string, FreeIpmiSensor>();
  for (const row of rows) {
    const cells = row.split(",");
    const thresholds: SensorThresholds = {};
    for (const [col, key] of Object.entries(COLUMNS)) {
      const v = num(cells[at(col)]);
      if (v !== null) thresholds[key] = v;
    }
    const name = cells[at("Name")]!;
    sensors.set(name, { name, reading: num(cells[at("Reading")]), thresholds });
  }
  return sensors;
}

export function ipmiSensors(bmc: {
  host: string;
  port: number;
  user: string;
  password: string;
}): Promise<Map<string, FreeIpmiSensor>> {
  const cache = mkdtempSync(join(tmpdir(), "fibrix-sdr-cache-"));
  const args = [
    "-D",
    "LAN",
    "-a",
    "MD5",
    "-u",
    bmc.user,
    "-p",
    bmc.password,
    "-h",
    `${bmc.host}:${bmc.port}`,
  ];
  args.push("--output-sensor-thresholds", "--comma-separated-output", "--quiet-cache");
  args.push(`--sdr-cache-directory=${cache}`, "--session-timeout=5000");
  return new Promise((resolve, reject) => {
    execFile("ipmi-sensors", args, { timeout: 30_000 }, (err, stdout, stderr) => {
      rmSync(cache, { recursive: true, force: true });
      if (err) reject(new Error(`ipmi-sensors failed: ${err.message} ${stderr}`));
      else resolve(parseIpmiSensorsCsv(stdout));
    });
  });
}
