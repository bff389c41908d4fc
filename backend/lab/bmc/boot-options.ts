/**
 * System boot option parameters 0–5 (IPMI v2.0 28.12/28.13, v1.5 22.x "Set/Get System Boot
 * Options"): 0 set-in-progress, 1 service partition selector, 2 service partition scan,
 * 3 boot flag valid bit clearing, 4 boot info acknowledge, 5 boot flags. Parameter 5 lives in
 * the chassis power state machine (a boot consumes it); the others are kept here just well
 * enough for `ipmitool chassis bootdev` and `chassis bootparam get N`. Pure.
 */

import type { PowerStateMachine } from "./power-state";

export type BootOptionResult = { ok: true; data: Buffer } | { ok: false; completionCode: number };

/** Data length of each supported parameter. */
const PARAM_LENGTH: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 5: 5 };

export class BootOptions {
  private setInProgress = 0;
  private readonly simple = new Map<number, Buffer>([
    [1, Buffer.from([0])],
    [2, Buffer.from([0])],
    [3, Buffer.from([0])],
    [4, Buffer.from([0, 0])],
  ]);

  constructor(private readonly power: PowerStateMachine) {}

  set(parameter: number, data: Uint8Array): { ok: true } | { ok: false; completionCode: number } {
    const len = PARAM_LENGTH[parameter];
    if (len === undefined) return { ok: false, completionCode: 0x80 }; // parameter not supported
    if (data.length !== len) return { ok: false, completionCode: 0xc7 };
    if (parameter === 0) {
      const v = data[0]! & 0x03;
      if (v === 3) return { ok: false, completionCode: 0xcc };
      // 28.12: "set in progress" while already in progress is refused with 81h.
      if (v === 1 && this.setInProgress === 1) return { ok: false, completionCode: 0x81 };
      this.setInProgress = v === 2 ? this.setInProgress : v;
      return { ok: true };
    }
    if (parameter === 4) {
      // Boot info acknowledge: byte 1 is a write mask for byte 2.
      const cur = this.simple.get(4)!;
      const mask = data[0]!;
      const next = Buffer.from([0, (cur[1]! & ~mask) | (data[1]! & mask)]);
      this.simple.set(4, next);
      return { ok: true };
    }
    if (parameter === 5) {
      this.power.setBootFlags(data);
      return { ok: true };
    }
    this.simple.set(parameter, Buffer.from(data));
    return { ok: true };
  }

  get(parameter: number): BootOptionResult {
    if (parameter === 0) return { ok: true, data: Buffer.from([this.setInProgress]) };
    if (parameter === 5) {
      const f = this.power.bootFlags;
      const raw = Buffer.from(f.raw);
      raw[0] = (raw[0]! & 0x7f) | (f.valid ? 0x80 : 0);
      return { ok: true, data: raw };
    }
    const v = this.simple.get(parameter);
    if (!v) return { ok: false, completionCode: 0x80 };
    return { ok: true, data: Buffer.from(v) };
  }
}
