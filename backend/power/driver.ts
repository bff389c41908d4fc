/**
 * The power driver contract and the base class that owns retries and confirmation, after
 * MAAS's PowerDriver (public verbs + retry policy + confirm by query) and Ironic's rule that
 * only listed transient failures are retried, bounded by a deadline. Drivers implement only
 * the primitives; the clock is injected so retry tests run instantly.
 */

import type { SelEvent } from "./ipmi15/sel-walk";
import type { SensorValue } from "./ipmi15/sensor-walk";
import type { Ipmi15ClientPool } from "./ipmi15/client-pool";
import type { LanTransport } from "./ipmi15/transport";
import { PowerError, PowerTimeoutError, StateMismatchError } from "./errors";
import type { SettingSpec, SettingValues } from "./settings";

export type PowerState = "on" | "off" | "unknown";
export type BootTarget = "pxe" | "disk";

export interface BootOptions {
  /** Apply to every future boot, not just the next one. */
  persistent?: boolean;
}

export interface PowerDriver {
  readonly name: string;
  on(): Promise<void>;
  off(): Promise<void>;
  /** Off then on; powers on a machine that is off. */
  cycle(): Promise<void>;
  /** Hard reset (no power drop). */
  reset(): Promise<void>;
  /** Ask the OS to shut down (ACPI); not confirmed, the OS may refuse. */
  softOff(): Promise<void>;
  status(): Promise<PowerState>;
  setBootDevice(device: BootTarget, options?: BootOptions): Promise<void>;
  /** Not retried; `timeLimitMs` bounds the whole walk (every exchange is cut to fit in it). */
  sensors?(options?: { timeLimitMs?: number }): Promise<SensorValue[]>;
  events?(options?: { timeLimitMs?: number }): Promise<SelEvent[]>;
  /** Release sessions/sockets. */
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RetryPolicy {
  /** Overall budget of one verb: attempts, retries and confirmation polls. */
  deadlineMs: number;
  /** Pause before retry n (the last value repeats). */
  retryDelaysMs: readonly number[];
  /** Pause before status poll n while confirming (the last value repeats). */
  confirmDelaysMs: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  deadlineMs: 30_000,
  retryDelaysMs: [500, 1000, 2000, 4000],
  confirmDelaysMs: [0, 250, 500, 1000, 2000],
};

/** What a driver module gives the registry: name, settings, factory. */
export interface PowerDriverSpec {
  name: string;
  description: string;
  settings: readonly SettingSpec[];
  /** Can report on/off (false: wol, manual). */
  canQueryStatus: boolean;
  canSetBootDevice: boolean;
  create(settings: SettingValues, deps: DriverDeps): PowerDriver;
}

/** Shared resources and test seams handed to factories. */
export interface DriverDeps {
  clock?: Clock;
  policy?: Partial<RetryPolicy>;
  /** IPMI: a shared UdpLanTransport (one socket for many BMCs). */
  ipmiTransport?: LanTransport;
  /** IPMI: pooled clients, so sessions outlive driver instances (takes precedence). */
  ipmiPool?: Ipmi15ClientPool;
}

function delayAt(list: readonly number[], i: number): number {
  return list.length === 0 ? 0 : list[Math.min(i, list.length - 1)]!;
}

export abstract class BasePowerDriver implements PowerDriver {
  abstract readonly name: string;
  protected readonly policy: RetryPolicy;
  protected readonly clock: Clock;

  constructor(deps: DriverDeps = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
    this.clock = deps.clock ?? systemClock;
  }

  /** Drivers that cannot observe power state return false; actions are then not confirmed. */
  protected get canQueryStatus(): boolean {
    return true;
  }

  // Each primitive is handed the time left before the verb's deadline (ms on this driver's
  // clock, > 0): drivers whose calls take a timeout cut it to that, so that a verb, retries
  // included, ends by its deadline (`fibrix power --timeout`). Drivers may ignore it.
  protected abstract powerOn(timeLeftMs: number): Promise<void>;
  protected abstract powerOff(timeLeftMs: number): Promise<void>;
  protected abstract powerCycle(timeLeftMs: number): Promise<void>;
  protected abstract powerReset(timeLeftMs: number): Promise<void>;
  protected abstract powerSoftOff(timeLeftMs: number): Promise<void>;
  protected abstract queryPowerState(timeLeftMs: number): Promise<PowerState>;
  protected abstract applyBootDevice(
    device: BootTarget,
    persistent: boolean,
    timeLeftMs: number,
  ): Promise<void>;

