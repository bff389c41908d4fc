/**
 * Chassis NetFn (00h) commands: Get Chassis Status (spec 28.2),
 * Chassis Control (28.3), Set/Get System Boot Options (28.12, 28.13) with boot option
 * parameter 5, "boot flags" (table 28-14).
 */

import { ProtocolError } from "../../errors";
import { ByteReader, checkByte } from "../byte-reader";
import { NetFn } from "../lan-message";
import { type CommandId, expectLength } from "./command";

export const GET_CHASSIS_STATUS: CommandId = { name: "Get Chassis Status", netFn: NetFn.CHASSIS, cmd: 0x01 };
export const CHASSIS_CONTROL: CommandId = { name: "Chassis Control", netFn: NetFn.CHASSIS, cmd: 0x02 };
export const SET_SYSTEM_BOOT_OPTIONS: CommandId = {
  name: "Set System Boot Options",
  netFn: NetFn.CHASSIS,
  cmd: 0x08,
};
export const GET_SYSTEM_BOOT_OPTIONS: CommandId = {
  name: "Get System Boot Options",
  netFn: NetFn.CHASSIS,
  cmd: 0x09,
};

// ---------------------------------------------------------------- Get Chassis Status

export type PowerRestorePolicy = "always-off" | "previous" | "always-on" | "unknown";
const RESTORE_POLICIES: readonly PowerRestorePolicy[] = ["always-off", "previous", "always-on", "unknown"];

export type IdentifyState = "off" | "timed-on" | "on" | "reserved";
const IDENTIFY_STATES: readonly IdentifyState[] = ["off", "timed-on", "on", "reserved"];

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  restorePolicy: PowerRestorePolicy;
  lastPowerEvent: {
    acFailed: boolean;
    overload: boolean;
    interlock: boolean;
    fault: boolean;
    onViaIpmi: boolean;
  };
  intrusion: boolean;
  frontPanelLockout: boolean;
  driveFault: boolean;
  coolingFault: boolean;
  identifyState: IdentifyState;
  identifySupported: boolean;
  /** Optional 4th byte (front panel button capabilities), when the BMC sends it. */
  frontPanelButtons: number | undefined;
}

export function encodeGetChassisStatusRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeGetChassisStatusRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, GET_CHASSIS_STATUS.name);
  return {};
}

export function encodeGetChassisStatusResponse(s: ChassisStatus): Buffer {
  const b1 =
    (s.powerOn ? 0x01 : 0) |
    (s.powerOverload ? 0x02 : 0) |
    (s.interlock ? 0x04 : 0) |
    (s.powerFault ? 0x08 : 0) |
    (s.powerControlFault ? 0x10 : 0) |
    (RESTORE_POLICIES.indexOf(s.restorePolicy) << 5);
  const e = s.lastPowerEvent;
  const b2 =
    (e.acFailed ? 0x01 : 0) |
    (e.overload ? 0x02 : 0) |
    (e.interlock ? 0x04 : 0) |
    (e.fault ? 0x08 : 0) |
    (e.onViaIpmi ? 0x10 : 0);
  const b3 =
    (s.intrusion ? 0x01 : 0) |
    (s.frontPanelLockout ? 0x02 : 0) |
    (s.driveFault ? 0x04 : 0) |
    (s.coolingFault ? 0x08 : 0) |
    (IDENTIFY_STATES.indexOf(s.identifyState) << 4) |
    (s.identifySupported ? 0x40 : 0);
  const out = [b1, b2, b3];
  if (s.frontPanelButtons !== undefined) out.push(checkByte("frontPanelButtons", s.frontPanelButtons));
  return Buffer.from(out);
}

