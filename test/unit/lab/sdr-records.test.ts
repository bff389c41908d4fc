import { PE860_SENSORS, pe860SdrRecords } from "../../../backend/lab/bmc/pe860-profile";
import { SdrRepository } from "../../../backend/lab/bmc/sdr-repository";
import { SystemEventLog } from "../../../backend/lab/bmc/sel";
import { SensorBank, type SensorEvent } from "../../../backend/lab/bmc/sensors";
import {
  type FullSensorRecord,
  conversionFactors,
  decodeSdrHeader,
  decodeSdrRecord,
  isFullSensorRecord,
  isSensorRecord,
} from "../../../backend/power/ipmi15/commands/sdr";
import { decodeSelRecord } from "../../../backend/power/ipmi15/commands/sel";
import { convertReading } from "../../../backend/power/ipmi15/sensor-conversion";

function fullRecord(name: string): FullSensorRecord {
  const r = pe860SdrRecords().find((x) => isFullSensorRecord(x) && x.idString === name);
  if (!r || !isFullSensorRecord(r)) throw new Error(name);
  return r;
}

describe("PE860 SDR records (type 01h/02h/12h, spec 43)", () => {
  test("every record round-trips through the client's SDR decoder byte for byte", () => {
    const repo = new SdrRepository(pe860SdrRecords(), 0);
    expect(repo.count).toBe(PE860_SENSORS.length + 1);
    for (const rec of pe860SdrRecords()) {
      const bytes = repo.recordBytes(rec.recordId)!;
      expect(decodeSdrHeader(bytes)).toMatchObject({
        recordId: rec.recordId,
        sdrVersion: 0x51,
        length: bytes.length - 5,
      });
      expect(decodeSdrRecord(bytes)).toEqual(rec);
    }
    const types = pe860SdrRecords().map((r) => r.recordType);
    expect(types.filter((t) => t === 0x01)).toHaveLength(12);
    expect(types.filter((t) => t === 0x02)).toHaveLength(2);
    expect(types.at(-1)).toBe(0x12);
  });

  test("linear conversion factors give PE860 values: 12V rail, fan RPM, temperatures", () => {
    const v12 = fullRecord("12V");
    expect(convertReading(v12.nominalReading, conversionFactors(v12))).toBeCloseTo(11.97, 2);
    expect(convertReading(v12.thresholds.lc, conversionFactors(v12))).toBeCloseTo(10.773, 3);
    const fan = fullRecord("FAN 1 RPM");
    expect(convertReading(fan.thresholds.lc, conversionFactors(fan))).toBe(1500);
    const cpu = fullRecord("CPU Temp");
    expect(convertReading(cpu.thresholds.uc, conversionFactors(cpu))).toBe(90);
    expect(cpu.readingMask & 0x3f).toBe(0x18); // UNC + UC readable
    const vbat = fullRecord("VBAT");
    expect(convertReading(vbat.nominalReading, conversionFactors(vbat))).toBeCloseTo(3.008, 3);
  });

  test("Get SDR: chunked reads, reservation check (0xC5), missing record (0xCB), too long (0xCA)", () => {
    const repo = new SdrRepository(pe860SdrRecords(), 0);
    const first = repo.read({ reservationId: 0, recordId: 0, offset: 0, bytesToRead: 5 });
    expect(first).toMatchObject({ ok: true, nextRecordId: 2 });
    expect(repo.read({ reservationId: 0, recordId: 1, offset: 5, bytesToRead: 16 })).toEqual({
      ok: false,
      completionCode: 0xc5,
    });
    const res = repo.reserve();
    const whole: Buffer[] = [];
    for (let off = 0; off < repo.recordBytes(1)!.length; off += 16) {
      const r = repo.read({ reservationId: res, recordId: 1, offset: off, bytesToRead: 16 });
      if (!r.ok) throw new Error(`cc ${r.completionCode}`);
      whole.push(r.data);
    }
    expect(Buffer.concat(whole)).toEqual(repo.recordBytes(1));
    expect(repo.reserve()).not.toBe(res);
    expect(repo.read({ reservationId: res, recordId: 1, offset: 5, bytesToRead: 16 })).toMatchObject({
      completionCode: 0xc5,
    });
    expect(repo.read({ reservationId: 0, recordId: 999, offset: 0, bytesToRead: 0xff })).toMatchObject({
      completionCode: 0xcb,
    });
    expect(repo.read({ reservationId: 0, recordId: 1, offset: 0, bytesToRead: 100 })).toMatchObject({
      completionCode: 0xca,
    });
    const last = repo.read({ reservationId: 0, recordId: 0xffff, offset: 0, bytesToRead: 0xff });
    expect(last).toMatchObject({ ok: true, nextRecordId: 0xffff });
  });
});

