/**
 * System Event Log (Storage NetFn 0Ah): Get SEL Info (31.2), Reserve SEL (31.4), Get SEL Entry
 * (31.5) and SEL record decoding (32.1 system event record type 02h, 32.2/32.3 OEM records).
 */

import { ByteReader, checkByte, u16le, u32le } from "../byte-reader";
import { NetFn } from "../lan-message";
import {
  EVENT_READING_TYPE_THRESHOLD,
  THRESHOLD_EVENT_OFFSETS,
  eventReadingTypeName,
  sensorTypeName,
} from "../sensor-types";
import { type CommandId, expectLength } from "./command";

export const GET_SEL_INFO: CommandId = { name: "Get SEL Info", netFn: NetFn.STORAGE, cmd: 0x40 };
export const RESERVE_SEL: CommandId = { name: "Reserve SEL", netFn: NetFn.STORAGE, cmd: 0x42 };
export const GET_SEL_ENTRY: CommandId = { name: "Get SEL Entry", netFn: NetFn.STORAGE, cmd: 0x43 };

export const SEL_FIRST_ENTRY = 0x0000;
export const SEL_LAST_ENTRY = 0xffff;
export const SEL_RECORD_LENGTH = 16;
export const SEL_RECORD_SYSTEM_EVENT = 0x02;

// ---------------------------------------------------------------- Get SEL Info (31.2)

export interface SelInfo {
  selVersion: number;
  entries: number;
  freeSpace: number;
  lastAddition: number;
  lastErase: number;
  /** bit 7 overflow, bit 3 delete, bit 2 partial add, bit 1 reserve, bit 0 get allocation info. */
  operationSupport: number;
}

export function encodeGetSelInfoRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeGetSelInfoRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, GET_SEL_INFO.name);
  return {};
}

export function encodeGetSelInfoResponse(i: SelInfo): Buffer {
  return Buffer.concat([
    Buffer.from([checkByte("selVersion", i.selVersion)]),
    u16le(checkByte("entries", i.entries, 0xffff)),
    u16le(checkByte("freeSpace", i.freeSpace, 0xffff)),
    u32le(i.lastAddition),
    u32le(i.lastErase),
    Buffer.from([checkByte("operationSupport", i.operationSupport)]),
  ]);
}

export function decodeGetSelInfoResponse(data: Uint8Array): SelInfo {
  const r = new ByteReader(data, GET_SEL_INFO.name);
  return {
    selVersion: r.u8(),
    entries: r.u16le(),
    freeSpace: r.u16le(),
    lastAddition: r.u32le(),
    lastErase: r.u32le(),
    operationSupport: r.u8(),
  };
}

export function selOverflowed(i: SelInfo): boolean {
  return (i.operationSupport & 0x80) !== 0;
}

// ---------------------------------------------------------------- Reserve SEL (31.4)

export function encodeReserveSelRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeReserveSelRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, RESERVE_SEL.name);
  return {};
}

export function encodeReserveSelResponse(reservationId: number): Buffer {
  return u16le(checkByte("reservationId", reservationId, 0xffff));
}

export function decodeReserveSelResponse(data: Uint8Array): { reservationId: number } {
  return { reservationId: new ByteReader(data, RESERVE_SEL.name).u16le() };
}

// ---------------------------------------------------------------- Get SEL Entry (31.5)

export interface GetSelEntryRequest {
  /** Only needed for partial reads; 0 for whole records. */
  reservationId: number;
  recordId: number;
  offset: number;
  /** 0xFF = entire record. */
  bytesToRead: number;
}

export interface SelEntryChunk {
  nextRecordId: number;
  data: Buffer;
}

export function encodeGetSelEntryRequest(q: GetSelEntryRequest): Buffer {
  return Buffer.concat([
    u16le(checkByte("reservationId", q.reservationId, 0xffff)),
    u16le(checkByte("recordId", q.recordId, 0xffff)),
    Buffer.from([checkByte("offset", q.offset), checkByte("bytesToRead", q.bytesToRead)]),
  ]);
}

export function decodeGetSelEntryRequest(data: Uint8Array): GetSelEntryRequest {
  expectLength(data, 6, GET_SEL_ENTRY.name);
  const r = new ByteReader(data, GET_SEL_ENTRY.name);
  return { reservationId: r.u16le(), recordId: r.u16le(), offset: r.u8(), bytesToRead: r.u8() };
}

export function encodeGetSelEntryResponse(c: SelEntryChunk): Buffer {
  return Buffer.concat([u16le(checkByte("nextRecordId", c.nextRecordId, 0xffff)), c.data]);
}

export function decodeGetSelEntryResponse(data: Uint8Array): SelEntryChunk {
  const r = new ByteReader(data, GET_SEL_ENTRY.name);
  return { nextRecordId: r.u16le(), data: r.rest() };
}

