/**
 * Authoritative answering: one decoded query in, one response out. Pure (no sockets, no
 * clock); the server decodes, calls `answer`, then fits the response to the transport.
 *
 * Rules (RFC 1034 §4.3.2 algorithm, minus referrals, CNAMEs and wildcards, which we never
 * publish):
 * - opcode ≠ QUERY → NOTIMP; not exactly one question, or a response sent to us → FORMERR.
 * - class other than IN/ANY, names outside our zones, zone transfers → REFUSED (no AA).
 * - name with records of the type → NOERROR, AA, answers (NS at an apex adds glue).
 * - name exists without that type (incl. empty non-terminals, RFC 8020) → NODATA: NOERROR,
 *   AA, no answers, SOA in authority (RFC 2308 §2.2).
 * - name does not exist → NXDOMAIN, AA, SOA in authority (RFC 2308 §2.1).
 * - ANY → every RRset we hold at the name.
 * - Names match case-insensitively (RFC 4343); the question and owner names echo the
 *   question's spelling, so 0x20-randomising resolvers accept the answer.
 * - EDNS (RFC 6891 §6.1.1): an OPT in the query gets one in the response; more than one OPT
 *   → FORMERR; version > 0 → BADVERS.
 */
import type { Answer, OptAnswer, Packet, Question } from "dns-packet";
import { normalizeName } from "./names";
import type { Zone, ZoneSet } from "./zone";

/** RFC 1035 §4.1.1 header bits, as dns-packet's `flags` holds them (QR excluded). */
export const FLAG_AA = 1 << 10;
export const FLAG_TC = 1 << 9;
export const FLAG_RD = 1 << 8;
export const FLAG_CD = 1 << 4;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

/** RFC 6891 §9: extended RCODE 16 = upper 8 bits 1 in the OPT, lower 4 bits 0 in the header. */
const BADVERS_UPPER = 1;

export const OPCODE_QUERY = 0;
/** The UDP payload size we advertise: the DNS Flag Day 2020 value, safe from fragmentation. */
export const OUR_EDNS_UDP_SIZE = 1232;

export function opcodeOf(flags: number | undefined): number {
  return ((flags ?? 0) >> 11) & 0xf;
}

export function rcodeOf(flags: number | undefined): number {
  return (flags ?? 0) & 0xf;
}

/** A header-only (or question-echoing) error response; also used by the server for undecodable queries. */
export function errorResponse(
  id: number,
  queryFlags: number,
  rcode: Rcode,
  questions: Question[] = [],
  additionals: Answer[] = [],
): Packet {
  return {
    id,
    type: "response",
    flags: (opcodeOf(queryFlags) << 11) | (queryFlags & (FLAG_RD | FLAG_CD)) | rcode,
    questions,
    answers: [],
    authorities: [],
    additionals,
  };
}

function optRecord(extendedRcode = 0): OptAnswer {
  return {
    type: "OPT",
    name: ".",
    udpPayloadSize: OUR_EDNS_UDP_SIZE,
    extendedRcode,
    ednsVersion: 0,
    // DO stays clear: we do not sign (RFC 3225 §3)
    flags: 0,
    flag_do: false,
    options: [],
  };
}

function soaRecord(zone: Zone, owner: string, ttl: number): Answer {
  return { type: "SOA", name: owner, ttl, class: "IN", data: { ...zone.soa } };
}

function rrsetsAt(zone: Zone, name: string, owner: string, qtype: string): Answer[] {
  const node = zone.nodes.get(name);
  const out: Answer[] = [];
  const want = (t: string): boolean => qtype === t || qtype === "ANY";
  const ttl = zone.ttl;
  if (name === zone.origin) {
    if (want("SOA")) out.push(soaRecord(zone, owner, ttl));
    if (want("NS"))
      for (const ns of zone.nameservers) out.push({ type: "NS", name: owner, ttl, class: "IN", data: ns });
  }
  if (!node) return out;
  if (want("A")) for (const a of node.a) out.push({ type: "A", name: owner, ttl, class: "IN", data: a });
  if (want("AAAA"))
    for (const a of node.aaaa) out.push({ type: "AAAA", name: owner, ttl, class: "IN", data: a });
  if (want("PTR"))
    for (const p of node.ptr) out.push({ type: "PTR", name: owner, ttl, class: "IN", data: p });
  return out;
}

