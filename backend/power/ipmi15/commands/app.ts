/**
 * Application NetFn (06h) commands: Get Device ID (spec 20.1) and the v1.5 LAN session
 * commands: Get Channel Authentication Capabilities (22.13), Get Session Challenge (22.16),
 * Activate Session (22.17), Set Session Privilege Level (22.18), Close Session (22.19).
 */

import { ProtocolError } from "../../errors";
import { AuthType, isAuthType } from "../auth";
import { ByteReader, checkByte, u32le } from "../byte-reader";
import { NetFn } from "../lan-message";
import {
  type CommandId,
  decodeFixedString,
  encodeFixedString,
  expectLength,
  fromBcd,
  toBcd,
} from "./command";

export const GET_DEVICE_ID: CommandId = { name: "Get Device ID", netFn: NetFn.APP, cmd: 0x01 };
export const GET_CHANNEL_AUTH_CAPABILITIES: CommandId = {
  name: "Get Channel Authentication Capabilities",
  netFn: NetFn.APP,
  cmd: 0x38,
};
export const GET_SESSION_CHALLENGE: CommandId = {
  name: "Get Session Challenge",
  netFn: NetFn.APP,
  cmd: 0x39,
};
export const ACTIVATE_SESSION: CommandId = { name: "Activate Session", netFn: NetFn.APP, cmd: 0x3a };
export const SET_SESSION_PRIVILEGE: CommandId = {
  name: "Set Session Privilege Level",
  netFn: NetFn.APP,
  cmd: 0x3b,
};
export const CLOSE_SESSION: CommandId = { name: "Close Session", netFn: NetFn.APP, cmd: 0x3c };

/** Privilege levels (spec 6.8). 0 in Set Session Privilege means "no change". */
export const Privilege = {
  CALLBACK: 1,
  USER: 2,
  OPERATOR: 3,
  ADMINISTRATOR: 4,
  OEM: 5,
} as const;
export type Privilege = (typeof Privilege)[keyof typeof Privilege];

export const PRIVILEGE_NAMES: Readonly<Record<string, Privilege>> = {
  callback: Privilege.CALLBACK,
  user: Privilege.USER,
  operator: Privilege.OPERATOR,
  admin: Privilege.ADMINISTRATOR,
  administrator: Privilege.ADMINISTRATOR,
  oem: Privilege.OEM,
};

/** "Current channel" in Get Channel Authentication Capabilities (22.13, byte 1). */
export const CURRENT_CHANNEL = 0x0e;
export const CHALLENGE_LENGTH = 16;
export const USERNAME_LENGTH = 16;

// ---------------------------------------------------------------- Get Device ID (20.1)

export interface DeviceId {
  deviceId: number;
  deviceRevision: number;
  providesDeviceSdrs: boolean;
  /** false while the device is in firmware update or self-initialisation (bit 7 of byte 3). */
  deviceAvailable: boolean;
  firmwareMajor: number;
  /** Decoded from BCD (0x08 → 8, 0x10 → 10). */
  firmwareMinor: number;
  ipmiVersion: { major: number; minor: number };
  additionalDeviceSupport: number;
  manufacturerId: number;
  productId: number;
  auxFirmwareRevision: Buffer | undefined;
}

export function encodeGetDeviceIdRequest(): Buffer {
  return Buffer.alloc(0);
}

export function decodeGetDeviceIdRequest(data: Uint8Array): Record<string, never> {
  expectLength(data, 0, GET_DEVICE_ID.name);
  return {};
}

