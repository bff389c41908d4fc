/**
 * Live sensor readings of one lab BMC. Readings wander a little around their nominal value (a
 * bounded random walk from a seeded PRNG, advanced lazily by elapsed time), so pollers see
 * realistic noise but never a spurious alarm. Tests inject faults: a sensor forced past a
 * threshold (or a discrete state asserted) produces the SEL events a real BMC logs (spec 29.7
 * event message format, table 36-2 threshold offsets), and clearing it logs the deassertions.
 * Pure: clock, seed and the event sink are injected.
 */

import { ThresholdBit } from "../../power/ipmi15/commands/sdr";
import type { SystemEventRecord } from "../../power/ipmi15/commands/sel";
import {
  BMC_OWNER_ID,
  type DiscreteSensorSpec,
  EVM_REV_1_5,
  type SensorSpec,
  type ThresholdSensorSpec,
} from "./pe860-profile";

export type ThresholdLevel =
  | "upper-critical"
  | "upper-non-critical"
  | "lower-critical"
  | "lower-non-critical"
  | "normal";

export type SensorEvent = Omit<SystemEventRecord, "recordId" | "timestamp">;

export interface SensorReadingState {
  raw: number;
  /** Threshold sensors: ThresholdBit bits; discrete sensors: asserted state bits. */
  state: number;
  unavailable: boolean;
}

/** Drift step: the walk moves at most one count per this many ms. */
const DRIFT_STEP_MS = 2000;

/** mulberry32: tiny deterministic PRNG so a seeded lab replays the same readings. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Live {
  spec: SensorSpec;
  offset: number;
  override: number | undefined;
  /** Last threshold status bits (threshold) or states (discrete) that were logged. */
  logged: number;
  discreteState: number;
  lastStep: number;
}

export function thresholdStatus(s: ThresholdSensorSpec, raw: number): number {
  const t = s.thresholds;
  let bits = 0;
  if (s.readable & ThresholdBit.LNC && raw <= t.lnc) bits |= ThresholdBit.LNC;
  if (s.readable & ThresholdBit.LC && raw <= t.lc) bits |= ThresholdBit.LC;
  if (s.readable & ThresholdBit.LNR && raw <= t.lnr) bits |= ThresholdBit.LNR;
  if (s.readable & ThresholdBit.UNC && raw >= t.unc) bits |= ThresholdBit.UNC;
  if (s.readable & ThresholdBit.UC && raw >= t.uc) bits |= ThresholdBit.UC;
  if (s.readable & ThresholdBit.UNR && raw >= t.unr) bits |= ThresholdBit.UNR;
  return bits;
}

/** ThresholdBit → (event offset for the crossing direction, threshold key). Table 36-2. */
const THRESHOLD_OFFSETS: readonly {
  bit: number;
  offset: number;
  key: keyof ThresholdSensorSpec["thresholds"];
}[] = [
  { bit: ThresholdBit.LNC, offset: 0x0, key: "lnc" }, // lower non-critical going low
  { bit: ThresholdBit.LC, offset: 0x2, key: "lc" },
  { bit: ThresholdBit.LNR, offset: 0x4, key: "lnr" },
  { bit: ThresholdBit.UNC, offset: 0x7, key: "unc" }, // upper non-critical going high
  { bit: ThresholdBit.UC, offset: 0x9, key: "uc" },
  { bit: ThresholdBit.UNR, offset: 0xb, key: "unr" },
];

export class SensorBank {
  private readonly live = new Map<number, Live>();
  private readonly rand: () => number;

  constructor(
    specs: readonly SensorSpec[],
    private readonly clock: () => number,
    seed: number,
    private readonly onEvent: (ev: SensorEvent) => void,
  ) {
    this.rand = seededRandom(seed);
    const now = clock();
    for (const spec of specs) {
      this.live.set(spec.number, {
        spec,
        offset: 0,
        override: undefined,
        logged: 0,
        discreteState: spec.kind === "discrete" ? spec.initialState : 0,
        lastStep: now,
      });
    }
  }

  get specs(): SensorSpec[] {
    return [...this.live.values()].map((l) => l.spec);
  }

  has(sensorNumber: number): boolean {
    return this.live.has(sensorNumber);
  }

  spec(sensorNumberOrName: number | string): SensorSpec | undefined {
    return this.find(sensorNumberOrName)?.spec;
  }

