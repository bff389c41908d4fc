/**
 * SDR repository (Storage NetFn 0Ah: Get SDR Repository Info 33.9, Reserve SDR Repository 33.11,
 * Get SDR 33.12), SDR records (section 43: type 01h full sensor record,
 * 02h compact sensor record) and the sensor commands (Sensor/Event NetFn 04h: Get Sensor
 * Reading 35.14, Get Sensor Thresholds 35.9).
 *
 * Byte numbers in comments are the spec's 1-based numbers of table 43-1 / 43-2.
 */

import { ProtocolError } from "../../errors";
import { ByteReader, checkByte, u16le } from "../byte-reader";
import { NetFn } from "../lan-message";
import { type AnalogFormat, type ConversionFactors, signExtend } from "../sensor-conversion";
import { type CommandId, expectLength } from "./command";

export const GET_SDR_REPOSITORY_INFO: CommandId = {
  name: "Get SDR Repository Info",
  netFn: NetFn.STORAGE,
  cmd: 0x20,
};
export const RESERVE_SDR_REPOSITORY: CommandId = {
  name: "Reserve SDR Repository",
  netFn: NetFn.STORAGE,
  cmd: 0x22,
};
export const GET_SDR: CommandId = { name: "Get SDR", netFn: NetFn.STORAGE, cmd: 0x23 };
export const GET_SENSOR_THRESHOLDS: CommandId = {
  name: "Get Sensor Thresholds",
  netFn: NetFn.SENSOR_EVENT,
  cmd: 0x27,
};
export const GET_SENSOR_READING: CommandId = {
  name: "Get Sensor Reading",
  netFn: NetFn.SENSOR_EVENT,
  cmd: 0x2d,
};

export const SDR_RECORD_FULL = 0x01;
export const SDR_RECORD_COMPACT = 0x02;
export const SDR_HEADER_LENGTH = 5;
export const SDR_FIRST_RECORD = 0x0000;
export const SDR_LAST_RECORD = 0xffff;
/** "Read entire record" in Get SDR's bytes-to-read field. */
export const SDR_READ_ALL = 0xff;

// ---------------------------------------------------------------- Get SDR Repository Info (33.9)

export interface SdrRepositoryInfo {
  sdrVersion: number;
  recordCount: number;
  freeSpace: number;
  lastAddition: number;
  lastErase: number;
  operationSupport: number;
}

export function encodeGetSdrRepositoryInfoRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeGetSdrRepositoryInfoRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, GET_SDR_REPOSITORY_INFO.name);
  return {};
}

export function encodeGetSdrRepositoryInfoResponse(i: SdrRepositoryInfo): Buffer {
  const out = Buffer.alloc(14);
  out[0] = checkByte("sdrVersion", i.sdrVersion);
  out.writeUInt16LE(checkByte("recordCount", i.recordCount, 0xffff), 1);
  out.writeUInt16LE(checkByte("freeSpace", i.freeSpace, 0xffff), 3);
  out.writeUInt32LE(i.lastAddition >>> 0, 5);
  out.writeUInt32LE(i.lastErase >>> 0, 9);
  out[13] = checkByte("operationSupport", i.operationSupport);
  return out;
}

export function decodeGetSdrRepositoryInfoResponse(data: Uint8Array): SdrRepositoryInfo {
  const r = new ByteReader(data, GET_SDR_REPOSITORY_INFO.name);
  return {
    sdrVersion: r.u8(),
    recordCount: r.u16le(),
    freeSpace: r.u16le(),
    lastAddition: r.u32le(),
    lastErase: r.u32le(),
    operationSupport: r.u8(),
  };
}

// ---------------------------------------------------------------- Reserve SDR Repository (33.11)

export function encodeReserveSdrRepositoryRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeReserveSdrRepositoryRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, RESERVE_SDR_REPOSITORY.name);
  return {};
}