export function decodeGetChassisStatusResponse(data: Uint8Array): ChassisStatus {
  const r = new ByteReader(data, GET_CHASSIS_STATUS.name);
  const b1 = r.u8();
  const b2 = r.u8();
  const b3 = r.u8();
  const frontPanelButtons = r.optionalU8();
  return {
    powerOn: (b1 & 0x01) !== 0,
    powerOverload: (b1 & 0x02) !== 0,
    interlock: (b1 & 0x04) !== 0,
    powerFault: (b1 & 0x08) !== 0,
    powerControlFault: (b1 & 0x10) !== 0,
    restorePolicy: RESTORE_POLICIES[(b1 >> 5) & 3]!,
    lastPowerEvent: {
      acFailed: (b2 & 0x01) !== 0,
      overload: (b2 & 0x02) !== 0,
      interlock: (b2 & 0x04) !== 0,
      fault: (b2 & 0x08) !== 0,
      onViaIpmi: (b2 & 0x10) !== 0,
    },
    intrusion: (b3 & 0x01) !== 0,
    frontPanelLockout: (b3 & 0x02) !== 0,
    driveFault: (b3 & 0x04) !== 0,
    coolingFault: (b3 & 0x08) !== 0,
    identifyState: IDENTIFY_STATES[(b3 >> 4) & 3]!,
    identifySupported: (b3 & 0x40) !== 0,
    frontPanelButtons,
  };
}

// ---------------------------------------------------------------- Chassis Control (28.3)

export const ChassisControl = {
  POWER_DOWN: 0,
  POWER_UP: 1,
  POWER_CYCLE: 2,
  HARD_RESET: 3,
  PULSE_DIAGNOSTIC_INTERRUPT: 4,
  SOFT_SHUTDOWN: 5,
} as const;
export type ChassisControl = (typeof ChassisControl)[keyof typeof ChassisControl];

export function encodeChassisControlRequest(op: ChassisControl): Buffer {
  return Buffer.from([checkByte("chassis control", op, 5)]);
}

export function decodeChassisControlRequest(data: Uint8Array): { op: ChassisControl } {
  expectLength(data, 1, CHASSIS_CONTROL.name);
  const op = data[0]! & 0x0f;
  // The lab BMC answers 0xCC (invalid data field) for this error.
  if (op > 5) throw new ProtocolError(`${CHASSIS_CONTROL.name}: unknown control ${op}`);
  return { op: op as ChassisControl };
}

export function encodeChassisControlResponse(): Buffer {
  return Buffer.alloc(0);
}

export function decodeChassisControlResponse(_data: Uint8Array): Record<string, never> {
  return {};
}

// ---------------------------------------------------------------- Boot options (28.12, 28.13)

export const BOOT_PARAM_SET_IN_PROGRESS = 0;
export const BOOT_PARAM_BOOT_INFO_ACK = 4;
export const BOOT_PARAM_BOOT_FLAGS = 5;

/** Boot device selector, bits 5:2 of boot flags data byte 2 (table 28-14). */
export const BootDevice = {
  NONE: 0x0,
  PXE: 0x1,
  DISK: 0x2,
  DISK_SAFE_MODE: 0x3,
  DIAGNOSTIC: 0x4,
  CDROM: 0x5,
  BIOS_SETUP: 0x6,
  REMOTE_FLOPPY: 0x7,
  REMOTE_CDROM: 0x8,
  REMOTE_DISK: 0xb,
  FLOPPY: 0xf,
} as const;
export type BootDevice = (typeof BootDevice)[keyof typeof BootDevice];

export interface BootFlags {
  /** Bit 7 of byte 1: the flags are valid (the BIOS honours them). */
  valid: boolean;
  /** Bit 6 of byte 1: apply to all future boots, not just the next one. */
  persistent: boolean;
  /** Bit 5 of byte 1: EFI instead of PC-compatible (legacy) boot. */
  efi: boolean;
  /** Bits 5:2 of byte 2. */
  device: number;
  cmosClear: boolean;
  lockKeyboard: boolean;
  screenBlank: boolean;
  lockResetButton: boolean;
  /** Bytes 3–5, kept raw (console redirection, BIOS verbosity, device instance...). */
  extra: [number, number, number];
}

export function bootFlags(device: number, persistent: boolean): BootFlags {
  return {
    valid: true,
    persistent,
    efi: false,
    device,
    cmosClear: false,
    lockKeyboard: false,
    screenBlank: false,
    lockResetButton: false,
    extra: [0, 0, 0],
  };
}