export function encodeGetDeviceIdResponse(d: DeviceId): Buffer {
  const out = Buffer.alloc(11);
  out[0] = checkByte("deviceId", d.deviceId);
  out[1] = (d.providesDeviceSdrs ? 0x80 : 0) | checkByte("deviceRevision", d.deviceRevision, 0x0f);
  out[2] = (d.deviceAvailable ? 0 : 0x80) | checkByte("firmwareMajor", d.firmwareMajor, 0x7f);
  out[3] = toBcd(d.firmwareMinor);
  // IPMI version is BCD with the *minor* digit in the high nibble: 51h = v1.5, 02h = v2.0.
  out[4] =
    (checkByte("ipmi minor", d.ipmiVersion.minor, 0x0f) << 4) |
    checkByte("ipmi major", d.ipmiVersion.major, 0x0f);
  out[5] = checkByte("additionalDeviceSupport", d.additionalDeviceSupport);
  out.writeUIntLE(checkByte("manufacturerId", d.manufacturerId, 0xfffff), 6, 3);
  out.writeUInt16LE(checkByte("productId", d.productId, 0xffff), 9);
  return d.auxFirmwareRevision ? Buffer.concat([out, d.auxFirmwareRevision.subarray(0, 4)]) : out;
}

export function decodeGetDeviceIdResponse(data: Uint8Array): DeviceId {
  const r = new ByteReader(data, GET_DEVICE_ID.name);
  const deviceId = r.u8();
  const rev = r.u8();
  const fw1 = r.u8();
  const fw2 = r.u8();
  const ver = r.u8();
  const additionalDeviceSupport = r.u8();
  const manufacturerId = r.u16le() | ((r.u8() & 0x0f) << 16); // 20-bit IANA number
  const productId = r.u16le();
  const auxFirmwareRevision = r.remaining >= 4 ? r.bytes(4) : undefined;
  return {
    deviceId,
    deviceRevision: rev & 0x0f,
    providesDeviceSdrs: (rev & 0x80) !== 0,
    deviceAvailable: (fw1 & 0x80) === 0,
    firmwareMajor: fw1 & 0x7f,
    firmwareMinor: fromBcd(fw2),
    ipmiVersion: { major: ver & 0x0f, minor: ver >> 4 },
    additionalDeviceSupport,
    manufacturerId,
    productId,
    auxFirmwareRevision,
  };
}

// ---------------------------------------------------------------- Get Channel Auth Capabilities (22.13)

export interface ChannelAuthCapabilitiesRequest {
  channel: number;
  privilege: Privilege;
  /** Bit 7 of byte 1: ask for IPMI v2.0 extended data. v1.5 BMCs may reject it: leave false. */
  ipmi20Extended: boolean;
}

export interface ChannelAuthCapabilities {
  channel: number;
  /** Bit n set ⇔ auth type n supported (bits 0..5 of byte 2). */
  authTypeMask: number;
  ipmi20ExtendedSupported: boolean;
  perMessageAuthDisabled: boolean;
  userLevelAuthDisabled: boolean;
  nonNullUsernames: boolean;
  nullUsernames: boolean;
  anonymousLogin: boolean;
  extendedCapabilities: number;
  oemId: number;
  oemAuxData: number;
}

export function supportedAuthTypes(c: ChannelAuthCapabilities): AuthType[] {
  return [AuthType.NONE, AuthType.MD2, AuthType.MD5, AuthType.STRAIGHT, AuthType.OEM].filter(
    (t) => (c.authTypeMask & (1 << t)) !== 0,
  );
}

export function encodeGetChannelAuthCapabilitiesRequest(q: ChannelAuthCapabilitiesRequest): Buffer {
  return Buffer.from([
    (q.ipmi20Extended ? 0x80 : 0) | checkByte("channel", q.channel, 0x0f),
    checkByte("privilege", q.privilege, 0x0f),
  ]);
}

export function decodeGetChannelAuthCapabilitiesRequest(data: Uint8Array): ChannelAuthCapabilitiesRequest {
  expectLength(data, 2, GET_CHANNEL_AUTH_CAPABILITIES.name);
  const priv = data[1]! & 0x0f;
  if (priv < 1 || priv > 5)
    throw new ProtocolError(`${GET_CHANNEL_AUTH_CAPABILITIES.name}: bad privilege ${priv}`);
  return { channel: data[0]! & 0x0f, ipmi20Extended: (data[0]! & 0x80) !== 0, privilege: priv as Privilege };
}