export function encodeReserveSdrRepositoryResponse(reservationId: number): Buffer {
  return u16le(checkByte("reservationId", reservationId, 0xffff));
}

export function decodeReserveSdrRepositoryResponse(data: Uint8Array): { reservationId: number } {
  return { reservationId: new ByteReader(data, RESERVE_SDR_REPOSITORY.name).u16le() };
}

// ---------------------------------------------------------------- Get SDR (33.12)

export interface GetSdrRequest {
  reservationId: number;
  recordId: number;
  offset: number;
  /** 0xFF = the entire record. */
  bytesToRead: number;
}

export interface SdrChunk {
  nextRecordId: number;
  data: Buffer;
}

export function encodeGetSdrRequest(q: GetSdrRequest): Buffer {
  const out = Buffer.alloc(6);
  out.writeUInt16LE(checkByte("reservationId", q.reservationId, 0xffff), 0);
  out.writeUInt16LE(checkByte("recordId", q.recordId, 0xffff), 2);
  out[4] = checkByte("offset", q.offset);
  out[5] = checkByte("bytesToRead", q.bytesToRead);
  return out;
}

export function decodeGetSdrRequest(data: Uint8Array): GetSdrRequest {
  expectLength(data, 6, GET_SDR.name);
  const r = new ByteReader(data, GET_SDR.name);
  return { reservationId: r.u16le(), recordId: r.u16le(), offset: r.u8(), bytesToRead: r.u8() };
}

export function encodeGetSdrResponse(c: SdrChunk): Buffer {
  return Buffer.concat([u16le(checkByte("nextRecordId", c.nextRecordId, 0xffff)), c.data]);
}

export function decodeGetSdrResponse(data: Uint8Array): SdrChunk {
  const r = new ByteReader(data, GET_SDR.name);
  return { nextRecordId: r.u16le(), data: r.rest() };
}

// ---------------------------------------------------------------- SDR records (43.1, 43.2)

export interface SdrHeader {
  recordId: number;
  sdrVersion: number;
  recordType: number;
  /** Number of bytes after the 5-byte header. */
  length: number;
}

export function decodeSdrHeader(b: Uint8Array): SdrHeader {
  const r = new ByteReader(b, "SDR header");
  return { recordId: r.u16le(), sdrVersion: r.u8(), recordType: r.u8(), length: r.u8() };
}

export interface SensorUnits {
  analogFormat: AnalogFormat;
  /** Bits 5:3 of units 1: none, per µs, ms, s, minute, hour, day. */
  rateUnit: number;
  /** Bits 2:1 of units 1: 0 none, 1 base/modifier, 2 base×modifier. */
  modifierMode: number;
  percentage: boolean;
  base: number;
  modifier: number;
}

export interface Thresholds {
  lnc: number;
  lc: number;
  lnr: number;
  unc: number;
  uc: number;
  unr: number;
}

interface SensorRecordCommon {
  recordId: number;
  sdrVersion: number;
  ownerId: number;
  /** Byte 7 bits 7:4. */
  ownerChannel: number;
  /** Byte 7 bits 1:0. */
  ownerLun: number;
  sensorNumber: number;
  entityId: number;
  entityInstance: number;
  initialization: number;
  capabilities: number;
  sensorType: number;
  eventReadingType: number;
  assertionMask: number;
  deassertionMask: number;
  /** Discrete reading mask, or for threshold sensors: settable (bits 13:8) / readable (5:0) thresholds. */
  readingMask: number;
  units: SensorUnits;
  idString: string;
}

export interface FullSensorRecord extends SensorRecordCommon {
  recordType: typeof SDR_RECORD_FULL;
  linearization: number;
  m: number;
  tolerance: number;
  b: number;
  accuracy: number;
  accuracyExp: number;
  direction: number;
  rExp: number;
  bExp: number;
  analogFlags: number;
  nominalReading: number;
  normalMax: number;
  normalMin: number;
  sensorMax: number;
  sensorMin: number;
  /** Raw threshold bytes from the SDR (used when thresholds are "fixed"). */
  thresholds: Thresholds;
  positiveHysteresis: number;
  negativeHysteresis: number;
  oem: number;
}

