/**
 * IPMI v1.5 LAN datagrams (spec 13.6 "IPMI LAN Message Format", 13.8 message fields): the RMCP
 * header, the IPMI v1.5 session header and an IPMB-style message.
 *
 *   RMCP: 06 00 FF 07
 *   session: authType(1) sessionSeq(4, LS first) sessionId(4, LS first) [authCode(16) unless
 *            authType = NONE] messageLength(1)
 *   request:  rsAddr netFn<<2|rsLUN chk1 rqAddr rqSeq<<2|rqLUN cmd data... chk2
 *   response: rqAddr netFn<<2|rqLUN chk1 rsAddr rqSeq<<2|rsLUN cmd completionCode data... chk2
 *   [legacy pad byte, 13.6: avoid total lengths 56, 84, 112, 128, 156]
 *
 * chk1 covers the first two bytes, chk2 everything from the third byte after chk1's position up
 * to itself; each is the two's complement of the 8-bit sum (13.8, "checksum").
 *
 * Both directions are encoded and decoded here, so the lab BMC (server side) reuses this module.
 * Decoders throw ProtocolError for anything malformed; they never trust a length field.
 */

import { timingSafeEqual } from "node:crypto";
import { ProtocolError } from "../errors";
import { AUTH_CODE_LENGTH, AuthType, authCode, isAuthType } from "./auth";
import { ByteReader, checkByte } from "./byte-reader";
import { RMCP_CLASS_IPMI, RMCP_HEADER_LENGTH, decodeRmcpHeader, encodeRmcpHeader } from "./rmcp";

/** Slave address of the BMC on the IPMB (spec 5.1). */
export const BMC_SLAVE_ADDRESS = 0x20;
/** Software ID of "remote console software" (spec 5.5, table 5-4: 81h). */
export const REMOTE_CONSOLE_SWID = 0x81;

export const NetFn = {
  CHASSIS: 0x00,
  BRIDGE: 0x02,
  SENSOR_EVENT: 0x04,
  APP: 0x06,
  FIRMWARE: 0x08,
  STORAGE: 0x0a,
  TRANSPORT: 0x0c,
} as const;

/** Lengths at which a legacy pad byte is added (spec 13.6, "Legacy PAD"). */
const LEGACY_PAD_LENGTHS = new Set([56, 84, 112, 128, 156]);

export interface SessionHeader {
  authType: AuthType;
  /** Session sequence number (0 outside a session). */
  sequence: number;
  /** Session ID (0 outside a session). */
  sessionId: number;
}

/** What a decoder returns: the header as received plus the auth code bytes for verification. */
export interface ReceivedSessionHeader extends SessionHeader {
  authCode: Buffer | undefined;
}

export interface IpmiRequest {
  rsAddr: number;
  netFn: number;
  rsLun: number;
  rqAddr: number;
  rqSeq: number;
  rqLun: number;
  cmd: number;
  data: Uint8Array;
}

export interface IpmiResponse {
  rqAddr: number;
  /** The response NetFn as on the wire (request NetFn + 1, odd). */
  netFn: number;
  rqLun: number;
  rsAddr: number;
  rqSeq: number;
  rsLun: number;
  cmd: number;
  completionCode: number;
  data: Uint8Array;
}

export interface DecodedLanRequest {
  session: ReceivedSessionHeader;
  message: IpmiRequest;
  /** The IPMI message bytes the auth code covers (rsAddr through chk2). */
  messageBytes: Buffer;
}

export interface DecodedLanResponse {
  session: ReceivedSessionHeader;
  message: IpmiResponse;
  messageBytes: Buffer;
}

/** Two's complement of the 8-bit sum (spec 13.8). */
export function ipmiChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return -sum & 0xff;
}

