/**
 * Bytes in, bytes out: decode one DNS message, answer it from the current zone snapshot, and
 * encode the response for the transport it came on. Pure apart from calling `getZones`; the
 * server owns the sockets. Whatever the bytes, this never throws.
 *
 * - Shorter than a header, or a response (QR=1): dropped. Answering responses could make two
 *   servers bounce errors at each other forever (RFC 1035 §7.3 says discard them).
 * - Undecodable, or a question name that would not survive re-encoding: FORMERR with the ID
 *   and opcode echoed and no question (RFC 1035 §4.1.1).
 * - Zone snapshot unavailable, or a response we fail to encode: SERVFAIL.
 */
import { type DecodedPacket, decode, encode } from "dns-packet";
import { CLASSIC_UDP_LIMIT, encodeForUdp, udpLimit } from "./udp-size";
import { answer, errorResponse, RCODE, type Rcode, rcodeOf } from "./resolve";
import type { ZoneSet } from "./zone";

export type Transport = "udp" | "tcp";

export interface RespondResult {
  /** The wire response, or undefined when the message is to be dropped. */
  wire?: Buffer;
  /** For logs and tests: why the message got the answer it got. */
  outcome: "answered" | "dropped" | "formerr" | "servfail";
}

const HEADER_LENGTH = 12;
const QR_BIT = 0x80; // high bit of header byte 2 (RFC 1035 §4.1.1)

/** Labels that came off the wire as bytes no string can carry back (not UTF-8, empty, too long). */
function qnameRoundTrips(name: string): boolean {
  if (name === ".") return true;
  if (name.includes("\uFFFD")) return false;
  let wire = 1;
  for (const label of name.split(".")) {
    const bytes = Buffer.byteLength(label);
    if (bytes === 0 || bytes > 63) return false;
    wire += bytes + 1;
  }
  return wire <= 255;
}

function headerError(raw: Buffer, rcode: Rcode): Buffer {
  return encode(errorResponse(raw.readUInt16BE(0), raw.readUInt16BE(2) & 0x7fff, rcode));
}

export function respond(
  raw: Buffer,
  getZones: () => ZoneSet,
  transport: Transport,
  udpCeiling = CLASSIC_UDP_LIMIT,
): RespondResult {
  if (raw.length < HEADER_LENGTH || ((raw[2] ?? 0) & QR_BIT) !== 0) return { outcome: "dropped" };

  let query: DecodedPacket;
  try {
    query = decode(raw);
  } catch {
    return { wire: headerError(raw, RCODE.FORMERR), outcome: "formerr" };
  }
  if (!(query.questions ?? []).every((q) => qnameRoundTrips(q.name))) {
    return { wire: headerError(raw, RCODE.FORMERR), outcome: "formerr" };
  }

  let zones: ZoneSet;
  try {
    zones = getZones();
  } catch {
    return { wire: headerError(raw, RCODE.SERVFAIL), outcome: "servfail" };
  }

  try {
    const response = answer(zones, query);
    const wire = transport === "udp" ? encodeForUdp(response, udpLimit(query, udpCeiling)) : encode(response);
    return { wire, outcome: rcodeOf(response.flags) === RCODE.FORMERR ? "formerr" : "answered" };
  } catch {
    return { wire: headerError(raw, RCODE.SERVFAIL), outcome: "servfail" };
  }
}
