/**
 * BMC sensors and SEL events → the region's HealthReport: kinds, unknown readings, and the SEL
 * severity table (IPMI v1.5 §29.7 event data, tables 36-2 / 36-3).
 */
import fc from "fast-check";
import type { SystemEventRecord } from "../../../backend/power/ipmi15/commands/sel";
import type { SelEvent } from "../../../backend/power/ipmi15/sel-walk";
import type { SensorValue } from "../../../backend/power/ipmi15/sensor-walk";
import {
  MAX_SEL,
  MAX_SENSORS,
  severityOf,
  toHealthReport,
  toReading,
  toSel,
} from "../../../backend/rack/health-report";

function sensor(over: Partial<SensorValue>): SensorValue {
  return {
    number: 1,
    name: "CPU Temp",
    sensorType: 0x01,
    type: "Temperature",
    entity: "Processor",
    kind: "threshold",
    value: 45,
    unit: "degrees C",
    status: "ok",
    ...over,
  };
}

function event(
  o: {
    type?: number;
    offset?: number;
    sensorType?: number;
    deassert?: boolean;
    id?: number;
    number?: number;
  } = {},
): SelEvent {
  const record: SystemEventRecord = {
    kind: "system",
    recordId: o.id ?? 1,
    recordType: 0x02,
    timestamp: 1_700_000_000,
    generatorId: 0x20,
    evmRevision: 0x04,
    sensorType: o.sensorType ?? 0x01,
    sensorNumber: o.number ?? 1,
    deassertion: o.deassert ?? false,
    eventType: o.type ?? 0x01,
    eventData: [0x50 | (o.offset ?? 0x09), 0xff, 0xff],
  };
  return {
    recordId: record.recordId,
    date: new Date(record.timestamp * 1000).toISOString(),
    sensorType: "Temperature",
    sensorNumber: record.sensorNumber,
    asserted: !record.deassertion,
    description: "Upper Critical going high",
    record,
  };
}

describe("sensor readings", () => {
  test("threshold sensors keep name, unit and value; their kind follows the sensor type", () => {
    expect(toReading(sensor({}))).toEqual({
      name: "CPU Temp",
      kind: "temperature",
      value: 45,
      unit: "degrees C",
      status: "ok",
    });
    expect(toReading(sensor({ type: "Fan", name: "FAN 1 RPM", unit: "RPM", value: 4200 })).kind).toBe("fan");
    expect(toReading(sensor({ type: "Voltage" })).kind).toBe("voltage");
    expect(toReading(sensor({ type: "Current" })).kind).toBe("current");
    expect(toReading(sensor({ type: "Power Supply" })).kind).toBe("power supply");
  });

  test("discrete sensors are 'discrete' with no value; an unavailable reading is 'unknown'", () => {
    const { value: _v, unit: _u, ...noValue } = sensor({ kind: "discrete", type: "Power Supply" });
    expect(toReading(noValue)).toEqual({
      name: "CPU Temp",
      kind: "discrete",
      value: null,
      unit: "",
      status: "ok",
    });
    expect(toReading(sensor({ status: "unavailable" })).status).toBe("unknown");
    expect(toReading(sensor({ status: "critical" })).status).toBe("critical");
    expect(toReading(sensor({ value: Number.NaN })).value).toBeNull();
  });

  test("thresholds keep their values under the API's names; none (or discrete) → absent", () => {
    const all = { lnr: 1, lc: 2, lnc: 3, unc: 70, uc: 80, unr: 90 };
    expect(toReading(sensor({ thresholds: all })).thresholds).toEqual({
      lowerNonRecoverable: 1,
      lowerCritical: 2,
      lowerNonCritical: 3,
      upperNonCritical: 70,
      upperCritical: 80,
      upperNonRecoverable: 90,
    });
    // Each IPMI name maps to a distinct API name, whatever subset the BMC can read.
    fc.assert(
      fc.property(fc.subarray(Object.keys(all) as (keyof typeof all)[]), (names) => {
        const t = Object.fromEntries(names.map((n) => [n, all[n]]));
        const out = toReading(sensor({ thresholds: t })).thresholds;
        if (names.length === 0) expect(out).toBeUndefined();
        else
          expect(Object.values(out!).sort((a, b) => a - b)).toEqual(
            names.map((n) => all[n]).sort((a, b) => a - b),
          );
      }),
    );
    expect(toReading(sensor({ thresholds: {} }))).not.toHaveProperty("thresholds");
    expect(toReading(sensor({ thresholds: { uc: Number.POSITIVE_INFINITY } }))).not.toHaveProperty(
      "thresholds",
    );
    expect(toReading(sensor({ kind: "discrete", thresholds: all }))).not.toHaveProperty("thresholds");
  });
});