/** A request defaulting to BMC ← remote console, LUN 0. */
export function makeRequest(
  netFn: number,
  cmd: number,
  data: Uint8Array,
  rqSeq: number,
  overrides: Partial<IpmiRequest> = {},
): IpmiRequest {
  return {
    rsAddr: BMC_SLAVE_ADDRESS,
    netFn,
    rsLun: 0,
    rqAddr: REMOTE_CONSOLE_SWID,
    rqSeq,
    rqLun: 0,
    cmd,
    data,
    ...overrides,
  };
}

/** The response the BMC owes to `req` (server side helper: swaps addresses, NetFn + 1). */
export function makeResponse(req: IpmiRequest, completionCode: number, data: Uint8Array = new Uint8Array(0)) {
  const r: IpmiResponse = {
    rqAddr: req.rqAddr,
    netFn: req.netFn | 1,
    rqLun: req.rqLun,
    rsAddr: req.rsAddr,
    rqSeq: req.rqSeq,
    rsLun: req.rsLun,
    cmd: req.cmd,
    completionCode,
    data,
  };
  return r;
}

export function encodeRequestMessage(m: IpmiRequest): Buffer {
  const out = Buffer.alloc(7 + m.data.length);
  out[0] = checkByte("rsAddr", m.rsAddr);
  out[1] = (checkByte("netFn", m.netFn, 0x3f) << 2) | checkByte("rsLun", m.rsLun, 3);
  out[2] = ipmiChecksum(out, 0, 2);
  out[3] = checkByte("rqAddr", m.rqAddr);
  out[4] = (checkByte("rqSeq", m.rqSeq, 0x3f) << 2) | checkByte("rqLun", m.rqLun, 3);
  out[5] = checkByte("cmd", m.cmd);
  out.set(m.data, 6);
  out[out.length - 1] = ipmiChecksum(out, 3, out.length - 1);
  return out;
}

export function encodeResponseMessage(m: IpmiResponse): Buffer {
  const out = Buffer.alloc(8 + m.data.length);
  out[0] = checkByte("rqAddr", m.rqAddr);
  out[1] = (checkByte("netFn", m.netFn, 0x3f) << 2) | checkByte("rqLun", m.rqLun, 3);
  out[2] = ipmiChecksum(out, 0, 2);
  out[3] = checkByte("rsAddr", m.rsAddr);
  out[4] = (checkByte("rqSeq", m.rqSeq, 0x3f) << 2) | checkByte("rsLun", m.rsLun, 3);
  out[5] = checkByte("cmd", m.cmd);
  out[6] = checkByte("completionCode", m.completionCode);
  out.set(m.data, 7);
  out[out.length - 1] = ipmiChecksum(out, 3, out.length - 1);
  return out;
}

function verifyChecksums(msg: Uint8Array, what: string): void {
  if (ipmiChecksum(msg, 0, 3) !== 0) throw new ProtocolError(`${what}: bad header checksum`);
  if (ipmiChecksum(msg, 3, msg.length) !== 0) throw new ProtocolError(`${what}: bad data checksum`);
}

export function decodeRequestMessage(msg: Uint8Array): IpmiRequest {
  if (msg.length < 7) throw new ProtocolError(`IPMI request: ${msg.length} bytes, need at least 7`);
  verifyChecksums(msg, "IPMI request");
  return {
    rsAddr: msg[0]!,
    netFn: msg[1]! >> 2,
    rsLun: msg[1]! & 3,
    rqAddr: msg[3]!,
    rqSeq: msg[4]! >> 2,
    rqLun: msg[4]! & 3,
    cmd: msg[5]!,
    data: Buffer.from(msg.subarray(6, msg.length - 1)),
  };
}

export function decodeResponseMessage(msg: Uint8Array): IpmiResponse {
  if (msg.length < 8) throw new ProtocolError(`IPMI response: ${msg.length} bytes, need at least 8`);
  verifyChecksums(msg, "IPMI response");
  return {
    rqAddr: msg[0]!,
    netFn: msg[1]! >> 2,
    rqLun: msg[1]! & 3,
    rsAddr: msg[3]!,
    rqSeq: msg[4]! >> 2,
    rsLun: msg[4]! & 3,
    cmd: msg[5]!,
    completionCode: msg[6]!,
    data: Buffer.from(msg.subarray(7, msg.length - 1)),
  };
}

