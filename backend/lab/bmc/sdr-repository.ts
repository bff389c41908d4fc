/**
 * The BMC's SDR repository (spec 33: Get SDR Repository Info 33.9, Reserve SDR Repository
 * 33.11, Get SDR 33.12). Records are encoded once; reads are served as byte ranges so clients
 * that read in small chunks (ipmitool reads the 5-byte header first, then the body in pieces)
 * get exactly what a real repository returns. Pure: no I/O.
 */

import {
  SDR_FIRST_RECORD,
  SDR_LAST_RECORD,
  SDR_READ_ALL,
  type SdrRecord,
  type SdrRepositoryInfo,
  encodeSdrRecord,
} from "../../power/ipmi15/commands/sdr";

/** Largest Get SDR chunk we return; a bigger request gets 0xCA "cannot return that many bytes". */
export const MAX_SDR_READ = 64;

export type SdrReadResult =
  | { ok: true; nextRecordId: number; data: Buffer }
  | { ok: false; completionCode: number };

export class SdrRepository {
  private readonly records: { id: number; bytes: Buffer }[];
  /** Current reservation id; none until the first Reserve command. */
  private reservation: number | undefined;
  private lastReservation = 0;

  constructor(
    records: readonly SdrRecord[],
    /** Seconds since 1970 when the repository was last written (lab start). */
    private readonly lastAddition: number,
  ) {
    this.records = records.map((r) => ({ id: r.recordId, bytes: encodeSdrRecord(r) }));
  }

  get count(): number {
    return this.records.length;
  }

  info(): SdrRepositoryInfo {
    return {
      sdrVersion: 0x51,
      recordCount: this.records.length,
      freeSpace: 0, // read-only repository
      lastAddition: this.lastAddition,
      lastErase: 0,
      // bits 6:5 = 01b non-modal update only; no delete/partial add/reserve-only bits
      operationSupport: 0x22,
    };
  }

  /** Reserve SDR Repository: a new id cancels the previous one (33.11). Never 0. */
  reserve(): number {
    this.lastReservation = (this.lastReservation % 0xffff) + 1;
    this.reservation = this.lastReservation;
    return this.lastReservation;
  }

  /** The raw bytes of a record (tests compare these with what clients decode). */
  recordBytes(recordId: number): Buffer | undefined {
    return this.records.find((r) => r.id === recordId)?.bytes;
  }

  read(q: { reservationId: number; recordId: number; offset: number; bytesToRead: number }): SdrReadResult {
    // 33.12: the reservation is only checked for partial reads (offset ≠ 0).
    if (q.offset !== 0 && q.reservationId !== this.reservation) return { ok: false, completionCode: 0xc5 };
    const index =
      q.recordId === SDR_FIRST_RECORD
        ? 0
        : q.recordId === SDR_LAST_RECORD
          ? this.records.length - 1
          : this.records.findIndex((r) => r.id === q.recordId);
    const rec = this.records[index];
    if (index < 0 || !rec) return { ok: false, completionCode: 0xcb };
    if (q.offset > rec.bytes.length) return { ok: false, completionCode: 0xc9 };
    const wanted = q.bytesToRead === SDR_READ_ALL ? rec.bytes.length - q.offset : q.bytesToRead;
    if (wanted > MAX_SDR_READ) return { ok: false, completionCode: 0xca };
    const next = this.records[index + 1]?.id ?? SDR_LAST_RECORD;
    // Asking past the end of the record returns what is there (like ipmi_sim).
    return {
      ok: true,
      nextRecordId: next,
      data: rec.bytes.subarray(q.offset, Math.min(rec.bytes.length, q.offset + wanted)),
    };
  }
}