export function encodeBootFlags(f: BootFlags): Buffer {
  return Buffer.from([
    (f.valid ? 0x80 : 0) | (f.persistent ? 0x40 : 0) | (f.efi ? 0x20 : 0),
    (f.cmosClear ? 0x80 : 0) |
      (f.lockKeyboard ? 0x40 : 0) |
      (checkByte("boot device", f.device, 0x0f) << 2) |
      (f.screenBlank ? 0x02 : 0) |
      (f.lockResetButton ? 0x01 : 0),
    checkByte("boot flags byte 3", f.extra[0]),
    checkByte("boot flags byte 4", f.extra[1]),
    checkByte("boot flags byte 5", f.extra[2]),
  ]);
}

export function decodeBootFlags(data: Uint8Array): BootFlags {
  const r = new ByteReader(data, "boot flags parameter");
  const b1 = r.u8();
  const b2 = r.u8();
  // Some BMCs return only 2 bytes; absent bytes read as 0.
  const extra: [number, number, number] = [r.optionalU8() ?? 0, r.optionalU8() ?? 0, r.optionalU8() ?? 0];
  return {
    valid: (b1 & 0x80) !== 0,
    persistent: (b1 & 0x40) !== 0,
    efi: (b1 & 0x20) !== 0,
    device: (b2 >> 2) & 0x0f,
    cmosClear: (b2 & 0x80) !== 0,
    lockKeyboard: (b2 & 0x40) !== 0,
    screenBlank: (b2 & 0x02) !== 0,
    lockResetButton: (b2 & 0x01) !== 0,
    extra,
  };
}

export interface SetBootOptionRequest {
  parameter: number;
  /** Bit 7 of byte 1: mark the parameter invalid / locked. */
  markInvalid: boolean;
  data: Buffer;
}

export function encodeSetSystemBootOptionsRequest(q: SetBootOptionRequest): Buffer {
  return Buffer.concat([
    Buffer.from([(q.markInvalid ? 0x80 : 0) | checkByte("parameter", q.parameter, 0x7f)]),
    q.data,
  ]);
}

export function decodeSetSystemBootOptionsRequest(data: Uint8Array): SetBootOptionRequest {
  const r = new ByteReader(data, SET_SYSTEM_BOOT_OPTIONS.name);
  const b = r.u8();
  return { parameter: b & 0x7f, markInvalid: (b & 0x80) !== 0, data: r.rest() };
}

export function encodeSetSystemBootOptionsResponse(): Buffer {
  return Buffer.alloc(0);
}

export function decodeSetSystemBootOptionsResponse(_data: Uint8Array): Record<string, never> {
  return {};
}

export interface GetBootOptionRequest {
  parameter: number;
  setSelector: number;
  blockSelector: number;
}

export interface BootOptionValue {
  parameterVersion: number;
  parameter: number;
  /** Bit 7 of byte 2: parameter marked invalid / locked. */
  invalid: boolean;
  data: Buffer;
}

export function encodeGetSystemBootOptionsRequest(q: GetBootOptionRequest): Buffer {
  return Buffer.from([
    checkByte("parameter", q.parameter, 0x7f),
    checkByte("setSelector", q.setSelector),
    checkByte("blockSelector", q.blockSelector),
  ]);
}

export function decodeGetSystemBootOptionsRequest(data: Uint8Array): GetBootOptionRequest {
  expectLength(data, 3, GET_SYSTEM_BOOT_OPTIONS.name);
  return { parameter: data[0]! & 0x7f, setSelector: data[1]!, blockSelector: data[2]! };
}

export function encodeGetSystemBootOptionsResponse(v: BootOptionValue): Buffer {
  return Buffer.concat([
    Buffer.from([
      checkByte("parameterVersion", v.parameterVersion, 0x0f),
      (v.invalid ? 0x80 : 0) | checkByte("parameter", v.parameter, 0x7f),
    ]),
    v.data,
  ]);
}

export function decodeGetSystemBootOptionsResponse(data: Uint8Array): BootOptionValue {
  const r = new ByteReader(data, GET_SYSTEM_BOOT_OPTIONS.name);
  const version = r.u8();
  const p = r.u8();
  return { parameterVersion: version & 0x0f, parameter: p & 0x7f, invalid: (p & 0x80) !== 0, data: r.rest() };
}