export function encodeGetChannelAuthCapabilitiesResponse(c: ChannelAuthCapabilities): Buffer {
  const out = Buffer.alloc(8);
  out[0] = checkByte("channel", c.channel, 0x0f);
  out[1] = (c.ipmi20ExtendedSupported ? 0x80 : 0) | checkByte("authTypeMask", c.authTypeMask, 0x3f);
  out[2] =
    (c.perMessageAuthDisabled ? 0x10 : 0) |
    (c.userLevelAuthDisabled ? 0x08 : 0) |
    (c.nonNullUsernames ? 0x04 : 0) |
    (c.nullUsernames ? 0x02 : 0) |
    (c.anonymousLogin ? 0x01 : 0);
  out[3] = checkByte("extendedCapabilities", c.extendedCapabilities);
  out.writeUIntLE(checkByte("oemId", c.oemId, 0xffffff), 4, 3);
  out[7] = checkByte("oemAuxData", c.oemAuxData);
  return out;
}

export function decodeGetChannelAuthCapabilitiesResponse(data: Uint8Array): ChannelAuthCapabilities {
  const r = new ByteReader(data, GET_CHANNEL_AUTH_CAPABILITIES.name);
  const channel = r.u8();
  const auth = r.u8();
  const flags = r.u8();
  const extendedCapabilities = r.u8();
  const oemId = r.u16le() | (r.u8() << 16);
  const oemAuxData = r.u8();
  return {
    channel: channel & 0x0f,
    authTypeMask: auth & 0x3f,
    ipmi20ExtendedSupported: (auth & 0x80) !== 0,
    perMessageAuthDisabled: (flags & 0x10) !== 0,
    userLevelAuthDisabled: (flags & 0x08) !== 0,
    nonNullUsernames: (flags & 0x04) !== 0,
    nullUsernames: (flags & 0x02) !== 0,
    anonymousLogin: (flags & 0x01) !== 0,
    extendedCapabilities,
    oemId,
    oemAuxData,
  };
}

// ---------------------------------------------------------------- Get Session Challenge (22.16)

export interface SessionChallengeRequest {
  authType: AuthType;
  username: string;
}

export interface SessionChallenge {
  temporarySessionId: number;
  challenge: Buffer;
}

export function encodeGetSessionChallengeRequest(q: SessionChallengeRequest): Buffer {
  return Buffer.concat([
    Buffer.from([checkByte("authType", q.authType, 0x0f)]),
    encodeFixedString(q.username, USERNAME_LENGTH, "user name"),
  ]);
}

export function decodeGetSessionChallengeRequest(data: Uint8Array): SessionChallengeRequest {
  expectLength(data, 1 + USERNAME_LENGTH, GET_SESSION_CHALLENGE.name);
  const t = data[0]! & 0x0f;
  if (!isAuthType(t)) throw new ProtocolError(`${GET_SESSION_CHALLENGE.name}: bad auth type ${t}`);
  return { authType: t, username: decodeFixedString(data.subarray(1)) };
}

export function encodeGetSessionChallengeResponse(c: SessionChallenge): Buffer {
  if (c.challenge.length !== CHALLENGE_LENGTH) throw new RangeError("challenge must be 16 bytes");
  return Buffer.concat([u32le(c.temporarySessionId), c.challenge]);
}

export function decodeGetSessionChallengeResponse(data: Uint8Array): SessionChallenge {
  const r = new ByteReader(data, GET_SESSION_CHALLENGE.name);
  return { temporarySessionId: r.u32le(), challenge: r.bytes(CHALLENGE_LENGTH) };
}

// ---------------------------------------------------------------- Activate Session (22.17)

export interface ActivateSessionRequest {
  authType: AuthType;
  maxPrivilege: Privilege;
  challenge: Buffer;
  /** Sequence number the console starts its outbound messages with (non-zero). */
  initialOutboundSequence: number;
}

export interface ActivatedSession {
  authType: AuthType;
  sessionId: number;
  /** Sequence number the BMC wants the console to use next (0 on single-session BMCs). */
  initialInboundSequence: number;
  maxPrivilege: Privilege;
}