describe("SEL severity", () => {
  test("threshold events: critical and non-recoverable offsets are critical, non-critical a warning", () => {
    const critical = [0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b];
    const warning = [0x00, 0x01, 0x06, 0x07];
    for (const offset of critical) expect(severityOf(event({ offset }))).toBe("critical");
    for (const offset of warning) expect(severityOf(event({ offset }))).toBe("warning");
    expect(severityOf(event({ offset: 0x0c }))).toBe("info");
  });

  test("a deassertion (the fault cleared) is informational", () => {
    expect(severityOf(event({ offset: 0x09, deassert: true }))).toBe("info");
  });

  test("sensor-specific events: failures critical, predictive ones a warning", () => {
    const s = (sensorType: number, offset: number) => severityOf(event({ type: 0x6f, sensorType, offset }));
    expect(s(0x08, 0x01)).toBe("critical"); // power supply failure detected
    expect(s(0x08, 0x02)).toBe("warning"); // predictive failure
    expect(s(0x08, 0x03)).toBe("warning"); // AC lost
    expect(s(0x08, 0x00)).toBe("info"); // presence detected
    expect(s(0x0c, 0x01)).toBe("critical"); // uncorrectable ECC
    expect(s(0x0c, 0x00)).toBe("warning"); // correctable ECC
    expect(s(0x07, 0x00)).toBe("critical"); // processor IERR
    expect(s(0x07, 0x01)).toBe("critical"); // thermal trip
    expect(s(0x05, 0x00)).toBe("warning"); // chassis intrusion
    expect(s(0x10, 0x04)).toBe("warning"); // SEL full
    expect(s(0x10, 0x02)).toBe("info"); // log cleared
  });

  test("generic severity events (type 07h) follow their offset", () => {
    const s = (offset: number) => severityOf(event({ type: 0x07, offset }));
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(s)).toEqual([
      "info",
      "warning",
      "critical",
      "critical",
      "warning",
      "critical",
      "critical",
      "info",
      "info",
    ]);
  });

  test("OEM records are informational", () => {
    const oem: SelEvent = {
      recordId: 9,
      description: "OEM record",
      record: {
        kind: "oem-timestamped",
        recordId: 9,
        recordType: 0xc0,
        timestamp: 0,
        manufacturerId: 674,
        oemData: Buffer.alloc(6),
      },
    };
    expect(severityOf(oem)).toBe("info");
    expect(toSel(oem)).toEqual({
      id: 9,
      at: null,
      sensor: "OEM",
      description: "OEM record",
      severity: "info",
    });
  });

  test("severity is always one of the three, whatever the bytes", () => {
    fc.assert(
      fc.property(
        fc.nat(0xff),
        fc.nat(0xff),
        fc.nat(0xff),
        fc.boolean(),
        (type, sensorType, data1, deassert) => {
          const e = event({ type, sensorType, deassert });
          e.record = { ...(e.record as SystemEventRecord), eventData: [data1, 0xff, 0xff] };
          return ["info", "warning", "critical"].includes(severityOf(e));
        },
      ),
    );
  });
});

describe("HealthReport", () => {
  test("SEL events name the sensor by its SDR name when the number is known", () => {
    const r = toHealthReport(
      "on",
      [sensor({ number: 7, name: "Planar Temp" })],
      [event({ number: 7, id: 3 })],
    );
    expect(r.powerState).toBe("on");
    expect(r.sel).toEqual([
      {
        id: 3,
        at: "2023-11-14T22:13:20.000Z",
        sensor: "Planar Temp",
        description: "Upper Critical going high",
        severity: "critical",
      },
    ]);
    expect(toSel(event({ number: 99 })).sensor).toBe("Temperature");
  });

  test("stays within the region's limits, keeping the newest SEL entries", () => {
    const sensors = Array.from({ length: MAX_SENSORS + 10 }, (_, i) => sensor({ number: i, name: `S${i}` }));
    const sel = Array.from({ length: MAX_SEL + 5 }, (_, i) => event({ id: i + 1 }));
    const r = toHealthReport("off", sensors, sel);
    expect(r.sensors).toHaveLength(MAX_SENSORS);
    expect(r.sel).toHaveLength(MAX_SEL);
    expect(r.sel[0]!.id).toBe(6);
    expect(r.sel.at(-1)!.id).toBe(MAX_SEL + 5);
  });
});
