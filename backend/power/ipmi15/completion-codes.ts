/**
 * IPMI completion codes (IPMI v1.5 spec 5.2, table 5-2; v2.0 adds 0xD6).
 * 0x00 normal, 0x01–0x7E device-specific (OEM), 0x80–0xBE command-specific, 0xC0–0xFF generic.
 */

import { BmcError, type PowerError, powerFailure } from "../errors";

export const CC_OK = 0x00;

export const GENERIC_COMPLETION_CODES: ReadonlyMap<number, string> = new Map([
  [0x00, "Command completed normally"],
  [0xc0, "Node busy"],
  [0xc1, "Invalid command"],
  [0xc2, "Command invalid for given LUN"],
  [0xc3, "Timeout while processing command"],
  [0xc4, "Out of space"],
  [0xc5, "Reservation canceled or invalid reservation ID"],
  [0xc6, "Request data truncated"],
  [0xc7, "Request data length invalid"],
  [0xc8, "Request data field length limit exceeded"],
  [0xc9, "Parameter out of range"],
  [0xca, "Cannot return number of requested data bytes"],
  [0xcb, "Requested sensor, data, or record not present"],
  [0xcc, "Invalid data field in request"],
  [0xcd, "Command illegal for specified sensor or record type"],
  [0xce, "Command response could not be provided"],
  [0xcf, "Cannot execute duplicated request"],
  [0xd0, "SDR repository in update mode"],
  [0xd1, "Device in firmware update mode"],
  [0xd2, "BMC initialization or initialization agent in progress"],
  [0xd3, "Destination unavailable"],
  [0xd4, "Cannot execute command: insufficient privilege level"],
  [0xd5, "Cannot execute command: not supported in present state"],
  [0xd6, "Cannot execute command: parameter is illegal because sub-function is disabled or unavailable"],
  [0xff, "Unspecified error"],
]);

/**
 * Command-specific codes (0x80–0xBE) for the commands we send, keyed `netFn:cmd` of the
 * request (spec 22.13–22.19, 28.12). Others are reported as "command-specific".
 */
export const COMMAND_COMPLETION_CODES: ReadonlyMap<string, ReadonlyMap<number, string>> = new Map([
  // Get Session Challenge (22.16)
  [
    "6:57",
    new Map([
      [0x81, "Invalid user name"],
      [0x82, "Null user name (user 1) not enabled"],
    ]),
  ],
  // Activate Session (22.17)
  [
    "6:58",
    new Map([
      [0x81, "No session slot available (BMC cannot accept more sessions)"],
      [0x82, "No slot available for given user (limit of user sessions reached)"],
      [0x83, "No slot available to support user due to maximum privilege capability"],
      [0x84, "Session sequence number out of range"],
      [0x85, "Invalid session ID in request"],
      [0x86, "Requested maximum privilege level exceeds user and/or channel privilege limit"],
    ]),
  ],
  // Set Session Privilege Level (22.18)
  [
    "6:59",
    new Map([
      [0x80, "Requested level not available for this user"],
      [0x81, "Requested level exceeds channel and/or user privilege limit"],
      [0x82, "Cannot disable user level authentication"],
    ]),
  ],
  // Close Session (22.19)
  [
    "6:60",
    new Map([
      [0x87, "Invalid session ID in request"],
      [0x88, "Invalid session handle in request"],
    ]),
  ],
  // Set System Boot Options (28.12)
  [
    "0:8",
    new Map([
      [0x80, "Parameter not supported"],
      [0x81, "Attempt to set the 'set in progress' value when not in 'set complete' state"],
      [0x82, "Attempt to write read-only parameter"],
    ]),
  ],
  // Get System Boot Options (28.13)
  ["0:9", new Map([[0x80, "Parameter not supported"]])],
  // Get SDR (33.12): record changed while reading
  ["10:35", new Map([[0x80, "Record changed"]])],
  // Get SEL Entry (31.5)
  ["10:67", new Map([[0x81, "Cannot execute command, SEL erase in progress"]])],
]);

export type CompletionClass =
  | "ok"
  | "busy" // worth retrying: the BMC said "not now"
  | "unsupported" // the command or parameter is not implemented
  | "privilege" // session privilege too low
  | "invalid-request" // our request was wrong: a bug or a bad parameter
  | "not-present" // record/sensor not there
  | "reservation" // reservation lost: re-reserve and retry
  | "too-long" // ask for fewer bytes
  | "command-specific"
  | "oem"
  | "error";

/** Classify a completion code so callers can decide: retry, re-reserve, give up. */
export function classifyCompletionCode(cc: number): CompletionClass {
  if (cc === 0x00) return "ok";
  if (cc >= 0x01 && cc <= 0x7e) return "oem";
  if (cc >= 0x80 && cc <= 0xbe) return "command-specific";
  switch (cc) {
    case 0xc0:
    case 0xc3:
    case 0xce:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      return "busy";
    case 0xc1:
    case 0xc2:
    case 0xd5:
    case 0xd6:
      return "unsupported";
    case 0xd4:
      return "privilege";
    case 0xc6:
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xcc:
    case 0xcd:
    case 0xcf:
      return "invalid-request";
    case 0xcb:
      return "not-present";
    case 0xc5:
      return "reservation";
    case 0xca:
      return "too-long";
    default:
      return "error";
  }
}

/** Retrying the same request may succeed for these classes. */
export function isRetryableCompletionCode(cc: number): boolean {
  const c = classifyCompletionCode(cc);
  return c === "busy" || c === "reservation";
}

/** Human message for a completion code, using the command-specific table when one applies. */
export function completionCodeMessage(cc: number, netFn?: number, cmd?: number): string {
  const hex = `0x${cc.toString(16).padStart(2, "0")}`;
  if (netFn !== undefined && cmd !== undefined) {
    const specific = COMMAND_COMPLETION_CODES.get(`${netFn & 0xfe}:${cmd}`)?.get(cc);
    if (specific) return `${specific} (${hex})`;
  }
  const generic = GENERIC_COMPLETION_CODES.get(cc);
  if (generic) return `${generic} (${hex})`;
  const c = classifyCompletionCode(cc);
  if (c === "oem") return `Device-specific (OEM) completion code (${hex})`;
  if (c === "command-specific") return `Command-specific completion code (${hex})`;
  return `Unknown completion code (${hex})`;
}

/**
 * The typed error for a non-zero completion code of command `netFn`/`cmd` (the power layer's
 * table, errors.ts, decides the class for the failures it names; everything else is a BmcError).
 */
export function completionCodeError(cc: number, netFn: number, cmd: number, what: string): PowerError {
  const message = `${what}: ${completionCodeMessage(cc, netFn, cmd)}`;
  if (cc === 0xd4) return powerFailure("insufficient-privilege", message);
  if (cc === 0xc1) return powerFailure("unsupported-command", message);
  return new BmcError(message, cc, netFn, cmd, isRetryableCompletionCode(cc));
}