  async on(): Promise<void> {
    await this.act("power on", (left) => this.powerOn(left), "on");
  }

  async off(): Promise<void> {
    await this.act("power off", (left) => this.powerOff(left), "off");
  }

  async cycle(): Promise<void> {
    // Many BMCs refuse "power cycle" while off (0xD5); MAAS powers on instead.
    const deadline = this.clock.now() + this.policy.deadlineMs;
    if (
      this.canQueryStatus &&
      (await this.retry("power status", (left) => this.queryPowerState(left), deadline)) === "off"
    ) {
      await this.act("power on", (left) => this.powerOn(left), "on", deadline);
      return;
    }
    await this.act("power cycle", (left) => this.powerCycle(left), "on", deadline);
  }

  async reset(): Promise<void> {
    await this.act("power reset", (left) => this.powerReset(left), "on");
  }

  async softOff(): Promise<void> {
    await this.act("soft power off", (left) => this.powerSoftOff(left), undefined);
  }

  async status(): Promise<PowerState> {
    return this.retry(
      "power status",
      (left) => this.queryPowerState(left),
      this.clock.now() + this.policy.deadlineMs,
    );
  }

  async setBootDevice(device: BootTarget, options: BootOptions = {}): Promise<void> {
    if (device !== "pxe" && device !== "disk") {
      throw new PowerError(
        "POWER_CONFIGURATION",
        `boot device must be pxe or disk, not ${String(device)}`,
        false,
      );
    }
    const persistent = options.persistent ?? false;
    await this.retry(
      "set boot device",
      (left) => this.applyBootDevice(device, persistent, left),
      this.clock.now() + this.policy.deadlineMs,
    );
  }

  async close(): Promise<void> {}

  /**
   * Runs `fn` until it succeeds, a non-retryable error occurs, or the next pause would pass the
   * deadline; then the last error is thrown as is (its class tells the caller what happened).
   * Every attempt is told the time left (see the primitives), so the last one ends by the
   * deadline too. A deadline already past (an earlier step of the verb used it up) is a
   * PowerTimeoutError without any attempt.
   */
  protected async retry<T>(
    what: string,
    fn: (timeLeftMs: number) => Promise<T>,
    deadline: number,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const left = deadline - this.clock.now();
      if (left <= 0) {
        throw new PowerTimeoutError(`${this.name}: ${what}: no time left (deadline passed)`);
      }
      try {
        return await fn(left);
      } catch (e) {
        if (!(e instanceof PowerError) || !e.retryable) throw e;
        const pause = delayAt(this.policy.retryDelaysMs, attempt);
        if (this.clock.now() + pause >= deadline) throw e;
        await this.clock.sleep(pause);
      }
    }
  }

  private async act(
    what: string,
    fn: (timeLeftMs: number) => Promise<void>,
    expect: PowerState | undefined,
    deadline = this.clock.now() + this.policy.deadlineMs,
  ): Promise<void> {
    await this.retry(what, fn, deadline);
    if (expect && this.canQueryStatus) await this.confirm(what, expect, deadline);
  }

  /** Polls status until it reads `expect` (MAAS: "query to confirm the state"). */
  private async confirm(what: string, expect: PowerState, deadline: number): Promise<void> {
    let last: PowerState = "unknown";
    for (let poll = 0; ; poll++) {
      const pause = delayAt(this.policy.confirmDelaysMs, poll);
      if (pause > 0) {
        if (this.clock.now() + pause >= deadline) break;
        await this.clock.sleep(pause);
      }
      last = await this.retry("power status", (left) => this.queryPowerState(left), deadline);
      if (last === expect) return;
      if (this.clock.now() >= deadline) break;
    }
    throw new StateMismatchError(
      `${this.name}: ${what} accepted but power state is ${last}, expected ${expect}`,
    );
  }
}
