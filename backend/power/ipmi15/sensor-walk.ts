/**
 * Reads the SDR repository (spec 33.12, Get SDR: whole records, or partial reads under a
 * reservation) and every sensor it describes (35.14, 35.9), converting readings to units
 * (36.3) and classifying threshold sensors as ok / warning / critical.
 */

import { ProtocolError } from "../errors";
import type { CommandRunner } from "./command-runner";
import {
  type CompactSensorRecord,
  type FullSensorRecord,
  GET_SDR,
  GET_SENSOR_READING,
  GET_SENSOR_THRESHOLDS,
  RESERVE_SDR_REPOSITORY,
  SDR_FIRST_RECORD,
  SDR_HEADER_LENGTH,
  SDR_LAST_RECORD,
  SDR_READ_ALL,
  type SdrRecord,
  ThresholdBit,
  conversionFactors,
  decodeGetSdrResponse,
  decodeGetSensorReadingResponse,
  decodeGetSensorThresholdsResponse,
  decodeReserveSdrRepositoryResponse,
  decodeSdrHeader,
  decodeSdrRecord,
  encodeGetSdrRequest,
  encodeGetSensorReadingRequest,
  encodeGetSensorThresholdsRequest,
  encodeReserveSdrRepositoryRequest,
  isFullSensorRecord,
  isSensorRecord,
  thresholdAccess,
} from "./commands/sdr";
import { convertReading } from "./sensor-conversion";
import { type ThresholdValues, resolveThresholds, thresholdSource } from "./sensor-thresholds";
import { EVENT_READING_TYPE_THRESHOLD, sensorTypeName, unitName } from "./sensor-types";

export type SensorStatus = "ok" | "warning" | "critical" | "unavailable";
export type { ThresholdName } from "./sensor-thresholds";

export interface SensorValue {
  number: number;
  name: string;
  sensorType: number;
  type: string;
  entity: string;
  kind: "threshold" | "discrete";
  raw?: number;
  /** Converted reading (threshold sensors with a linear or linearizable formula). */
  value?: number;
  unit?: string;
  status: SensorStatus;
  /** Threshold comparison bits or discrete state bits as the BMC reported them. */
  state?: number;
  thresholds?: ThresholdValues;
}

export interface SdrWalkLimits {
  /** Stop after this many records (a looping "next record id" cannot hang us). */
  maxRecords: number;
  /** Bytes per partial Get SDR read when the BMC cannot return whole records. */
  chunkSize: number;
}

const DEFAULT_LIMITS: SdrWalkLimits = { maxRecords: 1024, chunkSize: 16 };

/** Completion codes that mean "ask for less" or "re-reserve", handled by switching to partial reads. */
const PARTIAL_READ_CODES = [0xca, 0xc7, 0xc8, 0xff];
const RESERVATION_LOST = 0xc5;

export async function readSdrRepository(
  run: CommandRunner,
  limits: SdrWalkLimits = DEFAULT_LIMITS,
): Promise<SdrRecord[]> {
  const reserve = async (): Promise<number> => {
    // Reservation is optional for whole-record reads; BMCs without it answer 0xC1.
    const r = await run(RESERVE_SDR_REPOSITORY, encodeReserveSdrRepositoryRequest(), [0xc1, 0xd5]);
    return r.completionCode === 0 ? decodeReserveSdrRepositoryResponse(r.data).reservationId : 0;
  };
  let reservationId = await reserve();
  let partial = false;

  /** One Get SDR, re-reserving (at most 3 times) when another client cancelled our reservation. */
  const get = async (recordId: number, offset: number, bytes: number, allowed: readonly number[]) => {
    for (let attempt = 0; ; attempt++) {
      const r = await run(
        GET_SDR,
        encodeGetSdrRequest({ reservationId, recordId, offset, bytesToRead: bytes }),
        attempt < 3 ? [...allowed, RESERVATION_LOST] : allowed,
      );
      if (r.completionCode !== RESERVATION_LOST) return r;
      reservationId = await reserve();
    }
  };

  const readRecord = async (recordId: number): Promise<{ next: number; bytes: Buffer }> => {
    if (!partial) {
      const r = await get(recordId, 0, SDR_READ_ALL, PARTIAL_READ_CODES);
      if (r.completionCode === 0) {
        const chunk = decodeGetSdrResponse(r.data);
        if (chunk.data.length >= SDR_HEADER_LENGTH) {
          const h = decodeSdrHeader(chunk.data);
          if (chunk.data.length >= SDR_HEADER_LENGTH + h.length)
            return { next: chunk.nextRecordId, bytes: chunk.data };
        }
      }
      partial = true;
    }
    const head = decodeGetSdrResponse((await get(recordId, 0, SDR_HEADER_LENGTH, [])).data);
    if (head.data.length < SDR_HEADER_LENGTH) throw new ProtocolError(`SDR ${recordId}: short header`);
    const total = SDR_HEADER_LENGTH + decodeSdrHeader(head.data).length;
    const parts = [head.data.subarray(0, SDR_HEADER_LENGTH)];
    let have = SDR_HEADER_LENGTH;
    while (have < total) {
      const n = Math.min(limits.chunkSize, total - have);
      const c = decodeGetSdrResponse((await get(recordId, have, n, [])).data);
      if (c.data.length === 0) throw new ProtocolError(`SDR ${recordId}: empty partial read at ${have}`);
      parts.push(c.data.subarray(0, n));
      have += Math.min(n, c.data.length);
    }
    return { next: head.nextRecordId, bytes: Buffer.concat(parts) };
  };

  const records: SdrRecord[] = [];
  const seen = new Set<number>();
  let id = SDR_FIRST_RECORD;
  while (id !== SDR_LAST_RECORD && !seen.has(id) && records.length < limits.maxRecords) {
    seen.add(id);
    const { next, bytes } = await readRecord(id);
    try {
      records.push(decodeSdrRecord(bytes));
    } catch (e) {
      // One malformed record must not hide the others.
      if (!(e instanceof ProtocolError)) throw e;
    }
    id = next;
  }
  return records;
}

