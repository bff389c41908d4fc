/**
 * Chassis power and boot flags of one simulated PE860 (IPMI v1.5 spec 22.3 Chassis Control,
 * 22.x / v2.0 28.12 boot option parameter 5). Pure state machine: no timers, no I/O. Time comes
 * from an injected clock and transitions settle lazily (`settle()`), so tests step the clock
 * instead of sleeping and the BMC only schedules a timer when a binding must be driven.
 *
 * Like a real chassis, power-up is not instantaneous: the power state reads "off" until
 * `onDelayMs` has passed. Commands are idempotent (power up when on is a no-op); actions that
 * make no sense in the present state (cycle/reset/soft-off while off) are refused, which the
 * BMC turns into completion code 0xD5.
 */

export type PowerAction = "off" | "on" | "cycle" | "reset" | "soft-off" | "diag";

export interface PowerTimings {
  /** Power button → power good. */
  onDelayMs: number;
  /** Hard power down. */
  offDelayMs: number;
  /** ACPI soft shutdown: the OS takes a while. */
  softOffDelayMs: number;
  /** Off time inside a power cycle (spec: at least 1 s on real hardware). */
  cycleIntervalMs: number;
  /** Hard reset takes effect. */
  resetDelayMs: number;
}

export const DEFAULT_POWER_TIMINGS: Readonly<PowerTimings> = {
  onDelayMs: 300,
  offDelayMs: 50,
  softOffDelayMs: 2000,
  cycleIntervalMs: 1000,
  resetDelayMs: 100,
};

/** Boot device codes of boot flags byte 2, bits 5:2 (v2.0 table 28-14). */
export const BOOT_DEVICE_NAMES: Readonly<Record<number, string>> = {
  0: "none",
  1: "pxe",
  2: "disk",
  3: "safe",
  4: "diag",
  5: "cdrom",
  6: "bios",
  7: "floppy-remote",
  8: "cdrom-remote",
  11: "disk-remote",
  15: "floppy",
};

export interface BootFlagsState {
  valid: boolean;
  persistent: boolean;
  efi: boolean;
  /** Boot device code (0 = no override). */
  device: number;
  /** All 5 bytes as last written (echoed back by Get System Boot Options). */
  raw: Buffer;
}

export interface BootRecord {
  at: number;
  /** Device the firmware was told to use, or "default" when no valid override was set. */
  device: string;
  efi: boolean;
  cause: "power-on" | "reset";
}

/** Something the outside world (a libvirt domain) must follow. */
export type PowerEffect =
  | { kind: "powered-on"; at: number; boot: BootRecord }
  | { kind: "powered-off"; at: number; soft: boolean }
  | { kind: "reset"; at: number; boot: BootRecord };

interface Pending {
  target: "on" | "off" | "reset";
  at: number;
  soft: boolean;
  /** After reaching `target`, power on again after this many ms (power cycle). */
  thenOnAfterMs?: number;
}

export type ApplyResult = { ok: true } | { ok: false; reason: "not-in-present-state" };

export class PowerStateMachine {
  private power: "on" | "off";
  private pending: Pending | undefined;
  private flags: BootFlagsState;
  private readonly bootLog: BootRecord[] = [];
  private readonly effects: PowerEffect[] = [];
  /** Bit 4 of Get Chassis Status byte 2: last power-on came from an IPMI command. */
  private lastOnViaIpmi = false;

  constructor(
    private readonly clock: () => number,
    private readonly timings: PowerTimings = DEFAULT_POWER_TIMINGS,
    initial: "on" | "off" = "off",
  ) {
    this.power = initial;
    this.flags = { valid: false, persistent: false, efi: false, device: 0, raw: Buffer.alloc(5) };
  }

  /** Power state as the chassis reports it now. */
  get state(): "on" | "off" {
    this.settle();
    return this.power;
  }

  /** The transition in flight, if any (for tests and the CLI table). */
  get transition(): { target: "on" | "off" | "reset"; at: number } | undefined {
    this.settle();
    return this.pending ? { target: this.pending.target, at: this.pending.at } : undefined;
  }

  get bootFlags(): Readonly<BootFlagsState> {
    this.settle();
    return this.flags;
  }

  get boots(): readonly BootRecord[] {
    this.settle();
    return this.bootLog;
  }

  get poweredOnViaIpmi(): boolean {
    return this.lastOnViaIpmi;
  }

  /** When the next transition is due (so a caller can set one timer), or undefined. */
  nextDueAt(): number | undefined {
    return this.pending?.at;
  }

