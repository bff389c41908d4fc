/**
 * Reads the System Event Log from first to last entry (spec 31.5: record id 0000h = first,
 * FFFFh = "no more"), bounded so a BMC whose "next record id" loops cannot hang the caller.
 */

import { ProtocolError } from "../errors";
import type { CommandRunner } from "./command-runner";
import {
  GET_SEL_ENTRY,
  GET_SEL_INFO,
  SEL_FIRST_ENTRY,
  SEL_LAST_ENTRY,
  type SelRecord,
  decodeGetSelEntryResponse,
  decodeGetSelInfoResponse,
  decodeSelRecord,
  describeSelRecord,
  encodeGetSelEntryRequest,
  encodeGetSelInfoRequest,
} from "./commands/sel";
import { sensorTypeName } from "./sensor-types";

/** Timestamps up to 20000000h count seconds since BMC initialisation, not 1970 (spec section 37, time stamp format). */
export const SEL_TIMESTAMP_PRE_INIT_LIMIT = 0x20000000;

export interface SelEvent {
  recordId: number;
  /** ISO date when the record has an absolute timestamp. */
  date?: string;
  /** Seconds since BMC init, for pre-init timestamps. */
  secondsSinceInit?: number;
  sensorType?: string;
  sensorNumber?: number;
  asserted?: boolean;
  description: string;
  record: SelRecord;
}

export function selEventFrom(record: SelRecord): SelEvent {
  const ev: SelEvent = { recordId: record.recordId, description: describeSelRecord(record), record };
  if (record.kind !== "oem") {
    if (record.timestamp > SEL_TIMESTAMP_PRE_INIT_LIMIT)
      ev.date = new Date(record.timestamp * 1000).toISOString();
    else ev.secondsSinceInit = record.timestamp;
  }
  if (record.kind === "system") {
    ev.sensorType = sensorTypeName(record.sensorType);
    ev.sensorNumber = record.sensorNumber;
    ev.asserted = !record.deassertion;
  }
  return ev;
}

export async function readSel(run: CommandRunner, maxEntries = 4096): Promise<SelEvent[]> {
  const info = decodeGetSelInfoResponse((await run(GET_SEL_INFO, encodeGetSelInfoRequest())).data);
  if (info.entries === 0) return [];
  const limit = Math.min(maxEntries, info.entries + 16); // entries may grow while we read
  const out: SelEvent[] = [];
  const seen = new Set<number>();
  let id = SEL_FIRST_ENTRY;
  while (id !== SEL_LAST_ENTRY && !seen.has(id) && out.length < limit) {
    seen.add(id);
    // Whole 16-byte records fit any response, so no reservation is needed (31.5).
    const r = await run(
      GET_SEL_ENTRY,
      encodeGetSelEntryRequest({ reservationId: 0, recordId: id, offset: 0, bytesToRead: 0xff }),
      [0xcb],
    );
    if (r.completionCode === 0xcb) break; // entry vanished (SEL cleared meanwhile)
    const chunk = decodeGetSelEntryResponse(r.data);
    try {
      out.push(selEventFrom(decodeSelRecord(chunk.data)));
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
    }
    id = chunk.nextRecordId;
  }
  return out;
}