export function encodeActivateSessionRequest(q: ActivateSessionRequest): Buffer {
  if (q.challenge.length !== CHALLENGE_LENGTH) throw new RangeError("challenge must be 16 bytes");
  return Buffer.concat([
    Buffer.from([checkByte("authType", q.authType, 0x0f), checkByte("maxPrivilege", q.maxPrivilege, 0x0f)]),
    q.challenge,
    u32le(q.initialOutboundSequence),
  ]);
}

function privilegeFrom(v: number, what: string): Privilege {
  const p = v & 0x0f;
  if (p < 1 || p > 5) throw new ProtocolError(`${what}: bad privilege level ${p}`);
  return p as Privilege;
}

export function decodeActivateSessionRequest(data: Uint8Array): ActivateSessionRequest {
  expectLength(data, 22, ACTIVATE_SESSION.name);
  const r = new ByteReader(data, ACTIVATE_SESSION.name);
  const t = r.u8() & 0x0f;
  if (!isAuthType(t)) throw new ProtocolError(`${ACTIVATE_SESSION.name}: bad auth type ${t}`);
  const maxPrivilege = privilegeFrom(r.u8(), ACTIVATE_SESSION.name);
  return {
    authType: t,
    maxPrivilege,
    challenge: r.bytes(CHALLENGE_LENGTH),
    initialOutboundSequence: r.u32le(),
  };
}

export function encodeActivateSessionResponse(a: ActivatedSession): Buffer {
  return Buffer.concat([
    Buffer.from([checkByte("authType", a.authType, 0x0f)]),
    u32le(a.sessionId),
    u32le(a.initialInboundSequence),
    Buffer.from([checkByte("maxPrivilege", a.maxPrivilege, 0x0f)]),
  ]);
}

export function decodeActivateSessionResponse(data: Uint8Array): ActivatedSession {
  const r = new ByteReader(data, ACTIVATE_SESSION.name);
  const t = r.u8() & 0x0f;
  if (!isAuthType(t)) throw new ProtocolError(`${ACTIVATE_SESSION.name}: bad auth type ${t}`);
  const sessionId = r.u32le();
  const initialInboundSequence = r.u32le();
  const maxPrivilege = privilegeFrom(r.u8(), ACTIVATE_SESSION.name);
  return { authType: t, sessionId, initialInboundSequence, maxPrivilege };
}

// ---------------------------------------------------------------- Set Session Privilege Level (22.18)

export function encodeSetSessionPrivilegeRequest(privilege: Privilege | 0): Buffer {
  return Buffer.from([checkByte("privilege", privilege, 0x05)]);
}

export function decodeSetSessionPrivilegeRequest(data: Uint8Array): { privilege: Privilege | 0 } {
  expectLength(data, 1, SET_SESSION_PRIVILEGE.name);
  const p = data[0]! & 0x0f;
  if (p > 5) throw new ProtocolError(`${SET_SESSION_PRIVILEGE.name}: bad privilege ${p}`);
  return { privilege: p as Privilege | 0 };
}

export function encodeSetSessionPrivilegeResponse(privilege: Privilege): Buffer {
  return Buffer.from([checkByte("privilege", privilege, 0x0f)]);
}

export function decodeSetSessionPrivilegeResponse(data: Uint8Array): { privilege: Privilege } {
  const r = new ByteReader(data, SET_SESSION_PRIVILEGE.name);
  return { privilege: privilegeFrom(r.u8(), SET_SESSION_PRIVILEGE.name) };
}

// ---------------------------------------------------------------- Close Session (22.19)

export function encodeCloseSessionRequest(sessionId: number): Buffer {
  return u32le(sessionId);
}

export function decodeCloseSessionRequest(data: Uint8Array): { sessionId: number } {
  // v2.0 adds an optional session handle byte when the id is 0; accept 4 or 5 bytes.
  expectLength(data, 4, CLOSE_SESSION.name, 5);
  return { sessionId: new ByteReader(data, CLOSE_SESSION.name).u32le() };
}

export function encodeCloseSessionResponse(): Buffer {
  return Buffer.alloc(0);
}

export function decodeCloseSessionResponse(_data: Uint8Array): Record<string, never> {
  return {};
}