  apply(action: PowerAction): ApplyResult {
    this.settle();
    const now = this.clock();
    const goingOn = this.pending?.target === "on" || this.pending?.thenOnAfterMs !== undefined;
    const effectivelyOn = (this.power === "on" && this.pending?.target !== "off") || goingOn;
    switch (action) {
      case "on":
        if (effectivelyOn) return { ok: true }; // idempotent, like virtualbmc
        this.pending = { target: "on", at: now + this.timings.onDelayMs, soft: false };
        this.lastOnViaIpmi = true;
        return { ok: true };
      case "off":
        if (this.power === "off") {
          this.pending = undefined; // also cancels a power-up that has not happened yet
          return { ok: true };
        }
        if (
          this.pending?.target === "off" &&
          !this.pending.soft &&
          this.pending.thenOnAfterMs === undefined
        ) {
          return { ok: true };
        }
        this.pending = { target: "off", at: now + this.timings.offDelayMs, soft: false };
        return { ok: true };
      case "soft-off":
        if (this.power === "off") return { ok: false, reason: "not-in-present-state" };
        if (this.pending?.target === "off") return { ok: true };
        this.pending = { target: "off", at: now + this.timings.softOffDelayMs, soft: true };
        return { ok: true };
      case "cycle":
        // Spec 28.3: power cycle has no effect (and may be refused) while the chassis is off.
        if (this.power === "off") return { ok: false, reason: "not-in-present-state" };
        this.pending = {
          target: "off",
          at: now + this.timings.offDelayMs,
          soft: false,
          thenOnAfterMs: this.timings.cycleIntervalMs + this.timings.onDelayMs,
        };
        this.lastOnViaIpmi = true;
        return { ok: true };
      case "reset":
        if (this.power === "off") return { ok: false, reason: "not-in-present-state" };
        this.pending = { target: "reset", at: now + this.timings.resetDelayMs, soft: false };
        return { ok: true };
      case "diag":
        // Pulse diagnostic interrupt (NMI): accepted, no power change.
        if (this.power === "off") return { ok: false, reason: "not-in-present-state" };
        return { ok: true };
    }
  }

  /** Set boot flags (parameter 5). `raw` is the 5 data bytes as sent. */
  setBootFlags(raw: Uint8Array): void {
    const b = Buffer.alloc(5);
    Buffer.from(raw).copy(b, 0, 0, 5);
    this.flags = {
      valid: (b[0]! & 0x80) !== 0,
      persistent: (b[0]! & 0x40) !== 0,
      efi: (b[0]! & 0x20) !== 0,
      device: (b[1]! >> 2) & 0x0f,
      raw: b,
    };
  }

  /** Forget any override (what "boot flag valid bit clearing" does on a real BMC). */
  clearBootFlagsValid(): void {
    const raw = Buffer.from(this.flags.raw);
    raw[0] = raw[0]! & 0x7f;
    this.flags = { ...this.flags, valid: false, raw };
  }

  /**
   * Adopt a power state observed outside IPMI (the libvirt domain was started or destroyed by
   * hand). Ignored while a transition is in flight: ours wins.
   */
  observeExternal(state: "on" | "off"): void {
    this.settle();
    if (this.pending) return;
    this.power = state;
  }

  /** Effects produced since the last call (for the machine binding). */
  drainEffects(): PowerEffect[] {
    this.settle();
    return this.effects.splice(0, this.effects.length);
  }

  /** Apply every transition that is due. Idempotent; called by every getter. */
  settle(): void {
    const now = this.clock();
    while (this.pending && this.pending.at <= now) {
      const p = this.pending;
      this.pending = undefined;
      if (p.target === "on") {
        if (this.power !== "on") {
          this.power = "on";
          this.effects.push({ kind: "powered-on", at: p.at, boot: this.boot(p.at, "power-on") });
        }
      } else if (p.target === "off") {
        if (this.power !== "off") {
          this.power = "off";
          this.effects.push({ kind: "powered-off", at: p.at, soft: p.soft });
        }
        if (p.thenOnAfterMs !== undefined) {
          this.pending = { target: "on", at: p.at + p.thenOnAfterMs, soft: false };
        }
      } else {
        this.effects.push({ kind: "reset", at: p.at, boot: this.boot(p.at, "reset") });
      }
    }
  }

  /** A boot consumes a one-time override (spec 28.12: flags apply to the next boot only). */
  private boot(at: number, cause: BootRecord["cause"]): BootRecord {
    const f = this.flags;
    const rec: BootRecord = {
      at,
      device:
        f.valid && f.device !== 0 ? (BOOT_DEVICE_NAMES[f.device] ?? `0x${f.device.toString(16)}`) : "default",
      efi: f.valid && f.efi,
      cause,
    };
    this.bootLog.push(rec);
    if (this.bootLog.length > 100) this.bootLog.shift();
    if (f.valid && !f.persistent) this.clearBootFlagsValid();
    return rec;
  }
}
