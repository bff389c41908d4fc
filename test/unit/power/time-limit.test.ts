/**
 * The overall time limit of a power verb (`fibrix power --timeout`): duration parsing and the
 * derived per-exchange timeouts (pure), the driver base handing each attempt the time left,
 * and the IPMI session cutting its exchanges to it (over a fake transport that never answers).
 */
import { BasePowerDriver, type Clock, type PowerState } from "../../../backend/power/driver";
import { ConfigurationError, PowerTimeoutError } from "../../../backend/power/errors";
import { Ipmi15Client } from "../../../backend/power/ipmi15/client";
import { TimeLimitError } from "../../../backend/power/ipmi15/session";
import type { LanExchange, LanTransport } from "../../../backend/power/ipmi15/transport";
import {
  DEFAULT_POWER_TIMEOUT_MS,
  parseDuration,
  powerErrorMessage,
  powerParameters,
  powerTimeLimits,
} from "../../../cli/commands/power";

describe("parseDuration", () => {
  test.each([
    ["10s", 10_000],
    ["500ms", 500],
    ["2000", 2000],
    ["1.5s", 1500],
    ["2m", 120_000],
    [" 3S ", 3000],
    ["1h", Number.NaN],
  ])("%j → %d", (raw, ms) => {
    if (Number.isNaN(ms)) expect(() => parseDuration(raw, "--timeout")).toThrow(ConfigurationError);
    else expect(parseDuration(raw, "--timeout")).toBe(ms);
  });

  test.each(["", "abc", "0", "0ms", "-1", "10 parsecs", "1e3", "61m", "s"])("%j is a usage error", (raw) => {
    expect(() => parseDuration(raw, "--timeout")).toThrow(
      expect.objectContaining({ code: "POWER_CONFIGURATION", field: "timeout" }),
    );
  });
});

describe("powerTimeLimits", () => {
  test("default 10 s overall; ipmi exchanges half of it, at most 2 s; virsh the limit, at most 30 s", () => {
    expect(DEFAULT_POWER_TIMEOUT_MS).toBeLessThanOrEqual(10_000);
    expect(powerTimeLimits({ type: "ipmi" })).toEqual({ limitMs: 10_000, exchangeMs: 2000 });
    expect(powerTimeLimits({ type: "ipmi", timeout: "2s" })).toEqual({ limitMs: 2000, exchangeMs: 1000 });
    // Never below what the setting accepts: the session cuts it to the time left anyway.
    expect(powerTimeLimits({ type: "ipmi", timeout: "20ms" })).toEqual({ limitMs: 20, exchangeMs: 50 });
    expect(powerTimeLimits({ type: "virsh", timeout: "1m" })).toEqual({
      limitMs: 60_000,
      exchangeMs: 30_000,
    });
    expect(powerTimeLimits({ type: "virsh", timeout: "5s" })).toEqual({ limitMs: 5000, exchangeMs: 5000 });
    expect(powerTimeLimits({ type: "wol", timeout: "3s" })).toEqual({ limitMs: 3000, exchangeMs: undefined });
  });

  test("--deadline is an alias; with both the smaller applies; --exchange-timeout fits in the limit", () => {
    expect(powerTimeLimits({ type: "ipmi", deadline: "4000" }).limitMs).toBe(4000);
    expect(powerTimeLimits({ type: "ipmi", timeout: "3s", deadline: "600" }).limitMs).toBe(600);
    expect(powerTimeLimits({ type: "ipmi", timeout: "600", deadline: "3s" }).limitMs).toBe(600);
    expect(powerTimeLimits({ type: "ipmi", exchangeTimeout: "300ms" })).toEqual({
      limitMs: 10_000,
      exchangeMs: 300,
    });
    expect(powerTimeLimits({ type: "ipmi", timeout: "1s", exchangeTimeout: "5s" }).exchangeMs).toBe(1000);
    expect(() => powerTimeLimits({ type: "ipmi", exchangeTimeout: "10ms" })).toThrow(/--exchange-timeout/);
    expect(() => powerTimeLimits({ type: "ipmi", deadline: "never" })).toThrow(/bad --deadline "never"/);
  });

  test("the derived exchange timeout is what the driver gets", () => {
    expect(powerParameters({ type: "ipmi", address: "h", timeout: "10s" }, "pw", 2000)).toMatchObject({
      timeoutMs: 2000,
    });
    expect(
      powerParameters({ type: "virsh", address: "test:///default", domain: "d" }, undefined, 900),
    ).toEqual({
      uri: "test:///default",
      domain: "d",
      timeoutMs: 900,
    });
  });

  test("a timeout's message names address, port, time waited and the limit", () => {
    const e = new PowerTimeoutError("Get Channel Authentication Capabilities: no answer");
    expect(powerErrorMessage(e, { type: "ipmi", address: "127.0.0.1", port: "9" }, 9987, 10_000)).toBe(
      "BMC did not answer in time (wrong address or port, or BMC down): 127.0.0.1:9, no answer after 10.0 s (--timeout 10s)",
    );
    expect(powerErrorMessage(e, { type: "ipmi", address: "bmc7" }, 499, 500)).toMatch(
      /: bmc7:623, no answer after 0\.5 s \(--timeout 500ms\)$/,
    );
    expect(
      powerErrorMessage(new PowerTimeoutError("virsh domstate: no answer"), { type: "virsh" }, 2000, 2000),
    ).toBe("virsh domstate: no answer (gave up after 2.0 s, --timeout 2s)");
    expect(powerErrorMessage(new ConfigurationError("bad"), { type: "ipmi" }, 1, 10_000)).toBe("bad");
  });
});