export interface CompactSensorRecord extends SensorRecordCommon {
  recordType: typeof SDR_RECORD_COMPACT;
  /** Bytes 24–25: record sharing (count, ID string instance modifier). */
  sharing: number;
  positiveHysteresis: number;
  negativeHysteresis: number;
  oem: number;
}

/** Any other record type (event-only 03h, entity association 08h, locators 11h/12h, OEM C0h...). */
export interface OtherSdrRecord {
  recordType: number;
  recordId: number;
  sdrVersion: number;
  body: Buffer;
}

export type SdrRecord = FullSensorRecord | CompactSensorRecord | OtherSdrRecord;

export function isSensorRecord(r: SdrRecord): r is FullSensorRecord | CompactSensorRecord {
  return r.recordType === SDR_RECORD_FULL || r.recordType === SDR_RECORD_COMPACT;
}

export function isFullSensorRecord(r: SdrRecord): r is FullSensorRecord {
  return r.recordType === SDR_RECORD_FULL;
}

/** Threshold access support, bits 3:2 of sensor capabilities (byte 12). */
export type ThresholdAccess = "none" | "readable" | "settable" | "fixed";
export function thresholdAccess(r: FullSensorRecord | CompactSensorRecord): ThresholdAccess {
  return (["none", "readable", "settable", "fixed"] as const)[(r.capabilities >> 2) & 3]!;
}

/** Conversion factors of a full record (compact records carry none: readings are not analog). */
export function conversionFactors(r: FullSensorRecord): ConversionFactors {
  return {
    m: r.m,
    b: r.b,
    bExp: r.bExp,
    rExp: r.rExp,
    linearization: r.linearization,
    analogFormat: r.units.analogFormat,
  };
}

function decodeUnits(r: ByteReader): SensorUnits {
  const u1 = r.u8();
  return {
    analogFormat: ((u1 >> 6) & 3) as AnalogFormat,
    rateUnit: (u1 >> 3) & 7,
    modifierMode: (u1 >> 1) & 3,
    percentage: (u1 & 1) !== 0,
    base: r.u8(),
    modifier: r.u8(),
  };
}

function encodeUnits(u: SensorUnits): number[] {
  return [
    (checkByte("analogFormat", u.analogFormat, 3) << 6) |
      (checkByte("rateUnit", u.rateUnit, 7) << 3) |
      (checkByte("modifierMode", u.modifierMode, 3) << 1) |
      (u.percentage ? 1 : 0),
    checkByte("base unit", u.base),
    checkByte("modifier unit", u.modifier),
  ];
}

/**
 * ID string (type/length byte, 43.15): bits 7:6 type, 4:0 length. Type 11b (8-bit ASCII +
 * Latin-1) is what BMCs use; other encodings are read as Latin-1 too (lossy but harmless).
 */
function decodeIdString(r: ByteReader): string {
  if (r.remaining === 0) return "";
  const typeLength = r.u8();
  const len = Math.min(typeLength & 0x1f, r.remaining);
  const raw = r.bytes(len);
  const end = raw.indexOf(0);
  return (end < 0 ? raw : raw.subarray(0, end)).toString("latin1");
}

function encodeIdString(s: string): Buffer {
  const raw = Buffer.from(s, "latin1");
  if (raw.length > 16) throw new RangeError("SDR ID string longer than 16 bytes");
  return Buffer.concat([Buffer.from([0xc0 | raw.length]), raw]);
}

