import { type Answer, decode, encode, type Packet, type RecordType } from "dns-packet";
import {
  answer,
  FLAG_AA,
  FLAG_CD,
  FLAG_RD,
  OUR_EDNS_UDP_SIZE,
  RCODE,
  rcodeOf,
} from "../../../backend/region/dns/resolve";
import { buildZoneSet } from "../../../backend/region/dns/zone";
import { GIRONA } from "./zone-fixture";

const zones = buildZoneSet(GIRONA);

function query(name: string, type: string, extra: Partial<Packet> = {}): Packet {
  // dns-packet's typings list only known types; the wire allows any (tests use "ANY", "UNKNOWN_n")
  return {
    type: "query",
    id: 4242,
    flags: FLAG_RD,
    questions: [{ name, type: type as RecordType, class: "IN" }],
    ...extra,
  };
}

/** Answers through a real encode/decode, as the server does: what we return must go on the wire. */
function ask(q: Packet): Packet {
  return decode(encode(answer(zones, decode(encode(q)))));
}

const data = (rrs: Answer[] | undefined): unknown[] =>
  (rrs ?? []).map((rr) => ("data" in rr ? rr.data : undefined));
const aa = (p: Packet): boolean => ((p.flags ?? 0) & FLAG_AA) !== 0;

describe("answer()", () => {
  it("answers A with AA, echoing ID, RD and the question", () => {
    const r = ask(query("web-1.girona.fibrix.example", "A"));
    expect(r.type).toBe("response");
    expect(r.id).toBe(4242);
    expect(rcodeOf(r.flags)).toBe(RCODE.NOERROR);
    expect(aa(r)).toBe(true);
    expect((r.flags ?? 0) & FLAG_RD).toBe(FLAG_RD);
    expect(r.questions).toEqual([{ name: "web-1.girona.fibrix.example", type: "A", class: "IN" }]);
    expect(r.answers).toEqual([
      {
        name: "web-1.girona.fibrix.example",
        type: "A",
        ttl: 120,
        class: "IN",
        flush: false,
        data: "192.0.2.10",
      },
    ]);
    expect(r.authorities).toEqual([]);
  });

  it("answers AAAA", () => {
    expect(data(ask(query("web-1.girona.fibrix.example", "AAAA")).answers)).toEqual(["2001:db8:0:1::10"]);
    expect(data(ask(query("v6only.girona.fibrix.example", "AAAA")).answers)).toEqual(["2001:db8:0:1::20"]);
  });

  it("answers PTR in the derived reverse zones", () => {
    const r4 = ask(query("77.2.0.192.in-addr.arpa", "PTR"));
    expect(aa(r4)).toBe(true);
    expect(data(r4.answers)).toEqual(["vm-7.tenant-a.girona.fibrix.example"]);
    const r6 = ask(query("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR"));
    expect(data(r6.answers)).toEqual(["web-1.girona.fibrix.example"]);
  });

  it("matches names case-insensitively and echoes the question's case (RFC 4343)", () => {
    const r = ask(query("WeB-1.GiRoNa.fibrix.EXAMPLE", "A"));
    expect(r.questions?.[0]?.name).toBe("WeB-1.GiRoNa.fibrix.EXAMPLE");
    expect(r.answers?.[0]?.name).toBe("WeB-1.GiRoNa.fibrix.EXAMPLE");
    expect(data(r.answers)).toEqual(["192.0.2.10"]);
  });

  it("answers SOA at the apex", () => {
    const r = ask(query("girona.fibrix.example", "SOA"));
    expect(r.answers).toHaveLength(1);
    expect(r.answers?.[0]).toMatchObject({
      type: "SOA",
      data: {
        mname: "ns1.girona.fibrix.example",
        rname: "hostmaster.girona.fibrix.example",
        serial: 2024061501,
        minimum: 120,
      },
    });
    const rev = ask(query("2.0.192.in-addr.arpa", "SOA"));
    expect(rev.answers?.[0]).toMatchObject({ type: "SOA", data: { mname: "ns1.girona.fibrix.example" } });
  });

  it("answers NS at the apex with glue, in-zone and configured", () => {
    const r = ask(query("girona.fibrix.example", "NS"));
    expect(data(r.answers)).toEqual(["ns1.girona.fibrix.example", "ns2.fibrix.example"]);
    const glue = (r.additionals ?? []).map((rr) => `${rr.name} ${rr.type} ${"data" in rr ? rr.data : ""}`);
    expect(glue).toEqual([
      "ns1.girona.fibrix.example A 192.0.2.53",
      "ns1.girona.fibrix.example AAAA 2001:db8:0:1::53",
      "ns2.fibrix.example A 198.51.100.53",
    ]);
  });

  it("gives NODATA (NOERROR, no answers, SOA in authority) when the name has other types", () => {
    for (const r of [
      ask(query("web-2.girona.fibrix.example", "AAAA")),
      ask(query("web-2.girona.fibrix.example", "MX")),
      ask(query("web-1.girona.fibrix.example", "UNKNOWN_65280")),
      ask(query("web-1.girona.fibrix.example", "NS")),
    ]) {
      expect(rcodeOf(r.flags)).toBe(RCODE.NOERROR);
      expect(aa(r)).toBe(true);
      expect(r.answers).toEqual([]);
      expect(r.authorities).toHaveLength(1);
      expect(r.authorities?.[0]).toMatchObject({ type: "SOA", name: "girona.fibrix.example", ttl: 120 });
    }
  });

  it("treats an empty non-terminal as existing (RFC 8020): NODATA, not NXDOMAIN", () => {
    const r = ask(query("tenant-a.girona.fibrix.example", "A"));
    expect(rcodeOf(r.flags)).toBe(RCODE.NOERROR);
    expect(r.answers).toEqual([]);
    expect(r.authorities?.[0]?.type).toBe("SOA");
  });

  it("gives NXDOMAIN with SOA in authority for names that do not exist", () => {
    const r = ask(query("nope.girona.fibrix.example", "A"));
    expect(rcodeOf(r.flags)).toBe(RCODE.NXDOMAIN);
    expect(aa(r)).toBe(true);
    expect(r.answers).toEqual([]);
    expect(r.authorities?.[0]).toMatchObject({ type: "SOA", name: "girona.fibrix.example" });
    const rev = ask(query("99.2.0.192.in-addr.arpa", "PTR"));
    expect(rcodeOf(rev.flags)).toBe(RCODE.NXDOMAIN);
    expect(rev.authorities?.[0]).toMatchObject({ type: "SOA", name: "2.0.192.in-addr.arpa" });
    // below an existing name
    expect(rcodeOf(ask(query("x.web-1.girona.fibrix.example", "A")).flags)).toBe(RCODE.NXDOMAIN);
  });

  it("answers from the closest zone: the nested rack zone owns its names", () => {
    const r = ask(query("pe860-01.rack2.girona.fibrix.example", "A"));
    expect(data(r.answers)).toEqual(["203.0.113.21"]);
    const soa = ask(query("rack2.girona.fibrix.example", "SOA"));
    expect(soa.answers?.[0]).toMatchObject({ data: { serial: 7 } });
  });

  it("refuses names outside our zones, without AA", () => {
    for (const name of ["example.com", "fibrix.example", ".", "3.2.1.in-addr.arpa"]) {
      const r = ask(query(name, "A"));
      expect(rcodeOf(r.flags)).toBe(RCODE.REFUSED);
      expect(aa(r)).toBe(false);
      expect(r.answers).toEqual([]);
    }
  });

  it("answers ANY with every RRset at the name", () => {
    const apex = ask(query("girona.fibrix.example", "ANY"));
    expect(apex.answers?.map((rr) => rr.type)).toEqual(["SOA", "NS", "NS", "A"]);
    expect(apex.additionals?.length).toBe(3);
    const host = ask(query("web-1.girona.fibrix.example", "ANY"));
    expect(host.answers?.map((rr) => rr.type)).toEqual(["A", "AAAA"]);
  });

  it("gives FORMERR without exactly one question", () => {
    const none = answer(zones, { type: "query", id: 7, flags: 0, questions: [] });
    expect(rcodeOf(none.flags)).toBe(RCODE.FORMERR);
    expect(none.id).toBe(7);
    const two = answer(zones, {
      type: "query",
      id: 8,
      questions: [
        { name: "web-1.girona.fibrix.example", type: "A" },
        { name: "web-2.girona.fibrix.example", type: "A" },
      ],
    });
    expect(rcodeOf(two.flags)).toBe(RCODE.FORMERR);
    expect(rcodeOf(answer(zones, query("web-1.girona.fibrix.example", "OPT")).flags)).toBe(RCODE.FORMERR);
    // a response is not a query
    expect(
      rcodeOf(answer(zones, { ...query("web-1.girona.fibrix.example", "A"), type: "response" }).flags),
    ).toBe(RCODE.FORMERR);
  });

  it("gives NOTIMP for opcodes other than QUERY, echoing the opcode", () => {
    const notify = 4 << 11;
    const r = ask(query("girona.fibrix.example", "SOA", { flags: notify }));
    expect(rcodeOf(r.flags)).toBe(RCODE.NOTIMP);
    expect(((r.flags ?? 0) >> 11) & 0xf).toBe(4);
  });

  it("refuses other classes and zone transfers", () => {
    const ch = ask({ type: "query", id: 1, questions: [{ name: "version.bind", type: "TXT", class: "CH" }] });
    expect(rcodeOf(ch.flags)).toBe(RCODE.REFUSED);
    expect(rcodeOf(ask(query("girona.fibrix.example", "AXFR")).flags)).toBe(RCODE.REFUSED);
    expect(rcodeOf(ask(query("girona.fibrix.example", "IXFR")).flags)).toBe(RCODE.REFUSED);
    const any = ask({
      type: "query",
      id: 1,
      questions: [{ name: "web-2.girona.fibrix.example", type: "A", class: "ANY" }],
    });
    expect(data(any.answers)).toEqual(["192.0.2.11"]);
  });

  it("copies CD, never sets RA (we are not a resolver)", () => {
    const r = ask(query("web-1.girona.fibrix.example", "A", { flags: FLAG_CD }));
    expect((r.flags ?? 0) & FLAG_CD).toBe(FLAG_CD);
    expect((r.flags ?? 0) & FLAG_RD).toBe(0);
    expect((r.flags ?? 0) & (1 << 7)).toBe(0);
  });

  describe("EDNS (RFC 6891)", () => {
    const opt = (ednsVersion = 0): Answer => ({
      type: "OPT",
      name: ".",
      udpPayloadSize: 4096,
      extendedRcode: 0,
      ednsVersion,
      flags: 0,
      flag_do: false,
      options: [],
    });

    it("answers an OPT with our OPT", () => {
      const r = ask(query("web-1.girona.fibrix.example", "A", { additionals: [opt()] }));
      expect(rcodeOf(r.flags)).toBe(RCODE.NOERROR);
      expect(r.additionals).toEqual([
        expect.objectContaining({ type: "OPT", udpPayloadSize: OUR_EDNS_UDP_SIZE }),
      ]);
      const nx = ask(query("nope.girona.fibrix.example", "A", { additionals: [opt()] }));
      expect(nx.additionals?.map((rr) => rr.type)).toEqual(["OPT"]);
    });

    it("gives no OPT when the query had none", () => {
      expect(ask(query("web-1.girona.fibrix.example", "A")).additionals).toEqual([]);
    });

    it("answers BADVERS to EDNS versions above 0", () => {
      const r = ask(query("web-1.girona.fibrix.example", "A", { additionals: [opt(1)] }));
      expect(rcodeOf(r.flags)).toBe(0);
      expect(r.additionals?.[0]).toMatchObject({ type: "OPT", extendedRcode: 1, ednsVersion: 0 });
      expect(r.answers).toEqual([]);
    });

    it("gives FORMERR to two OPT records", () => {
      const r = ask(query("web-1.girona.fibrix.example", "A", { additionals: [opt(), opt()] }));
      expect(rcodeOf(r.flags)).toBe(RCODE.FORMERR);
    });
  });

  it("reads a swapped snapshot: answers depend only on the ZoneSet given", () => {
    const next = buildZoneSet({
      zones: [{ ...GIRONA.zones[0]!, serial: 2024061502, hosts: [{ name: "web-1", ipv4: "192.0.2.99" }] }],
    });
    const r = decode(encode(answer(next, query("web-1.girona.fibrix.example", "A"))));
    expect(data(r.answers)).toEqual(["192.0.2.99"]);
    expect(rcodeOf(answer(next, query("web-2.girona.fibrix.example", "A")).flags)).toBe(RCODE.NXDOMAIN);
  });
});
