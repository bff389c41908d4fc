import fc from "fast-check";
import type { CommandResult, CommandRunner } from "../../../backend/power/ipmi15/command-runner";
import type { CommandId } from "../../../backend/power/ipmi15/commands/command";
import * as sdr from "../../../backend/power/ipmi15/commands/sdr";
import {
  AnalogFormat,
  type ConversionFactors,
  convertReading,
  rawFromValue,
  rawToInteger,
} from "../../../backend/power/ipmi15/sensor-conversion";
import {
  classifyThresholdSensor,
  readSdrRepository,
  readSensors,
} from "../../../backend/power/ipmi15/sensor-walk";
import { IPMI_SIM_SDR_DUMP } from "./fixtures/ipmitool-capture";

/** Splits `ipmitool sdr dump` output into records (5-byte header + length). */
function splitRecords(dump: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < dump.length; ) {
    const len = sdr.SDR_HEADER_LENGTH + dump[at + 4]!;
    out.push(dump.subarray(at, at + len));
    at += len;
  }
  return out;
}
const RECORDS = splitRecords(Buffer.from(IPMI_SIM_SDR_DUMP, "hex"));

describe("SDR records (spec 43.1, 43.2)", () => {
  test("full and compact records from ipmi_sim's repository decode as ipmitool showed them", () => {
    expect(RECORDS.length).toBe(4);
    const [temp, volts, fan, intrusion] = RECORDS.map((r) => sdr.decodeSdrRecord(r));
    expect(temp).toMatchObject({
      recordType: 1,
      sensorNumber: 1,
      sensorType: 1,
      eventReadingType: 1,
      idString: "CPU Temp",
      m: 1,
      b: 0,
      rExp: 0,
      thresholds: { unr: 95, uc: 85, unc: 75, lnr: 0, lc: 2, lnc: 5 },
    });
    expect(volts).toMatchObject({ idString: "12V", m: 6, rExp: -2, units: { base: 4 } });
    expect(fan).toMatchObject({ idString: "Fan1", m: 50, units: { base: 18 } });
    expect(intrusion).toMatchObject({
      recordType: 2,
      idString: "Intrusion",
      sensorType: 5,
      eventReadingType: 0x6f,
    });
    expect(convertReading(200, sdr.conversionFactors(volts as sdr.FullSensorRecord))).toBe(12);
    // and re-encoding gives the same bytes
    for (const r of RECORDS) expect(sdr.encodeSdrRecord(sdr.decodeSdrRecord(r))).toEqual(r);
  });

  test("truncated records are ProtocolErrors; unknown types are kept raw", () => {
    for (let n = 0; n < RECORDS[0]!.length - 1; n++) {
      expect(() => sdr.decodeSdrRecord(RECORDS[0]!.subarray(0, n))).toThrow(/truncated|header says/);
    }
    const locator = Buffer.from("0500511209200000000000", "hex").subarray(0, 5 + 6);
    locator[4] = 6;
    expect(sdr.decodeSdrRecord(locator)).toMatchObject({
      recordType: 0x12,
      recordId: 5,
      body: expect.any(Buffer),
    });
  });

  const tenBit = fc.integer({ min: -512, max: 511 });
  const fourBit = fc.integer({ min: -8, max: 7 });
  const byte = fc.integer({ min: 0, max: 255 });
  const common = {
    recordId: fc.integer({ min: 0, max: 0xfffe }),
    sdrVersion: fc.constant(0x51),
    ownerId: byte,
    ownerChannel: fc.integer({ min: 0, max: 15 }),
    ownerLun: fc.integer({ min: 0, max: 3 }),
    sensorNumber: byte,
    entityId: byte,
    entityInstance: byte,
    initialization: byte,
    capabilities: byte,
    sensorType: byte,
    eventReadingType: byte,
    assertionMask: fc.integer({ min: 0, max: 0xffff }),
    deassertionMask: fc.integer({ min: 0, max: 0xffff }),
    readingMask: fc.integer({ min: 0, max: 0xffff }),
    units: fc.record({
      analogFormat: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<AnalogFormat>,
      rateUnit: fc.integer({ min: 0, max: 7 }),
      modifierMode: fc.integer({ min: 0, max: 3 }),
      percentage: fc.boolean(),
      base: byte,
      modifier: byte,
    }),
    idString: fc.stringMatching(/^[A-Za-z0-9 .+-]{0,16}$/),
  };

  test("property: full and compact records round-trip", () => {
    fc.assert(
      fc.property(
        fc.record({
          ...common,
          recordType: fc.constant(sdr.SDR_RECORD_FULL),
          linearization: fc.integer({ min: 0, max: 0x7f }),
          m: tenBit,
          tolerance: fc.integer({ min: 0, max: 63 }),
          b: tenBit,
          accuracy: fc.integer({ min: 0, max: 1023 }),
          accuracyExp: fc.integer({ min: 0, max: 3 }),
          direction: fc.integer({ min: 0, max: 3 }),
          rExp: fourBit,
          bExp: fourBit,
          analogFlags: byte,
          nominalReading: byte,
          normalMax: byte,
          normalMin: byte,
          sensorMax: byte,
          sensorMin: byte,
          thresholds: fc.record({ unr: byte, uc: byte, unc: byte, lnr: byte, lc: byte, lnc: byte }),
          positiveHysteresis: byte,
          negativeHysteresis: byte,
          oem: byte,
        }),
        (r) => expect(sdr.decodeSdrRecord(sdr.encodeSdrRecord(r))).toEqual(r),
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.record({
          ...common,
          recordType: fc.constant(sdr.SDR_RECORD_COMPACT),
          sharing: fc.integer({ min: 0, max: 0xffff }),
          positiveHysteresis: byte,
          negativeHysteresis: byte,
          oem: byte,
        }),
        (r) => expect(sdr.decodeSdrRecord(sdr.encodeSdrRecord(r))).toEqual(r),
      ),
      { numRuns: 200 },
    );
  });

  test("sensor reading and thresholds codecs round-trip", () => {
    fc.assert(
      fc.property(
        fc.record({
          raw: byte,
          eventMessagesEnabled: fc.boolean(),
          scanningEnabled: fc.boolean(),
          unavailable: fc.boolean(),
          state: fc.option(fc.integer({ min: 0, max: 0x7fff }), { nil: undefined }),
        }),
        (s) => expect(sdr.decodeGetSensorReadingResponse(sdr.encodeGetSensorReadingResponse(s))).toEqual(s),
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          readableMask: fc.integer({ min: 0, max: 0x3f }),
          values: fc.record({ lnc: byte, lc: byte, lnr: byte, unc: byte, uc: byte, unr: byte }),
        }),
        (t) =>
          expect(sdr.decodeGetSensorThresholdsResponse(sdr.encodeGetSensorThresholdsResponse(t))).toEqual(t),
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          reservationId: fc.integer({ min: 0, max: 0xffff }),
          recordId: fc.integer({ min: 0, max: 0xffff }),
          offset: byte,
          bytesToRead: byte,
        }),
        (q) => expect(sdr.decodeGetSdrRequest(sdr.encodeGetSdrRequest(q))).toEqual(q),
      ),
    );
  });
});

