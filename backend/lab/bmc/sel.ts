/**
 * System Event Log of one lab BMC (spec 31: Get SEL Info 31.2, Reserve SEL 31.4, Get SEL
 * Entry 31.5, Add SEL Entry 31.6, Clear SEL 31.9, Get SEL Time 31.10). Fixed capacity like the
 * PE860's (~ 512 entries of 16 bytes); when full, new events are dropped and the overflow bit
 * is set, as the spec describes for a non-circular SEL. Pure: time comes from the clock.
 */

import {
  SEL_FIRST_ENTRY,
  SEL_LAST_ENTRY,
  SEL_RECORD_LENGTH,
  type SelInfo,
  type SystemEventRecord,
  encodeSelRecord,
} from "../../power/ipmi15/commands/sel";

export const SEL_CAPACITY = 512;

export type SelReadResult =
  | { ok: true; nextRecordId: number; data: Buffer }
  | { ok: false; completionCode: number };

export class SystemEventLog {
  private entries: SystemEventRecord[] = [];
  private nextId = 1;
  /** Current reservation id; none until the first Reserve command. */
  private reservation: number | undefined;
  private lastReservation = 0;
  private lastAddition = 0xffffffff; // "never" (31.2)
  private lastErase = 0xffffffff;
  private overflow = false;

  constructor(
    /** Seconds since 1970 (SEL timestamps, 37.1). */
    private readonly clockSeconds: () => number,
    private readonly capacity = SEL_CAPACITY,
  ) {}

  get records(): readonly SystemEventRecord[] {
    return this.entries;
  }

  info(): SelInfo {
    return {
      selVersion: 0x51,
      entries: this.entries.length,
      freeSpace: Math.min(0xffff, (this.capacity - this.entries.length) * SEL_RECORD_LENGTH),
      lastAddition: this.lastAddition,
      lastErase: this.lastErase,
      // bit 7 overflow; bit 1 Reserve SEL supported
      operationSupport: (this.overflow ? 0x80 : 0) | 0x02,
    };
  }

  /** Append an event (Add SEL Entry / a sensor crossing a threshold). Returns its record id. */
  add(ev: Omit<SystemEventRecord, "recordId" | "timestamp"> & { timestamp?: number }): number | undefined {
    if (this.entries.length >= this.capacity) {
      this.overflow = true;
      return undefined;
    }
    const recordId = this.nextId;
    this.nextId = this.nextId >= 0xfffe ? 1 : this.nextId + 1;
    const timestamp = ev.timestamp ?? this.clockSeconds();
    this.entries.push({ ...ev, recordId, timestamp });
    this.lastAddition = timestamp;
    return recordId;
  }

  /** Reserve SEL (31.4): a new id cancels the old one; adding or clearing does not. Never 0. */
  reserve(): number {
    this.lastReservation = (this.lastReservation % 0xffff) + 1;
    this.reservation = this.lastReservation;
    return this.lastReservation;
  }

  read(q: { reservationId: number; recordId: number; offset: number; bytesToRead: number }): SelReadResult {
    if (q.offset !== 0 && q.reservationId !== this.reservation) return { ok: false, completionCode: 0xc5 };
    if (this.entries.length === 0) return { ok: false, completionCode: 0xcb };
    const index =
      q.recordId === SEL_FIRST_ENTRY
        ? 0
        : q.recordId === SEL_LAST_ENTRY
          ? this.entries.length - 1
          : this.entries.findIndex((e) => e.recordId === q.recordId);
    const rec = this.entries[index];
    if (index < 0 || !rec) return { ok: false, completionCode: 0xcb };
    if (q.offset >= SEL_RECORD_LENGTH) return { ok: false, completionCode: 0xc9 };
    const bytes = encodeSelRecord(rec);
    const end =
      q.bytesToRead === 0xff ? SEL_RECORD_LENGTH : Math.min(SEL_RECORD_LENGTH, q.offset + q.bytesToRead);
    const next = this.entries[index + 1]?.recordId ?? SEL_LAST_ENTRY;
    return { ok: true, nextRecordId: next, data: bytes.subarray(q.offset, end) };
  }

  /**
   * Clear SEL (31.9): reservation must match; 0xAA starts the erase (instant here), 0x00 asks
   * for status. Answers the erasure progress byte (1 = completed).
   */
  clear(
    reservationId: number,
    action: number,
  ): { ok: true; progress: number } | { ok: false; completionCode: number } {
    if (reservationId !== this.reservation) return { ok: false, completionCode: 0xc5 };
    if (action === 0xaa) {
      this.entries = [];
      this.overflow = false;
      this.lastErase = this.clockSeconds();
      return { ok: true, progress: 0x01 };
    }
    if (action === 0x00) return { ok: true, progress: 0x01 };
    return { ok: false, completionCode: 0xcc };
  }
}
