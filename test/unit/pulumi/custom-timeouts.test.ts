import { operationTimeoutMs, parseGoDuration, timeoutsOf } from "../../../provider/pulumi/custom-timeouts";

describe("parseGoDuration (Go time.ParseDuration)", () => {
  test.each([
    ["0", 0],
    ["45s", 45],
    ["20m", 1200],
    ["1h30m", 5400],
    ["1.5h", 5400],
    ["500ms", 0.5],
    ["2h0m10s", 7210],
    [".5m", 30],
  ])("%s = %d s", (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds, 9);
  });

  test.each(["", "20", "m", "1d", "20 m", "-5m", "1h 30m", "abc"])("refuses %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow(/duration/);
  });
});

describe("timeoutsOf", () => {
  test("no options or no customTimeouts: undefined", () => {
    expect(timeoutsOf(undefined)).toBeUndefined();
    expect(timeoutsOf({})).toBeUndefined();
    expect(timeoutsOf({ customTimeouts: {} })).toBeUndefined();
  });

  test("each operation in whole seconds, at least one", () => {
    expect(timeoutsOf({ customTimeouts: { create: "20m", delete: "1.5s", update: "10ms" } })).toEqual({
      create: 1200,
      delete: 2,
      update: 1,
    });
  });

  test("a bad duration is an error naming customTimeouts", () => {
    expect(() => timeoutsOf({ customTimeouts: { create: "soon" } })).toThrow(/customTimeouts: "soon"/);
  });
});

describe("operationTimeoutMs", () => {
  test("customTimeouts first, then timeoutSeconds, then the default", () => {
    const props = { timeouts: { create: 60 }, timeoutSeconds: 30 };
    expect(operationTimeoutMs(props, "create", 10)).toBe(60_000);
    expect(operationTimeoutMs(props, "delete", 10)).toBe(30_000);
    expect(operationTimeoutMs({}, "update", 10)).toBe(10_000);
  });
});