function decodeCommon(r: ByteReader, h: SdrHeader) {
  const ownerId = r.u8();
  const ownerLunByte = r.u8();
  return {
    recordId: h.recordId,
    sdrVersion: h.sdrVersion,
    ownerId,
    ownerChannel: ownerLunByte >> 4,
    ownerLun: ownerLunByte & 3,
    sensorNumber: r.u8(),
    entityId: r.u8(),
    entityInstance: r.u8(),
    initialization: r.u8(),
    capabilities: r.u8(),
    sensorType: r.u8(),
    eventReadingType: r.u8(),
    assertionMask: r.u16le(),
    deassertionMask: r.u16le(),
    readingMask: r.u16le(),
    units: decodeUnits(r),
  };
}

function encodeCommon(s: SensorRecordCommon): Buffer {
  return Buffer.concat([
    Buffer.from([
      checkByte("ownerId", s.ownerId),
      (checkByte("ownerChannel", s.ownerChannel, 0x0f) << 4) | checkByte("ownerLun", s.ownerLun, 3),
      checkByte("sensorNumber", s.sensorNumber),
      checkByte("entityId", s.entityId),
      checkByte("entityInstance", s.entityInstance),
      checkByte("initialization", s.initialization),
      checkByte("capabilities", s.capabilities),
      checkByte("sensorType", s.sensorType),
      checkByte("eventReadingType", s.eventReadingType),
    ]),
    u16le(checkByte("assertionMask", s.assertionMask, 0xffff)),
    u16le(checkByte("deassertionMask", s.deassertionMask, 0xffff)),
    u16le(checkByte("readingMask", s.readingMask, 0xffff)),
    Buffer.from(encodeUnits(s.units)),
  ]);
}

/** Decode a whole record (header + body). Only the header's declared length is used. */
export function decodeSdrRecord(b: Uint8Array): SdrRecord {
  const h = decodeSdrHeader(b);
  if (b.length < SDR_HEADER_LENGTH + h.length) {
    throw new ProtocolError(
      `SDR record ${h.recordId}: ${b.length} bytes, header says ${SDR_HEADER_LENGTH + h.length}`,
    );
  }
  const body = b.subarray(SDR_HEADER_LENGTH, SDR_HEADER_LENGTH + h.length);
  const r = new ByteReader(body, `SDR record ${h.recordId} (type 0x${h.recordType.toString(16)})`);
  if (h.recordType === SDR_RECORD_FULL) {
    const c = decodeCommon(r, h);
    const linearization = r.u8() & 0x7f;
    const mLs = r.u8();
    const mMsTol = r.u8();
    const bLs = r.u8();
    const bMsAcc = r.u8();
    const accMsExpDir = r.u8();
    const exps = r.u8();
    const rec: FullSensorRecord = {
      ...c,
      recordType: SDR_RECORD_FULL,
      linearization,
      m: signExtend(mLs | ((mMsTol >> 6) << 8), 10),
      tolerance: mMsTol & 0x3f,
      b: signExtend(bLs | ((bMsAcc >> 6) << 8), 10),
      accuracy: (bMsAcc & 0x3f) | ((accMsExpDir >> 4) << 6),
      accuracyExp: (accMsExpDir >> 2) & 3,
      direction: accMsExpDir & 3,
      rExp: signExtend(exps >> 4, 4),
      bExp: signExtend(exps & 0x0f, 4),
      analogFlags: r.u8(),
      nominalReading: r.u8(),
      normalMax: r.u8(),
      normalMin: r.u8(),
      sensorMax: r.u8(),
      sensorMin: r.u8(),
      thresholds: { unr: r.u8(), uc: r.u8(), unc: r.u8(), lnr: r.u8(), lc: r.u8(), lnc: r.u8() },
      positiveHysteresis: r.u8(),
      negativeHysteresis: r.u8(),
      oem: 0,
      idString: "",
    };
    r.u8(); // byte 45 reserved
    r.u8(); // byte 46 reserved
    rec.oem = r.u8();
    rec.idString = decodeIdString(r);
    return rec;
  }
  if (h.recordType === SDR_RECORD_COMPACT) {
    const c = decodeCommon(r, h);
    const rec: CompactSensorRecord = {
      ...c,
      recordType: SDR_RECORD_COMPACT,
      sharing: r.u16le(),
      positiveHysteresis: r.u8(),
      negativeHysteresis: r.u8(),
      oem: 0,
      idString: "",
    };
    r.bytes(3); // bytes 28–30 reserved
    rec.oem = r.u8();
    rec.idString = decodeIdString(r);
    return rec;
  }
  return {
    recordType: h.recordType,
    recordId: h.recordId,
    sdrVersion: h.sdrVersion,
    body: Buffer.from(body),
  };
}