describe("reading conversion (spec 36.3)", () => {
  const linear = (
    m: number,
    b: number,
    bExp: number,
    rExp: number,
    analogFormat: AnalogFormat = 0,
  ): ConversionFactors => ({
    m,
    b,
    bExp,
    rExp,
    linearization: 0,
    analogFormat,
  });

  test("y = (M·x + B·10^Bexp)·10^Rexp with signed formats", () => {
    expect(convertReading(200, linear(6, 0, 0, -2))).toBe(12);
    expect(convertReading(25, linear(50, 0, 0, 0))).toBe(1250);
    expect(convertReading(10, linear(2, 5, 1, -1))).toBe(7); // (20 + 50) / 10
    expect(rawToInteger(0xff, AnalogFormat.TWOS_COMPLEMENT)).toBe(-1);
    expect(rawToInteger(0xfe, AnalogFormat.ONES_COMPLEMENT)).toBe(-1);
    expect(rawToInteger(0xff, AnalogFormat.UNSIGNED)).toBe(255);
    expect(convertReading(0xf6, linear(1, 0, 0, 0, AnalogFormat.TWOS_COMPLEMENT))).toBe(-10);
    expect(convertReading(5, linear(1, 0, 0, 0, AnalogFormat.NONE))).toBeUndefined();
  });

  test("non-linear linearizations apply L[] and 0x70+ is not convertible", () => {
    expect(convertReading(4, { ...linear(1, 0, 0, 0), linearization: 8 })).toBe(16);
    expect(convertReading(100, { ...linear(1, 0, 0, 0), linearization: 2 })).toBe(2);
    expect(convertReading(4, { ...linear(1, 0, 0, 0), linearization: 7 })).toBe(0.25);
    expect(convertReading(4, { ...linear(1, 0, 0, 0), linearization: 0x70 })).toBeUndefined();
  });

  test("property: rawFromValue inverts convertReading for linear sensors", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 511 }),
        fc.integer({ min: -512, max: 511 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(0, 1, 2) as fc.Arbitrary<AnalogFormat>,
        fc.integer({ min: 0, max: 255 }),
        (m, b, bExp, rExp, fmt, raw) => {
          if (fmt === AnalogFormat.ONES_COMPLEMENT && raw === 0xff) return; // -0
          const f = linear(m, b, bExp, rExp, fmt);
          const y = convertReading(raw, f)!;
          expect(rawFromValue(y, f)).toBe(raw);
        },
      ),
    );
  });

  test("classification uses the BMC's comparison bits first, then values", () => {
    expect(classifyThresholdSensor(0x00, 50, {})).toBe("ok");
    expect(classifyThresholdSensor(0x01, 50, {})).toBe("warning");
    expect(classifyThresholdSensor(0x10, 50, {})).toBe("critical");
    expect(classifyThresholdSensor(undefined, 80, { unc: 75, uc: 85 })).toBe("warning");
    expect(classifyThresholdSensor(undefined, 90, { unc: 75, uc: 85 })).toBe("critical");
    expect(classifyThresholdSensor(undefined, 1, { lc: 2 })).toBe("critical");
    expect(classifyThresholdSensor(undefined, undefined, {})).toBe("unavailable");
  });
});

