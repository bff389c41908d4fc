/**
 * Threshold source and conversion (backend/power/ipmi15/sensor-thresholds.ts), exhaustively:
 * every access mode, every completion code, every readable mask.
 */
import fc from "fast-check";
import {
  fullSensorRecord,
  PE860_SENSORS,
  type ThresholdSensorSpec,
} from "../../../backend/lab/bmc/pe860-profile";
import {
  type FullSensorRecord,
  type SensorThresholds,
  ThresholdBit,
  conversionFactors,
} from "../../../backend/power/ipmi15/commands/sdr";
import { AnalogFormat, convertReading } from "../../../backend/power/ipmi15/sensor-conversion";
import {
  afterGetThresholds,
  convertThresholds,
  resolveThresholds,
  sdrThresholds,
  THRESHOLD_BITS,
  thresholdSource,
} from "../../../backend/power/ipmi15/sensor-thresholds";

const PE860_12V = fullSensorRecord(PE860_SENSORS.find((s) => s.name === "12V") as ThresholdSensorSpec, 1);
/** Capabilities bits 3:2 (spec 43.1 byte 11): 0 none, 1 readable, 2 settable, 3 fixed. */
const withAccess = (rec: FullSensorRecord, access: number): FullSensorRecord => ({
  ...rec,
  capabilities: (rec.capabilities & ~0x0c) | (access << 2),
});
const SDR_VALUES = { lnr: 150, lc: 171, lnc: 180, unc: 200, uc: 209, unr: 220 };
const CMD_VALUES = { lnr: 10, lc: 20, lnc: 30, unc: 40, uc: 50, unr: 60 };
const REC: FullSensorRecord = { ...PE860_12V, readingMask: 0x3f, thresholds: SDR_VALUES };
const volts = (raw: number) => convertReading(raw, conversionFactors(REC))!;
const all = (v: typeof SDR_VALUES) => ({
  lnr: volts(v.lnr),
  lc: volts(v.lc),
  lnc: volts(v.lnc),
  unc: volts(v.unc),
  uc: volts(v.uc),
  unr: volts(v.unr),
});

describe("where thresholds come from (spec 43.1 capabilities bits 3:2; FreeIPMI's policy)", () => {
  test("access mode → source", () => {
    expect(thresholdSource("none")).toBe("none");
    expect(thresholdSource("readable")).toBe("command");
    expect(thresholdSource("settable")).toBe("command");
    expect(thresholdSource("fixed")).toBe("sdr");
  });

  test("every completion code of Get Sensor Thresholds", () => {
    for (let cc = 0; cc < 256; cc++) {
      const want = cc === 0 ? "command" : [0xc1, 0xc9, 0xff].includes(cc) ? "sdr" : "none";
      expect([cc, afterGetThresholds(cc)]).toEqual([cc, want]);
    }
  });

  test("every access mode × answer: the values come from the right place", () => {
    const answer = { completionCode: 0, thresholds: { readableMask: 0x3f, values: CMD_VALUES } };
    // none: nothing, whatever the BMC would answer
    expect(resolveThresholds(withAccess(REC, 0), answer)).toEqual({});
    // fixed: the SDR's bytes, the command is not used
    expect(resolveThresholds(withAccess(REC, 3), answer)).toEqual(all(SDR_VALUES));
    expect(resolveThresholds(withAccess(REC, 3), undefined)).toEqual(all(SDR_VALUES));
    for (const access of [1, 2]) {
      const rec = withAccess(REC, access);
      expect(resolveThresholds(rec, answer)).toEqual(all(CMD_VALUES));
      expect(resolveThresholds(rec, { completionCode: 0xc1 })).toEqual(all(SDR_VALUES));
      expect(resolveThresholds(rec, { completionCode: 0xcd })).toEqual({});
      expect(resolveThresholds(rec, { completionCode: 0xcb })).toEqual({});
      expect(resolveThresholds(rec, undefined)).toEqual({});
    }
  });

  test("the command's readable mask decides, not the SDR's (it may be stale)", () => {
    const rec = { ...withAccess(REC, 1), readingMask: 0x00 };
    const answer = { completionCode: 0, thresholds: { readableMask: ThresholdBit.UC, values: CMD_VALUES } };
    expect(resolveThresholds(rec, answer)).toEqual({ uc: volts(50) });
  });

  test("the SDR's readable mask is bits 5:0 of bytes 19–20; the settable bits 13:8 are not it", () => {
    expect(sdrThresholds({ ...REC, readingMask: 0x3f00 | ThresholdBit.LC }).readableMask).toBe(
      ThresholdBit.LC,
    );
    expect(sdrThresholds({ ...REC, readingMask: 0x3f00 }).readableMask).toBe(0);
  });
});

describe("conversion of the readable thresholds (spec 36.3, as readings)", () => {
  const byte = fc.integer({ min: 0, max: 255 });
  const raw = fc.record({ lnc: byte, lc: byte, lnr: byte, unc: byte, uc: byte, unr: byte });

  test("every mask: exactly the readable ones, each converted with the reading's formula", () => {
    fc.assert(
      fc.property(
        raw,
        fc.integer({ min: -512, max: 511 }),
        fc.integer({ min: -512, max: 511 }),
        fc.integer({ min: -8, max: 7 }),
        fc.integer({ min: -8, max: 7 }),
        fc.constantFrom(AnalogFormat.UNSIGNED, AnalogFormat.ONES_COMPLEMENT, AnalogFormat.TWOS_COMPLEMENT),
        (values, m, b, rExp, bExp, analogFormat) => {
          const rec: FullSensorRecord = { ...REC, m, b, rExp, bExp, units: { ...REC.units, analogFormat } };
          for (let mask = 0; mask < 64; mask++) {
            const t: SensorThresholds = { readableMask: mask, values };
            const out = convertThresholds(rec, t);
            const want = THRESHOLD_BITS.filter(([, bit]) => mask & bit).map(([n]) => n);
            expect(Object.keys(out)).toEqual(want);
            for (const n of want) expect(out[n]).toBe(convertReading(values[n], conversionFactors(rec)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test("a record without an analog format has no convertible thresholds", () => {
    const rec = { ...REC, units: { ...REC.units, analogFormat: AnalogFormat.NONE } };
    expect(convertThresholds(rec, { readableMask: 0x3f, values: CMD_VALUES })).toEqual({});
  });

  test("the PE860 profile's thresholds in units", () => {
    const units = (name: string) => {
      const spec = PE860_SENSORS.find((s) => s.name === name) as ThresholdSensorSpec;
      return resolveThresholds(withAccess(fullSensorRecord(spec, 1), 3), undefined);
    };
    expect(units("12V")).toEqual({ lc: 10.773, uc: 13.167 });
    expect(units("Ambient Temp")).toEqual({ lc: 3, lnc: 8, unc: 42, uc: 47 });
    expect(units("FAN 1 RPM")).toEqual({ lc: 1500, lnc: 1800 });
    expect(units("VBAT")).toEqual({ lc: 2.496, lnc: 2.592 });
  });
});