/** Encode a whole record with its header (the lab BMC and the ipmi_sim test fixture use this). */
export function encodeSdrRecord(rec: SdrRecord): Buffer {
  let body: Buffer;
  if (isFullSensorRecord(rec)) {
    const m = rec.m & 0x3ff;
    const b = rec.b & 0x3ff;
    const acc = checkByte("accuracy", rec.accuracy, 0x3ff);
    const t = rec.thresholds;
    body = Buffer.concat([
      encodeCommon(rec),
      Buffer.from([
        checkByte("linearization", rec.linearization, 0x7f),
        m & 0xff,
        ((m >> 8) << 6) | checkByte("tolerance", rec.tolerance, 0x3f),
        b & 0xff,
        ((b >> 8) << 6) | (acc & 0x3f),
        ((acc >> 6) << 4) |
          (checkByte("accuracyExp", rec.accuracyExp, 3) << 2) |
          checkByte("direction", rec.direction, 3),
        ((rec.rExp & 0x0f) << 4) | (rec.bExp & 0x0f),
        checkByte("analogFlags", rec.analogFlags),
        checkByte("nominalReading", rec.nominalReading),
        checkByte("normalMax", rec.normalMax),
        checkByte("normalMin", rec.normalMin),
        checkByte("sensorMax", rec.sensorMax),
        checkByte("sensorMin", rec.sensorMin),
        checkByte("unr", t.unr),
        checkByte("uc", t.uc),
        checkByte("unc", t.unc),
        checkByte("lnr", t.lnr),
        checkByte("lc", t.lc),
        checkByte("lnc", t.lnc),
        checkByte("positiveHysteresis", rec.positiveHysteresis),
        checkByte("negativeHysteresis", rec.negativeHysteresis),
        0,
        0,
        checkByte("oem", rec.oem),
      ]),
      encodeIdString(rec.idString),
    ]);
  } else if (rec.recordType === SDR_RECORD_COMPACT && "sharing" in rec) {
    body = Buffer.concat([
      encodeCommon(rec),
      u16le(checkByte("sharing", rec.sharing, 0xffff)),
      Buffer.from([
        checkByte("positiveHysteresis", rec.positiveHysteresis),
        checkByte("negativeHysteresis", rec.negativeHysteresis),
        0,
        0,
        0,
        checkByte("oem", rec.oem),
      ]),
      encodeIdString(rec.idString),
    ]);
  } else if ("body" in rec) {
    body = rec.body;
  } else {
    throw new RangeError(`cannot encode SDR record type ${rec.recordType}`);
  }
  if (body.length > 0xff) throw new RangeError("SDR record body longer than 255 bytes");
  const head = Buffer.alloc(SDR_HEADER_LENGTH);
  head.writeUInt16LE(checkByte("recordId", rec.recordId, 0xffff), 0);
  head[2] = checkByte("sdrVersion", rec.sdrVersion);
  head[3] = checkByte("recordType", rec.recordType);
  head[4] = body.length;
  return Buffer.concat([head, body]);
}

// ---------------------------------------------------------------- Get Sensor Reading (35.14)