/** A/AAAA for the NS targets among `answers` (RFC 1034 §4.3.2 step 6: additional section processing). */
function glueFor(zones: ZoneSet, answers: readonly Answer[]): Answer[] {
  const out: Answer[] = [];
  for (const rr of answers) {
    if (rr.type !== "NS") continue;
    const target = rr.data;
    const ttl = zones.zoneFor(target)?.ttl ?? rr.ttl;
    const { a, aaaa } = zones.addressesOf(target);
    for (const ip of a) out.push({ type: "A", name: target, ttl, class: "IN", data: ip });
    for (const ip of aaaa) out.push({ type: "AAAA", name: target, ttl, class: "IN", data: ip });
  }
  return out;
}

/** Answers one query from the zone snapshot. Never throws for any decoded packet. */
export function answer(zones: ZoneSet, query: Packet): Packet {
  const id = query.id ?? 0;
  const qflags = query.flags ?? 0;
  const questions = query.questions ?? [];
  const opts = (query.additionals ?? []).filter((rr) => rr.type === "OPT");
  const edns = opts.length > 0 ? [optRecord()] : [];

  if (query.type === "response") return errorResponse(id, qflags, RCODE.FORMERR, questions);
  if (opcodeOf(qflags) !== OPCODE_QUERY) return errorResponse(id, qflags, RCODE.NOTIMP, questions, edns);
  if (opts.length > 1) return errorResponse(id, qflags, RCODE.FORMERR, questions);
  const opt = opts[0];
  if (opt && opt.type === "OPT" && opt.ednsVersion !== 0) {
    return errorResponse(id, qflags, RCODE.NOERROR, questions, [optRecord(BADVERS_UPPER)]);
  }
  const q = questions[0];
  if (!q || questions.length !== 1) return errorResponse(id, qflags, RCODE.FORMERR, questions, edns);

  // dns-packet decodes unknown types/classes to "UNKNOWN_<n>" strings, wider than its typings.
  const qtype: string = q.type;
  const qclass: string = q.class ?? "IN";
  if (qtype === "OPT") return errorResponse(id, qflags, RCODE.FORMERR, questions, edns);
  if (qclass !== "IN" && qclass !== "ANY") return errorResponse(id, qflags, RCODE.REFUSED, questions, edns);
  // Zone transfers are not offered: the region pushes its data to every replica instead.
  if (qtype === "AXFR" || qtype === "IXFR") return errorResponse(id, qflags, RCODE.REFUSED, questions, edns);

  const name = normalizeName(q.name === "." ? "" : q.name);
  const zone = zones.zoneFor(name);
  if (!zone) return errorResponse(id, qflags, RCODE.REFUSED, questions, edns);

  const response: Packet = {
    id,
    type: "response",
    flags: (qflags & (FLAG_RD | FLAG_CD)) | FLAG_AA | RCODE.NOERROR,
    questions,
    answers: [],
    authorities: [],
    additionals: [],
  };
  const exists = zone.nodes.has(name) || zone.emptyNonTerminals.has(name);
  const negativeTtl = Math.min(zone.ttl, zone.soa.minimum);
  if (!exists) {
    response.flags = (response.flags ?? 0) | RCODE.NXDOMAIN;
    response.authorities = [soaRecord(zone, zone.origin, negativeTtl)];
    response.additionals = edns;
    return response;
  }
  const answers = rrsetsAt(zone, name, q.name, qtype);
  if (answers.length === 0) {
    response.authorities = [soaRecord(zone, zone.origin, negativeTtl)];
    response.additionals = edns;
    return response;
  }
  response.answers = answers;
  response.additionals = [...glueFor(zones, answers), ...edns];
  return response;
}