class FakeClock implements Clock {
  t = 5_000;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
}

/** Every status query "waits" all the time it is given, then times out. */
class SilentDriver extends BasePowerDriver {
  readonly name = "silent";
  given: number[] = [];
  constructor(readonly fake: FakeClock) {
    super({ clock: fake, policy: { deadlineMs: 10_000, retryDelaysMs: [500, 1000, 2000, 4000] } });
  }
  protected async powerOn() {}
  protected async powerOff() {}
  protected async powerCycle() {}
  protected async powerReset() {}
  protected async powerSoftOff() {}
  protected async applyBootDevice() {}
  protected async queryPowerState(left: number): Promise<PowerState> {
    this.given.push(left);
    this.fake.t += Math.min(2000, left);
    throw new PowerTimeoutError("no answer");
  }
}

test("the driver base gives each attempt the time left and ends at the deadline", async () => {
  const clock = new FakeClock();
  const d = new SilentDriver(clock);
  const start = clock.now();
  await expect(d.status()).rejects.toBeInstanceOf(PowerTimeoutError);
  // 2 s, pause 0.5, 2 s, pause 1, 2 s, pause 2, then the last 0.5 s: 10 s in all.
  expect(d.given).toEqual([10_000, 7_500, 4_500, 500]);
  expect(clock.now() - start).toBe(10_000);
});

/** A BMC that never answers: each exchange rejects after the timeout it was given. */
class DeadTransport implements LanTransport {
  timeouts: number[] = [];
  request(x: LanExchange): Promise<never> {
    this.timeouts.push(x.timeoutMs);
    return new Promise((_, reject) =>
      setTimeout(
        () => reject(new PowerTimeoutError(`${x.what}: no answer within ${x.timeoutMs} ms`)),
        x.timeoutMs,
      ),
    );
  }
  ping(): Promise<never> {
    return Promise.reject(new PowerTimeoutError("no pong"));
  }
}

test("an IPMI call with a time limit cuts its exchange to it and says so (TimeLimitError)", async () => {
  const transport = new DeadTransport();
  const c = new Ipmi15Client({ host: "127.0.0.1", username: "u", password: "p", timeoutMs: 2000, transport });
  const t0 = Date.now();
  const e = await c.chassisStatus({ timeLimitMs: 150 }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(TimeLimitError);
  expect(e).toBeInstanceOf(PowerTimeoutError); // same code for callers: POWER_TIMEOUT
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(transport.timeouts).toHaveLength(1);
  expect(transport.timeouts[0]).toBeLessThanOrEqual(150);
  // No time left at all: nothing is sent.
  await expect(c.chassisStatus({ timeLimitMs: 0 })).rejects.toBeInstanceOf(TimeLimitError);
  expect(transport.timeouts).toHaveLength(1);
  // Without a limit the client's own timeout applies (a full timeout, not a TimeLimitError).
  const full = new Ipmi15Client({
    host: "127.0.0.1",
    username: "u",
    password: "p",
    timeoutMs: 60,
    transport,
  });
  const f = await full.chassisStatus().catch((x: unknown) => x);
  expect(f).toBeInstanceOf(PowerTimeoutError);
  expect(f).not.toBeInstanceOf(TimeLimitError);
  expect(transport.timeouts.at(-1)).toBe(60);
  await c.close();
  await full.close();
});
