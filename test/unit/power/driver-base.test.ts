import { BasePowerDriver, type BootTarget, type Clock, type PowerState } from "../../../backend/power/driver";
import {
  AuthenticationError,
  type PowerError,
  PowerTimeoutError,
  StateMismatchError,
} from "../../../backend/power/errors";

/** Virtual time: sleep advances the clock instantly, so retry tests take no wall time. */
class FakeClock implements Clock {
  t = 1_000_000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

/** A scripted machine: each primitive pops the next outcome (an error to throw, or success). */
class ScriptedDriver extends BasePowerDriver {
  readonly name = "scripted";
  state: PowerState = "off";
  log: string[] = [];
  failures: Record<string, PowerError[]> = {};
  /** Status polls that still report the old state after an action (slow BMC). */
  lagPolls = 0;
  boot: [BootTarget, boolean] | undefined;

  constructor(
    override readonly clock: FakeClock,
    policy = {},
  ) {
    super({
      clock,
      policy: { deadlineMs: 10_000, retryDelaysMs: [100, 200, 400], confirmDelaysMs: [0, 50], ...policy },
    });
  }

  private step(what: string, cost = 10): void {
    this.log.push(what);
    this.clock.t += cost;
    const e = this.failures[what]?.shift();
    if (e) throw e;
  }
  protected async powerOn() {
    this.step("on");
    this.state = this.lagPolls > 0 ? this.state : "on";
    this.pending = "on";
  }
  protected async powerOff() {
    this.step("off");
    this.state = this.lagPolls > 0 ? this.state : "off";
    this.pending = "off";
  }
  protected async powerCycle() {
    this.step("cycle");
    this.state = "on";
  }
  protected async powerReset() {
    this.step("reset");
  }
  protected async powerSoftOff() {
    this.step("soft");
  }
  private pending: PowerState | undefined;
  protected async queryPowerState(): Promise<PowerState> {
    this.step("status");
    if (this.lagPolls > 0) {
      this.lagPolls--;
      if (this.lagPolls === 0 && this.pending) this.state = this.pending;
    }
    return this.state;
  }
  protected async applyBootDevice(d: BootTarget, p: boolean) {
    this.step("boot");
    this.boot = [d, p];
  }
}

const timeout = () => new PowerTimeoutError("no answer");

describe("BasePowerDriver: retries, deadline, confirmation", () => {
  test("on: acts once, confirms with a status query", async () => {
    const d = new ScriptedDriver(new FakeClock());
    await d.on();
    expect(d.log).toEqual(["on", "status"]);
  });

  test("retryable failures are retried with the policy's pauses", async () => {
    const clock = new FakeClock();
    const d = new ScriptedDriver(clock);
    d.failures["on"] = [timeout(), timeout()];
    await d.on();
    expect(d.log).toEqual(["on", "on", "on", "status"]);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  test("non-retryable failures are thrown at once", async () => {
    const d = new ScriptedDriver(new FakeClock());
    d.failures["off"] = [new AuthenticationError("bad password")];
    await expect(d.off()).rejects.toBeInstanceOf(AuthenticationError);
    expect(d.log).toEqual(["off"]);
  });

  test("retries stop at the deadline and the last error is thrown", async () => {
    const clock = new FakeClock();
    const d = new ScriptedDriver(clock, { deadlineMs: 1000 });
    d.failures["status"] = Array.from({ length: 100 }, timeout);
    const start = clock.now();
    await expect(d.status()).rejects.toBeInstanceOf(PowerTimeoutError);
    expect(clock.now() - start).toBeLessThanOrEqual(1000);
    expect(d.log.length).toBeGreaterThan(3);
    expect(d.log.length).toBeLessThan(10);
  });

  test("confirmation polls until the state matches", async () => {
    const clock = new FakeClock();
    const d = new ScriptedDriver(clock);
    d.lagPolls = 3;
    await d.on();
    expect(d.log).toEqual(["on", "status", "status", "status"]);
    expect(d.state).toBe("on");
  });

  test("a state that never changes ends in StateMismatchError within the deadline", async () => {
    const clock = new FakeClock();
    const d = new ScriptedDriver(clock, { deadlineMs: 500 });
    d.lagPolls = 1_000_000;
    const start = clock.now();
    await expect(d.on()).rejects.toBeInstanceOf(StateMismatchError);
    expect(clock.now() - start).toBeLessThanOrEqual(520);
  });

  test("cycle powers on a machine that is off; cycles one that is on", async () => {
    const d = new ScriptedDriver(new FakeClock());
    await d.cycle();
    expect(d.log).toEqual(["status", "on", "status"]);
    d.log = [];
    await d.cycle();
    expect(d.log).toEqual(["status", "cycle", "status"]);
  });

  test("soft off is not confirmed; boot device is validated before any I/O", async () => {
    const d = new ScriptedDriver(new FakeClock());
    await d.softOff();
    expect(d.log).toEqual(["soft"]);
    await d.setBootDevice("pxe", { persistent: true });
    expect(d.boot).toEqual(["pxe", true]);
    await expect(d.setBootDevice("floppy" as BootTarget)).rejects.toMatchObject({
      code: "POWER_CONFIGURATION",
    });
    expect(d.log).toEqual(["soft", "boot"]);
  });

  test("errors that are not PowerErrors (bugs) are never retried", async () => {
    const d = new ScriptedDriver(new FakeClock());
    d.failures["on"] = [new TypeError("bug") as unknown as PowerError];
    await expect(d.on()).rejects.toBeInstanceOf(TypeError);
    expect(d.log).toEqual(["on"]);
  });
});