export interface SensorReading {
  raw: number;
  /** Byte 3 bit 7 (0 = all event messages disabled from this sensor). */
  eventMessagesEnabled: boolean;
  /** Byte 3 bit 6 (0 = sensor scanning disabled). */
  scanningEnabled: boolean;
  /** Byte 3 bit 5 (1 = reading/state unavailable). */
  unavailable: boolean;
  /**
   * Threshold sensors: bit 0 ≤LNC, 1 ≤LC, 2 ≤LNR, 3 ≥UNC, 4 ≥UC, 5 ≥UNR.
   * Discrete sensors: state bits 0–14 (bytes 4–5). Undefined when the BMC omitted byte 4.
   */
  state: number | undefined;
}

export const ThresholdBit = { LNC: 0x01, LC: 0x02, LNR: 0x04, UNC: 0x08, UC: 0x10, UNR: 0x20 } as const;

export function encodeGetSensorReadingRequest(sensorNumber: number): Buffer {
  return Buffer.from([checkByte("sensorNumber", sensorNumber)]);
}

export function decodeGetSensorReadingRequest(data: Uint8Array): { sensorNumber: number } {
  expectLength(data, 1, GET_SENSOR_READING.name);
  return { sensorNumber: data[0]! };
}

export function encodeGetSensorReadingResponse(s: SensorReading): Buffer {
  const out = [
    checkByte("raw", s.raw),
    (s.eventMessagesEnabled ? 0x80 : 0) | (s.scanningEnabled ? 0x40 : 0) | (s.unavailable ? 0x20 : 0),
  ];
  if (s.state !== undefined) {
    checkByte("state", s.state, 0x7fff);
    out.push(s.state & 0xff);
    if (s.state > 0xff) out.push(s.state >> 8);
  }
  return Buffer.from(out);
}

export function decodeGetSensorReadingResponse(data: Uint8Array): SensorReading {
  const r = new ByteReader(data, GET_SENSOR_READING.name);
  const raw = r.u8();
  const flags = r.u8();
  const lo = r.optionalU8();
  const hi = r.optionalU8();
  return {
    raw,
    eventMessagesEnabled: (flags & 0x80) !== 0,
    scanningEnabled: (flags & 0x40) !== 0,
    unavailable: (flags & 0x20) !== 0,
    state: lo === undefined ? undefined : lo | (((hi ?? 0) & 0x7f) << 8),
  };
}

// ---------------------------------------------------------------- Get Sensor Thresholds (35.9)

export interface SensorThresholds {
  /** Bit set ⇔ threshold readable (same bit order as ThresholdBit). */
  readableMask: number;
  /** Raw values; meaningful only where the readable bit is set. */
  values: Thresholds;
}

export function encodeGetSensorThresholdsRequest(sensorNumber: number): Buffer {
  return Buffer.from([checkByte("sensorNumber", sensorNumber)]);
}

export function decodeGetSensorThresholdsRequest(data: Uint8Array): { sensorNumber: number } {
  expectLength(data, 1, GET_SENSOR_THRESHOLDS.name);
  return { sensorNumber: data[0]! };
}

export function encodeGetSensorThresholdsResponse(t: SensorThresholds): Buffer {
  const v = t.values;
  return Buffer.from([
    checkByte("readableMask", t.readableMask, 0x3f),
    checkByte("lnc", v.lnc),
    checkByte("lc", v.lc),
    checkByte("lnr", v.lnr),
    checkByte("unc", v.unc),
    checkByte("uc", v.uc),
    checkByte("unr", v.unr),
  ]);
}

export function decodeGetSensorThresholdsResponse(data: Uint8Array): SensorThresholds {
  const r = new ByteReader(data, GET_SENSOR_THRESHOLDS.name);
  const readableMask = r.u8() & 0x3f;
  return {
    readableMask,
    values: { lnc: r.u8(), lc: r.u8(), lnr: r.u8(), unc: r.u8(), uc: r.u8(), unr: r.u8() },
  };
}
