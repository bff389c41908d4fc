/**
 * A threshold sensor's thresholds in units. Pure: where they come from and how they convert.
 *
 * Where (IPMI v1.5/2.0 full sensor record, spec 43.1): sensor capabilities bits 3:2 say
 * whether the sensor has thresholds (00b none), whether Get Sensor Thresholds (35.9) reads them
 * (01b readable, 10b readable and settable), or whether only the SDR's own threshold bytes
 * 37–42 hold them (11b fixed). Which of the six exist is the readable mask: SDR bytes 19–20 bits
 * 5:0 for the SDR's bytes, the response's byte 2 for the command's. A BMC that refuses the
 * command outright (C1h invalid command, C9h parameter out of range, FFh unspecified) still
 * has its SDR values; one that says the sensor has none (CBh not present, CDh illegal for this
 * sensor) has none. This is FreeIPMI's policy (ipmi-sensors/ipmi-sensors-output-common.c,
 * ipmi_sensors_get_thresholds, chu11/freeipmi-mirror), so both clients show the same values.
 *
 * How: each raw byte converts with the reading's own formula (36.3, sensor-conversion.ts).
 */
import type { FullSensorRecord, SensorThresholds, ThresholdAccess, Thresholds } from "./commands/sdr";
import { ThresholdBit, conversionFactors, thresholdAccess } from "./commands/sdr";
import { convertReading } from "./sensor-conversion";

export type ThresholdName = keyof Thresholds;
export type ThresholdValues = Partial<Record<ThresholdName, number>>;

/** Lower thresholds then upper ones, from the farthest below to the farthest above. */
export const THRESHOLD_BITS: ReadonlyArray<readonly [ThresholdName, number]> = [
  ["lnr", ThresholdBit.LNR],
  ["lc", ThresholdBit.LC],
  ["lnc", ThresholdBit.LNC],
  ["unc", ThresholdBit.UNC],
  ["uc", ThresholdBit.UC],
  ["unr", ThresholdBit.UNR],
];

/** What to read: nothing, the SDR's bytes, or Get Sensor Thresholds. */
export type ThresholdSource = "none" | "sdr" | "command";

export function thresholdSource(access: ThresholdAccess): ThresholdSource {
  if (access === "none") return "none";
  return access === "fixed" ? "sdr" : "command";
}

/** Completion codes of Get Sensor Thresholds after which the SDR's values stand in. */
const SDR_FALLBACK_CODES: ReadonlySet<number> = new Set([0xc1, 0xc9, 0xff]);

/** After Get Sensor Thresholds answered `completionCode`: use its values, the SDR's, or none. */
export function afterGetThresholds(completionCode: number): ThresholdSource {
  if (completionCode === 0) return "command";
  return SDR_FALLBACK_CODES.has(completionCode) ? "sdr" : "none";
}

/** The SDR's own readable mask and raw values (bytes 19 bits 5:0, bytes 37–42). */
export function sdrThresholds(rec: FullSensorRecord): SensorThresholds {
  return { readableMask: rec.readingMask & 0x3f, values: rec.thresholds };
}

/** Only the readable thresholds, in the sensor's units; one the formula cannot convert is left out. */
export function convertThresholds(rec: FullSensorRecord, t: SensorThresholds): ThresholdValues {
  const f = conversionFactors(rec);
  const out: ThresholdValues = {};
  for (const [name, bit] of THRESHOLD_BITS) {
    if ((t.readableMask & bit) === 0) continue;
    const v = convertReading(t.values[name], f);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * The thresholds of `rec` given what Get Sensor Thresholds answered (undefined when it was not
 * asked because the record says it need not be).
 */
export function resolveThresholds(
  rec: FullSensorRecord,
  answer: { completionCode: number; thresholds?: SensorThresholds } | undefined,
): ThresholdValues {
  let source = thresholdSource(thresholdAccess(rec));
  if (source === "command") source = answer ? afterGetThresholds(answer.completionCode) : "none";
  if (source === "none") return {};
  if (source === "sdr") return convertThresholds(rec, sdrThresholds(rec));
  return answer?.thresholds ? convertThresholds(rec, answer.thresholds) : {};
}