describe("sensors and SEL", () => {
  test("readings drift within their bound and never cross a threshold on their own", () => {
    const clock = { now: 0 };
    const events: SensorEvent[] = [];
    const bank = new SensorBank(
      PE860_SENSORS,
      () => clock.now,
      7,
      (e) => events.push(e),
    );
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      clock.now += 2000;
      for (const s of PE860_SENSORS) {
        const r = bank.read(s.number)!;
        if (s.kind === "threshold") {
          expect(Math.abs(r.raw - s.nominalRaw)).toBeLessThanOrEqual(s.driftRaw);
          expect(r.state).toBe(0);
          if (s.number === 1) seen.add(r.raw);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(1); // it does move
    expect(events).toHaveLength(0);
  });

  test("fault injection: CPU past upper critical logs UNC+UC going-high events; recovery deasserts them", () => {
    const clock = { now: 1_700_000_000_000 };
    const sel = new SystemEventLog(() => Math.floor(clock.now / 1000));
    const bank = new SensorBank(
      PE860_SENSORS,
      () => clock.now,
      1,
      (e) => sel.add(e),
    );
    const r = bank.inject("CPU Temp", "upper-critical");
    expect(r.raw).toBe(92);
    expect(r.state).toBe(0x18); // ≥ UNC and ≥ UC
    expect(sel.records.map((e) => [e.sensorNumber, e.deassertion, e.eventData[0]])).toEqual([
      [1, false, 0x57], // upper non-critical going high
      [1, false, 0x59], // upper critical going high
    ]);
    expect(sel.records[1]!.eventData.slice(1)).toEqual([92, 90]); // trigger reading, threshold
    bank.inject(1, "normal");
    expect(sel.records.slice(2).map((e) => e.deassertion)).toEqual([true, true]);
    bank.setDiscrete("Intrusion", 1);
    expect(sel.records.at(-1)).toMatchObject({ sensorNumber: 0x51, deassertion: false, eventType: 0x6f });
    expect(bank.read(0x51)!.state).toBe(1);
  });

  test("SEL: entries decode with the client's decoder; clear needs the reservation; capacity overflows", () => {
    const sel = new SystemEventLog(() => 1000, 3);
    const ev = {
      kind: "system" as const,
      recordType: 0x02 as const,
      generatorId: 0x20,
      evmRevision: 4,
      sensorType: 1,
      sensorNumber: 1,
      deassertion: false,
      eventType: 1,
      eventData: [0x59, 92, 90] as [number, number, number],
    };
    expect([sel.add(ev), sel.add(ev), sel.add(ev), sel.add(ev)]).toEqual([1, 2, 3, undefined]);
    expect(sel.info()).toMatchObject({ entries: 3, freeSpace: 0, operationSupport: 0x82 });
    const r = sel.read({ reservationId: 0, recordId: 0, offset: 0, bytesToRead: 0xff });
    if (!r.ok) throw new Error("read");
    expect(r.nextRecordId).toBe(2);
    expect(decodeSelRecord(r.data)).toMatchObject({
      recordId: 1,
      timestamp: 1000,
      sensorNumber: 1,
      eventData: [0x59, 92, 90],
    });
    expect(sel.clear(0, 0xaa)).toEqual({ ok: false, completionCode: 0xc5 });
    const res = sel.reserve();
    expect(sel.clear(res, 0xaa)).toEqual({ ok: true, progress: 1 });
    expect(sel.info()).toMatchObject({ entries: 0, lastErase: 1000, operationSupport: 0x02 });
    expect(sel.read({ reservationId: 0, recordId: 0, offset: 0, bytesToRead: 0xff })).toMatchObject({
      completionCode: 0xcb,
    });
    expect(pe860SdrRecords().filter(isSensorRecord)).toHaveLength(PE860_SENSORS.length);
  });
});