// ---------------------------------------------------------------- SEL records (32.1–32.3)

export interface SystemEventRecord {
  kind: "system";
  recordId: number;
  recordType: typeof SEL_RECORD_SYSTEM_EVENT;
  /** Seconds since 1970-01-01 (spec section 37, time stamp format). */
  timestamp: number;
  /** Generator ID: bit 0 of byte 1 = 1 for system software IDs; 7-bit address; channel, LUN. */
  generatorId: number;
  evmRevision: number;
  sensorType: number;
  sensorNumber: number;
  /** Event dir bit 7: true = deassertion. */
  deassertion: boolean;
  eventType: number;
  eventData: [number, number, number];
}

export interface OemTimestampedRecord {
  kind: "oem-timestamped";
  recordId: number;
  recordType: number;
  timestamp: number;
  manufacturerId: number;
  oemData: Buffer;
}

export interface OemRecord {
  kind: "oem";
  recordId: number;
  recordType: number;
  oemData: Buffer;
}

export type SelRecord = SystemEventRecord | OemTimestampedRecord | OemRecord;

export function decodeSelRecord(b: Uint8Array): SelRecord {
  const r = new ByteReader(b, "SEL record");
  const recordId = r.u16le();
  const recordType = r.u8();
  if (recordType >= 0xc0 && recordType <= 0xdf) {
    return {
      kind: "oem-timestamped",
      recordId,
      recordType,
      timestamp: r.u32le(),
      manufacturerId: r.u16le() | (r.u8() << 16),
      oemData: r.bytes(6),
    };
  }
  if (recordType >= 0xe0) return { kind: "oem", recordId, recordType, oemData: r.bytes(13) };
  // 02h is the only standard type below C0h; other values there are unassigned, and decoding
  // them with the system event layout is the most useful thing to show.
  const timestamp = r.u32le();
  const generatorId = r.u16le();
  const evmRevision = r.u8();
  const sensorType = r.u8();
  const sensorNumber = r.u8();
  const dirType = r.u8();
  const eventData: [number, number, number] = [r.u8(), r.u8(), r.u8()];
  return {
    kind: "system",
    recordId,
    recordType: SEL_RECORD_SYSTEM_EVENT,
    timestamp,
    generatorId,
    evmRevision,
    sensorType,
    sensorNumber,
    deassertion: (dirType & 0x80) !== 0,
    eventType: dirType & 0x7f,
    eventData,
  };
}

export function encodeSelRecord(rec: SelRecord): Buffer {
  const head = Buffer.concat([u16le(rec.recordId), Buffer.from([checkByte("recordType", rec.recordType)])]);
  switch (rec.kind) {
    case "system":
      return Buffer.concat([
        head,
        u32le(rec.timestamp),
        u16le(checkByte("generatorId", rec.generatorId, 0xffff)),
        Buffer.from([
          checkByte("evmRevision", rec.evmRevision),
          checkByte("sensorType", rec.sensorType),
          checkByte("sensorNumber", rec.sensorNumber),
          (rec.deassertion ? 0x80 : 0) | checkByte("eventType", rec.eventType, 0x7f),
          checkByte("eventData1", rec.eventData[0]),
          checkByte("eventData2", rec.eventData[1]),
          checkByte("eventData3", rec.eventData[2]),
        ]),
      ]);
    case "oem-timestamped": {
      const mfg = Buffer.alloc(3);
      mfg.writeUIntLE(checkByte("manufacturerId", rec.manufacturerId, 0xffffff), 0, 3);
      return Buffer.concat([head, u32le(rec.timestamp), mfg, fixed(rec.oemData, 6)]);
    }
    case "oem":
      return Buffer.concat([head, fixed(rec.oemData, 13)]);
  }
}

function fixed(b: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  b.copy(out, 0, 0, n);
  return out;
}

/** Event offset (event data 1, bits 3:0) and what bytes 2/3 hold (bits 7:6, 5:4), 29.7. */
export function eventOffset(rec: SystemEventRecord): number {
  return rec.eventData[0] & 0x0f;
}

/** A one-line description like "Temperature #3: Upper Critical going high (asserted)". */
export function describeSelRecord(rec: SelRecord): string {
  if (rec.kind !== "system") return `OEM record type 0x${rec.recordType.toString(16)}`;
  const offset = eventOffset(rec);
  const what =
    rec.eventType === EVENT_READING_TYPE_THRESHOLD
      ? (THRESHOLD_EVENT_OFFSETS[offset] ?? `threshold offset ${offset}`)
      : `${eventReadingTypeName(rec.eventType)} offset ${offset}`;
  return `${sensorTypeName(rec.sensorType)} #${rec.sensorNumber}: ${what} (${rec.deassertion ? "deasserted" : "asserted"})`;
}