/** A scripted BMC for the walker's control flow (partial reads, lost reservations, loops). */
function fakeRepository(
  records: Buffer[],
  opts: { wholeReads: boolean; loseReservationOnce?: boolean; loop?: boolean },
): { run: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  let reservation = 1;
  let lost = opts.loseReservationOnce ?? false;
  const run: CommandRunner = async (cmd: CommandId, data: Uint8Array, allowed: readonly number[] = []) => {
    const reply = (cc: number, d: Buffer = Buffer.alloc(0)): CommandResult => {
      if (cc !== 0 && !allowed.includes(cc)) throw new Error(`cc ${cc} not allowed for ${cmd.name}`);
      return { completionCode: cc, data: d };
    };
    calls.push(cmd.name);
    if (cmd === sdr.RESERVE_SDR_REPOSITORY)
      return reply(0, sdr.encodeReserveSdrRepositoryResponse(++reservation));
    if (cmd === sdr.GET_SDR) {
      const q = sdr.decodeGetSdrRequest(data);
      if (lost && q.offset > 0) {
        lost = false;
        return reply(0xc5);
      }
      if (q.offset > 0 && q.reservationId !== reservation) return reply(0xc5);
      const i = q.recordId;
      const rec = records[i];
      if (!rec) return reply(0xcb);
      if (q.bytesToRead === 0xff && !opts.wholeReads) return reply(0xca);
      const next = opts.loop ? 0 : i + 1 < records.length ? i + 1 : 0xffff;
      const part = q.bytesToRead === 0xff ? rec : rec.subarray(q.offset, q.offset + q.bytesToRead);
      return reply(0, sdr.encodeGetSdrResponse({ nextRecordId: next, data: Buffer.from(part) }));
    }
    if (cmd === sdr.GET_SENSOR_READING) {
      const n = data[0]!;
      const raw = [0, 45, 200, 25][n] ?? 0;
      return reply(
        0,
        sdr.encodeGetSensorReadingResponse({
          raw,
          eventMessagesEnabled: true,
          scanningEnabled: true,
          unavailable: false,
          state: n === 3 ? 1 : 0,
        }),
      );
    }
    if (cmd === sdr.GET_SENSOR_THRESHOLDS) return reply(0xc1);
    throw new Error(`unexpected ${cmd.name}`);
  };
  return { run, calls };
}

describe("SDR walk", () => {
  test("whole-record reads", async () => {
    const { run, calls } = fakeRepository(RECORDS, { wholeReads: true });
    expect((await readSdrRepository(run)).map((r) => r.recordId)).toEqual([1, 2, 3, 4]);
    expect(calls.filter((c) => c === "Get SDR").length).toBe(4);
  });

  test("falls back to 16-byte partial reads and re-reserves after 0xC5", async () => {
    const { run, calls } = fakeRepository(RECORDS, { wholeReads: false, loseReservationOnce: true });
    const recs = await readSdrRepository(run);
    expect(recs.map((r) => (sdr.isSensorRecord(r) ? r.idString : "?"))).toEqual([
      "CPU Temp",
      "12V",
      "Fan1",
      "Intrusion",
    ]);
    expect(calls.filter((c) => c === "Reserve SDR Repository").length).toBe(2);
  });

  test("a looping next-record chain stops", async () => {
    const { run } = fakeRepository(RECORDS, { wholeReads: true, loop: true });
    expect((await readSdrRepository(run)).length).toBe(1);
  });

  test("sensors: values converted; thresholds fall back to the SDR when Get Sensor Thresholds is refused", async () => {
    const { run } = fakeRepository(RECORDS, { wholeReads: true });
    const s = await readSensors(run);
    expect(s.map((x) => [x.name, x.value, x.status])).toEqual([
      ["CPU Temp", 45, "ok"],
      ["12V", 12, "ok"],
      ["Fan1", 1250, "warning"],
      ["Intrusion", undefined, "ok"],
    ]);
    expect(s[0]!.thresholds).toEqual({ lnc: 5, lc: 2, lnr: 0, unc: 75, uc: 85, unr: 95 });
  });
});
