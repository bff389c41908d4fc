/** sdk/sensor-state.ts: the words the console and the CLI show for a sensor, every case. */
import fc from "fast-check";
import type { SensorReading, SensorThresholds } from "../../../sdk/schema/machine";
import { THRESHOLDS, crossedThreshold, describeSensorState, sensorState } from "../../../sdk/sensor-state";

const reading = (over: Partial<SensorReading>): SensorReading => ({
  name: "CPU Temp",
  kind: "temperature",
  value: 50,
  unit: "degrees C",
  status: "ok",
  ...over,
});
const ALL: SensorThresholds = {
  lowerNonRecoverable: 0,
  lowerCritical: 3,
  lowerNonCritical: 8,
  upperNonCritical: 42,
  upperCritical: 47,
  upperNonRecoverable: 60,
};

describe("sensor state", () => {
  test("status → state, for every status", () => {
    expect(sensorState(reading({ status: "ok" })).state).toBe("ok");
    expect(sensorState(reading({ status: "warning" })).state).toBe("non-critical");
    expect(sensorState(reading({ status: "critical" })).state).toBe("critical");
    expect(sensorState(reading({ status: "unknown" })).state).toBe("unknown");
  });

  test("the threshold named at every band of a six-threshold sensor (bounds included)", () => {
    const cases: [number, string | undefined][] = [
      [-5, "lowerNonRecoverable"],
      [0, "lowerNonRecoverable"],
      [1, "lowerCritical"],
      [3, "lowerCritical"],
      [5, "lowerNonCritical"],
      [8, "lowerNonCritical"],
      [9, undefined],
      [41.9, undefined],
      [42, "upperNonCritical"],
      [47, "upperCritical"],
      [59, "upperCritical"],
      [60, "upperNonRecoverable"],
      [99, "upperNonRecoverable"],
    ];
    for (const [value, key] of cases) {
      expect([value, crossedThreshold({ value, thresholds: ALL })?.key]).toEqual([value, key]);
    }
    expect(crossedThreshold({ value: null, thresholds: ALL })).toBeUndefined();
    expect(crossedThreshold({ value: 99, thresholds: undefined })).toBeUndefined();
  });

  test("any subset of thresholds: the named one is reached, and none more severe is", () => {
    const rank = { "non-critical": 1, critical: 2, "non-recoverable": 3 };
    fc.assert(
      fc.property(
        fc.subarray(THRESHOLDS.map((t) => t.key)),
        fc.double({ min: -10, max: 70, noNaN: true }),
        (keys, v) => {
          const thresholds = Object.fromEntries(keys.map((k) => [k, ALL[k]])) as SensorThresholds;
          const reached = THRESHOLDS.filter(
            (t) =>
              thresholds[t.key] !== undefined &&
              (t.side === "lower" ? v <= thresholds[t.key]! : v >= thresholds[t.key]!),
          );
          const got = crossedThreshold({ value: v, thresholds });
          if (reached.length === 0) expect(got).toBeUndefined();
          else {
            expect(reached).toContain(got);
            for (const t of reached) expect(rank[t.severity]).toBeLessThanOrEqual(rank[got!.severity]);
          }
        },
      ),
    );
  });

  test("in words: the state, and the threshold reached with its value and unit", () => {
    expect(describeSensorState(reading({ status: "ok", value: 50, thresholds: ALL }))).toBe("ok");
    expect(describeSensorState(reading({ status: "warning", value: 43, thresholds: ALL }))).toBe(
      "non-critical (at or above upper non-critical 42 degrees C)",
    );
    expect(describeSensorState(reading({ status: "critical", value: 2, thresholds: ALL }))).toBe(
      "critical (at or below lower critical 3 degrees C)",
    );
    // The BMC's bits (hysteresis) may say critical while the value is back inside: no threshold named.
    expect(describeSensorState(reading({ status: "critical", value: 20, thresholds: ALL }))).toBe("critical");
    expect(describeSensorState(reading({ status: "unknown", value: null, thresholds: ALL }))).toBe("unknown");
    // An ok status never names a threshold, even at one (the BMC decides).
    expect(sensorState(reading({ status: "ok", value: 42, thresholds: ALL }))).toEqual({ state: "ok" });
  });
});