  /** Get Sensor Reading (35.14) for one sensor; undefined when there is no such sensor. */
  read(sensorNumber: number): SensorReadingState | undefined {
    const l = this.live.get(sensorNumber);
    if (!l) return undefined;
    if (l.spec.kind === "discrete") return { raw: 0, state: l.discreteState, unavailable: false };
    this.advance(l);
    const raw = this.rawOf(l);
    return { raw, state: thresholdStatus(l.spec, raw), unavailable: false };
  }

  /**
   * Force a threshold sensor to a level (or a raw value); "normal" releases it. Logs the SEL
   * events for every threshold newly crossed or recovered.
   */
  inject(sensor: number | string, level: ThresholdLevel | { raw: number }): SensorReadingState {
    const l = this.find(sensor);
    if (l?.spec.kind !== "threshold") throw new RangeError(`no threshold sensor ${String(sensor)}`);
    const s = l.spec;
    const t = s.thresholds;
    const clamp = (v: number) => Math.max(0, Math.min(0xff, v));
    if (typeof level === "object") l.override = clamp(level.raw);
    else if (level === "normal") l.override = undefined;
    else if (level === "upper-critical") l.override = clamp(t.uc + 2);
    else if (level === "upper-non-critical") l.override = clamp(Math.floor((t.unc + t.uc) / 2));
    else if (level === "lower-critical") l.override = clamp(t.lc - 2);
    else l.override = clamp(Math.ceil((t.lnc + t.lc) / 2));
    this.logThresholdChanges(l);
    return this.read(s.number)!;
  }

  /** Set a discrete sensor's state bits (PSU failure, chassis intrusion); logs changes. */
  setDiscrete(sensor: number | string, state: number): void {
    const l = this.find(sensor);
    if (l?.spec.kind !== "discrete") throw new RangeError(`no discrete sensor ${String(sensor)}`);
    const spec: DiscreteSensorSpec = l.spec;
    const next = state & spec.stateMask;
    const changed = l.discreteState ^ next;
    for (let bit = 0; bit < 15; bit++) {
      if (!(changed & (1 << bit))) continue;
      this.onEvent(this.event(spec, (next & (1 << bit)) === 0, 0x6f, [bit, 0xff, 0xff]));
    }
    l.discreteState = next;
  }

  private find(sensor: number | string): Live | undefined {
    if (typeof sensor === "number") return this.live.get(sensor);
    for (const l of this.live.values()) if (l.spec.name.toLowerCase() === sensor.toLowerCase()) return l;
    return undefined;
  }

  private rawOf(l: Live): number {
    const s = l.spec as ThresholdSensorSpec;
    return l.override ?? Math.max(0, Math.min(0xff, s.nominalRaw + l.offset));
  }

  private advance(l: Live): void {
    const s = l.spec as ThresholdSensorSpec;
    const now = this.clock();
    let steps = Math.floor((now - l.lastStep) / DRIFT_STEP_MS);
    if (steps <= 0) return;
    l.lastStep += steps * DRIFT_STEP_MS;
    steps = Math.min(steps, 8); // the walk is bounded anyway; don't loop for hours of idle time
    for (let i = 0; i < steps; i++) {
      const r = this.rand();
      const step = r < 0.33 ? -1 : r > 0.67 ? 1 : 0;
      l.offset = Math.max(-s.driftRaw, Math.min(s.driftRaw, l.offset + step));
    }
    this.logThresholdChanges(l);
  }

  private logThresholdChanges(l: Live): void {
    const s = l.spec as ThresholdSensorSpec;
    const raw = this.rawOf(l);
    const now = thresholdStatus(s, raw);
    const changed = now ^ l.logged;
    for (const o of THRESHOLD_OFFSETS) {
      if (!(changed & o.bit)) continue;
      // Event data 1: 01b trigger reading in byte 2, 01b trigger threshold in byte 3 (29.7).
      this.onEvent(this.event(s, (now & o.bit) === 0, 0x01, [0x50 | o.offset, raw, s.thresholds[o.key]]));
    }
    l.logged = now;
  }

  private event(
    s: SensorSpec,
    deassertion: boolean,
    eventType: number,
    eventData: [number, number, number],
  ): SensorEvent {
    return {
      kind: "system",
      recordType: 0x02,
      generatorId: BMC_OWNER_ID,
      evmRevision: EVM_REV_1_5,
      sensorType: s.sensorType,
      sensorNumber: s.number,
      deassertion,
      eventType,
      eventData,
    };
  }
}