/** Pure: status of a threshold sensor from the BMC's comparison bits, else from the values. */
export function classifyThresholdSensor(
  state: number | undefined,
  value: number | undefined,
  thresholds: ThresholdValues,
): SensorStatus {
  if (state !== undefined) {
    if (state & (ThresholdBit.UNR | ThresholdBit.UC | ThresholdBit.LNR | ThresholdBit.LC)) return "critical";
    if (state & (ThresholdBit.UNC | ThresholdBit.LNC)) return "warning";
    return "ok";
  }
  if (value === undefined) return "unavailable";
  const t = thresholds;
  const above = (x: number | undefined) => x !== undefined && value >= x;
  const below = (x: number | undefined) => x !== undefined && value <= x;
  if (above(t.unr) || above(t.uc) || below(t.lnr) || below(t.lc)) return "critical";
  if (above(t.unc) || below(t.lnc)) return "warning";
  return "ok";
}

/** Get Sensor Thresholds when the record says the command holds them (sensor-thresholds.ts). */
async function readThresholds(run: CommandRunner, rec: FullSensorRecord): Promise<ThresholdValues> {
  if (thresholdSource(thresholdAccess(rec)) !== "command") return resolveThresholds(rec, undefined);
  const r = await run(
    GET_SENSOR_THRESHOLDS,
    encodeGetSensorThresholdsRequest(rec.sensorNumber),
    [0xc1, 0xc9, 0xcb, 0xcd, 0xd5, 0xff],
  );
  return resolveThresholds(rec, {
    completionCode: r.completionCode,
    ...(r.completionCode === 0 ? { thresholds: decodeGetSensorThresholdsResponse(r.data) } : {}),
  });
}

async function readOne(
  run: CommandRunner,
  rec: FullSensorRecord | CompactSensorRecord,
): Promise<SensorValue> {
  const threshold = rec.eventReadingType === EVENT_READING_TYPE_THRESHOLD;
  const base: SensorValue = {
    number: rec.sensorNumber,
    name: rec.idString,
    sensorType: rec.sensorType,
    type: sensorTypeName(rec.sensorType),
    entity: `${rec.entityId}.${rec.entityInstance}`,
    kind: threshold ? "threshold" : "discrete",
    status: "unavailable",
  };
  const full = isFullSensorRecord(rec) && threshold ? rec : undefined;
  if (full) base.unit = unitName(full.units.base);
  const r = await run(
    GET_SENSOR_READING,
    encodeGetSensorReadingRequest(rec.sensorNumber),
    [0xc1, 0xcb, 0xcd, 0xd5, 0xd3, 0xc3],
  );
  // Thresholds are known even while the reading is not (a host powered off, scanning disabled).
  if (full) base.thresholds = await readThresholds(run, full);
  if (r.completionCode !== 0) return base;
  const reading = decodeGetSensorReadingResponse(r.data);
  if (reading.unavailable || !reading.scanningEnabled) return base;
  base.raw = reading.raw;
  if (reading.state !== undefined) base.state = reading.state;
  if (!threshold) {
    base.status = "ok";
    return base;
  }
  if (full) {
    const value = convertReading(reading.raw, conversionFactors(full));
    if (value !== undefined) base.value = value;
  }
  base.status = classifyThresholdSensor(reading.state, base.value, base.thresholds ?? {});
  return base;
}

/**
 * Every sensor the BMC itself owns (owner 20h, LUN 0). Sensors behind other controllers would
 * need IPMB bridging (Send Message), which this client does not do; they are listed as
 * unavailable.
 */
export async function readSensors(run: CommandRunner, limits?: SdrWalkLimits): Promise<SensorValue[]> {
  const records = await readSdrRepository(run, limits);
  const out: SensorValue[] = [];
  for (const rec of records) {
    if (!isSensorRecord(rec)) continue;
    if (rec.ownerId !== 0x20 || rec.ownerLun !== 0) {
      out.push({
        number: rec.sensorNumber,
        name: rec.idString,
        sensorType: rec.sensorType,
        type: sensorTypeName(rec.sensorType),
        entity: `${rec.entityId}.${rec.entityInstance}`,
        kind: rec.eventReadingType === EVENT_READING_TYPE_THRESHOLD ? "threshold" : "discrete",
        status: "unavailable",
      });
      continue;
    }
    out.push(await readOne(run, rec));
  }
  return out;
}
