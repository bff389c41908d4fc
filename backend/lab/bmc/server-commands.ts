/**
 * Commands the lab BMC answers that our own client never sends, so the shared codecs in
 * backend/power/ipmi15/commands do not cover them. They are what ipmitool and FreeIPMI ask
 * for besides the session/power/SDR/SEL basics. Server side only: request lengths + response
 * encoders.
 */

import { u32le } from "../../power/ipmi15/byte-reader";
import type { CommandId } from "../../power/ipmi15/commands/command";
import { NetFn } from "../../power/ipmi15/lan-message";

export const GET_SELF_TEST_RESULTS: CommandId = {
  name: "Get Self Test Results",
  netFn: NetFn.APP,
  cmd: 0x04,
};
export const GET_SYSTEM_GUID: CommandId = { name: "Get System GUID", netFn: NetFn.APP, cmd: 0x37 };
export const GET_CHASSIS_CAPABILITIES: CommandId = {
  name: "Get Chassis Capabilities",
  netFn: NetFn.CHASSIS,
  cmd: 0x00,
};
export const CHASSIS_IDENTIFY: CommandId = { name: "Chassis Identify", netFn: NetFn.CHASSIS, cmd: 0x04 };
export const GET_SENSOR_HYSTERESIS: CommandId = {
  name: "Get Sensor Hysteresis",
  netFn: NetFn.SENSOR_EVENT,
  cmd: 0x25,
};
export const GET_SENSOR_EVENT_ENABLE: CommandId = {
  name: "Get Sensor Event Enable",
  netFn: NetFn.SENSOR_EVENT,
  cmd: 0x29,
};
export const CLEAR_SEL: CommandId = { name: "Clear SEL", netFn: NetFn.STORAGE, cmd: 0x47 };
export const GET_SEL_TIME: CommandId = { name: "Get SEL Time", netFn: NetFn.STORAGE, cmd: 0x48 };
export const SET_SEL_TIME: CommandId = { name: "Set SEL Time", netFn: NetFn.STORAGE, cmd: 0x49 };

/** Get Self Test Results (17.4): 55h = no error, second byte 00h. */
export function encodeSelfTestPassed(): Buffer {
  return Buffer.from([0x55, 0x00]);
}

/** Get Chassis Capabilities (22.1 / 28.1): no lockout/intrusion-control flags; all devices are the BMC. */
export function encodeChassisCapabilities(bmcAddress: number): Buffer {
  return Buffer.from([0x01 /* intrusion sensor present */, bmcAddress, bmcAddress, bmcAddress, bmcAddress]);
}

/** Clear SEL request (31.9): reservation id, 'C' 'L' 'R', action (AAh initiate, 00h status). */
export function decodeClearSelRequest(
  data: Uint8Array,
): { reservationId: number; action: number } | undefined {
  if (data.length !== 6) return undefined;
  if (data[2] !== 0x43 || data[3] !== 0x4c || data[4] !== 0x52) return undefined;
  return { reservationId: data[0]! | (data[1]! << 8), action: data[5]! };
}

export function encodeSelTime(seconds: number): Buffer {
  return u32le(seconds);
}

/** Get Sensor Event Enable (35.11): events + scanning enabled, then the SDR masks. */
export function encodeSensorEventEnable(assertionMask: number, deassertionMask: number): Buffer {
  return Buffer.from([
    0xc0,
    assertionMask & 0xff,
    (assertionMask >> 8) & 0x7f,
    deassertionMask & 0xff,
    (deassertionMask >> 8) & 0x7f,
  ]);
}