/** Wraps an encoded IPMI message in RMCP + session header, computing the auth code. */
export function encodeLanPacket(
  session: SessionHeader,
  message: Buffer,
  password: string | Uint8Array,
): Buffer {
  if (message.length > 0xff) throw new RangeError(`IPMI message too long for v1.5 LAN: ${message.length}`);
  const code = authCode(session.authType, password, session.sessionId, message, session.sequence);
  const head = Buffer.alloc(9);
  head[0] = session.authType;
  head.writeUInt32LE(session.sequence >>> 0, 1);
  head.writeUInt32LE(session.sessionId >>> 0, 5);
  const parts = [encodeRmcpHeader(RMCP_CLASS_IPMI), head];
  if (code) parts.push(code);
  parts.push(Buffer.from([message.length]), message);
  let total = 0;
  for (const p of parts) total += p.length;
  if (LEGACY_PAD_LENGTHS.has(total)) parts.push(Buffer.alloc(1));
  return Buffer.concat(parts);
}

export function encodeLanRequest(
  session: SessionHeader,
  message: IpmiRequest,
  password: string | Uint8Array,
) {
  return encodeLanPacket(session, encodeRequestMessage(message), password);
}

export function encodeLanResponse(
  session: SessionHeader,
  message: IpmiResponse,
  password: string | Uint8Array,
) {
  return encodeLanPacket(session, encodeResponseMessage(message), password);
}

/** Splits a datagram into session header and message bytes; checks RMCP class and lengths. */
export function decodeLanPacket(buf: Uint8Array): { session: ReceivedSessionHeader; messageBytes: Buffer } {
  const rmcp = decodeRmcpHeader(buf);
  if (rmcp.messageClass !== RMCP_CLASS_IPMI || rmcp.ack) {
    throw new ProtocolError(`IPMI LAN: RMCP class 0x${rmcp.messageClass.toString(16)} is not IPMI`);
  }
  const r = new ByteReader(buf, "IPMI v1.5 session header", RMCP_HEADER_LENGTH);
  const authType = r.u8();
  if (authType === 0x06) throw new ProtocolError("IPMI LAN: RMCP+ (IPMI v2.0) packet, not v1.5");
  if (!isAuthType(authType)) throw new ProtocolError(`IPMI LAN: unknown auth type ${authType}`);
  const sequence = r.u32le();
  const sessionId = r.u32le();
  const code = authType === AuthType.NONE ? undefined : r.bytes(AUTH_CODE_LENGTH);
  const length = r.u8();
  const messageBytes = r.bytes(length);
  // At most the one legacy pad byte may follow (13.6).
  if (r.remaining > 1) throw new ProtocolError(`IPMI LAN: ${r.remaining} unexpected trailing bytes`);
  return { session: { authType, sequence, sessionId, authCode: code }, messageBytes };
}

export function decodeLanRequest(buf: Uint8Array): DecodedLanRequest {
  const { session, messageBytes } = decodeLanPacket(buf);
  return { session, message: decodeRequestMessage(messageBytes), messageBytes };
}

export function decodeLanResponse(buf: Uint8Array): DecodedLanResponse {
  const { session, messageBytes } = decodeLanPacket(buf);
  return { session, message: decodeResponseMessage(messageBytes), messageBytes };
}

/** Checks the received auth code against the password (constant time). NONE always passes. */
export function verifyAuthCode(
  received: { session: ReceivedSessionHeader; messageBytes: Uint8Array },
  password: string | Uint8Array,
): boolean {
  const s = received.session;
  if (s.authType === AuthType.OEM) return false; // no OEM scheme is implemented
  const expected = authCode(s.authType, password, s.sessionId, received.messageBytes, s.sequence);
  if (!expected) return s.authCode === undefined;
  if (!s.authCode || s.authCode.length !== expected.length) return false;
  return timingSafeEqual(expected, s.authCode);
}
