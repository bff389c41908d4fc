/**
 * RMCP (ASF 2.0 / IPMI v1.5 spec 13.1–13.2) framing and the ASF presence ping/pong (13.2.2–13.2.3).
 *
 * RMCP header, 4 bytes: version 0x06 (RMCP 1.0), reserved 0x00, sequence number (0xFF = "no
 * RMCP ACK wanted", which IPMI always uses), class of message (bit 7 = ACK; bits 4:0 = class:
 * 0x06 ASF, 0x07 IPMI, 0x08 OEM).
 */

import { ProtocolError } from "../errors";
import { ByteReader } from "./byte-reader";

export const RMCP_VERSION_1_0 = 0x06;
export const RMCP_SEQ_NO_ACK = 0xff;
export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;
export const RMCP_CLASS_OEM = 0x08;
export const RMCP_ACK_BIT = 0x80;
export const RMCP_HEADER_LENGTH = 4;

/** ASF IANA enterprise number 4542 (0x000011BE), big-endian on the wire (ASF is network order). */
export const ASF_IANA = 4542;
export const ASF_TYPE_PRESENCE_PONG = 0x40;
export const ASF_TYPE_PRESENCE_PING = 0x80;

export interface RmcpHeader {
  version: number;
  sequence: number;
  messageClass: number;
  ack: boolean;
}

export function encodeRmcpHeader(messageClass: number, sequence = RMCP_SEQ_NO_ACK, ack = false): Buffer {
  return Buffer.from([
    RMCP_VERSION_1_0,
    0x00,
    sequence & 0xff,
    (messageClass & 0x1f) | (ack ? RMCP_ACK_BIT : 0),
  ]);
}

export function decodeRmcpHeader(buf: Uint8Array): RmcpHeader {
  const r = new ByteReader(buf, "RMCP header");
  const version = r.u8();
  r.u8(); // reserved
  const sequence = r.u8();
  const cls = r.u8();
  if (version !== RMCP_VERSION_1_0)
    throw new ProtocolError(`RMCP header: unsupported version 0x${hex(version)}`);
  return { version, sequence, messageClass: cls & 0x1f, ack: (cls & RMCP_ACK_BIT) !== 0 };
}

/** Presence pong body (13.2.3). `ipmiSupported` is bit 7 of "supported entities". */
export interface PresencePong {
  messageTag: number;
  iana: number;
  oemDefined: number;
  ipmiSupported: boolean;
  asfVersion: number;
  supportedInteractions: number;
}

export interface AsfMessage {
  iana: number;
  messageType: number;
  messageTag: number;
  data: Buffer;
}

export function encodeAsfMessage(m: AsfMessage, sequence = RMCP_SEQ_NO_ACK): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(m.iana >>> 0, 0);
  head[4] = m.messageType & 0xff;
  head[5] = m.messageTag & 0xff;
  head[6] = 0; // reserved
  head[7] = m.data.length & 0xff;
  return Buffer.concat([encodeRmcpHeader(RMCP_CLASS_ASF, sequence), head, m.data]);
}

export function decodeAsfMessage(buf: Uint8Array): AsfMessage {
  const h = decodeRmcpHeader(buf);
  if (h.messageClass !== RMCP_CLASS_ASF) throw new ProtocolError("ASF message: RMCP class is not ASF");
  const r = new ByteReader(buf, "ASF message", RMCP_HEADER_LENGTH);
  const iana = r.u32be();
  const messageType = r.u8();
  const messageTag = r.u8();
  r.u8(); // reserved
  const len = r.u8();
  const data = r.bytes(len);
  return { iana, messageType, messageTag, data };
}

export function encodePresencePing(messageTag: number): Buffer {
  return encodeAsfMessage({
    iana: ASF_IANA,
    messageType: ASF_TYPE_PRESENCE_PING,
    messageTag,
    data: Buffer.alloc(0),
  });
}

export function decodePresencePing(buf: Uint8Array): { messageTag: number } {
  const m = decodeAsfMessage(buf);
  if (m.messageType !== ASF_TYPE_PRESENCE_PING) throw new ProtocolError("ASF: not a presence ping");
  return { messageTag: m.messageTag };
}

export function encodePresencePong(p: PresencePong): Buffer {
  const data = Buffer.alloc(16);
  data.writeUInt32BE(p.iana >>> 0, 0);
  data.writeUInt32BE(p.oemDefined >>> 0, 4);
  data[8] = (p.ipmiSupported ? 0x80 : 0) | (p.asfVersion & 0x0f);
  data[9] = p.supportedInteractions & 0xff;
  return encodeAsfMessage({
    iana: ASF_IANA,
    messageType: ASF_TYPE_PRESENCE_PONG,
    messageTag: p.messageTag,
    data,
  });
}

export function decodePresencePong(buf: Uint8Array): PresencePong {
  const m = decodeAsfMessage(buf);
  if (m.messageType !== ASF_TYPE_PRESENCE_PONG) throw new ProtocolError("ASF: not a presence pong");
  const r = new ByteReader(m.data, "ASF presence pong");
  const iana = r.u32be();
  const oemDefined = r.u32be();
  const entities = r.u8();
  const supportedInteractions = r.u8();
  return {
    messageTag: m.messageTag,
    iana,
    oemDefined,
    ipmiSupported: (entities & 0x80) !== 0,
    asfVersion: entities & 0x0f,
    supportedInteractions,
  };
}

function hex(v: number): string {
  return v.toString(16).padStart(2, "0");
}
