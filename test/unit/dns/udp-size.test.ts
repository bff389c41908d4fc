import { type Answer, decode, type Packet } from "dns-packet";
import { CLASSIC_UDP_LIMIT, encodeForUdp, udpLimit } from "../../../backend/region/dns/udp-size";
import { FLAG_AA, FLAG_TC } from "../../../backend/region/dns/resolve";

const opt = (udpPayloadSize: number): Answer => ({
  type: "OPT",
  name: ".",
  udpPayloadSize,
  extendedRcode: 0,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
});

function bigResponse(records: number, withOpt: boolean): Packet {
  const answers: Answer[] = [];
  for (let i = 0; i < records; i++) {
    answers.push({ type: "AAAA", name: "rr.z.example", ttl: 60, class: "IN", data: `2001:db8::${i + 1}` });
  }
  return {
    type: "response",
    id: 1,
    flags: FLAG_AA,
    questions: [{ name: "rr.z.example", type: "AAAA", class: "IN" }],
    answers,
    additionals: withOpt ? [opt(1232)] : [],
  };
}

describe("UDP response size", () => {
  it("is 512 without EDNS, the requested size within [512, ceiling] with it (RFC 6891 §6.2.5)", () => {
    expect(udpLimit(undefined, 1232)).toBe(CLASSIC_UDP_LIMIT);
    expect(udpLimit({ additionals: [] }, 1232)).toBe(512);
    expect(udpLimit({ additionals: [opt(4096)] }, 1232)).toBe(1232);
    expect(udpLimit({ additionals: [opt(1000)] }, 1232)).toBe(1000);
    expect(udpLimit({ additionals: [opt(100)] }, 1232)).toBe(512);
  });

  it("leaves a response that fits alone", () => {
    const wire = encodeForUdp(bigResponse(3, false), 512);
    const p = decode(wire);
    expect(p.flag_tc).toBe(false);
    expect(p.answers).toHaveLength(3);
  });

  it("truncates a response that does not fit: TC, no records, OPT kept", () => {
    const plain = decode(encodeForUdp(bigResponse(40, false), 512));
    expect(plain.flag_tc).toBe(true);
    expect(plain.flag_aa).toBe(true);
    expect(plain.answers).toEqual([]);
    expect(plain.questions).toHaveLength(1);
    const edns = encodeForUdp(bigResponse(40, true), 512);
    expect(edns.length).toBeLessThanOrEqual(512);
    expect(decode(edns).additionals?.map((rr) => rr.type)).toEqual(["OPT"]);
    expect((decode(edns).flags ?? 0) & FLAG_TC).toBe(FLAG_TC);
    // dns-packet does not compress names: 25 AAAA for this owner are 25 × 40 bytes, over 512 but within 1232
    expect(decode(encodeForUdp(bigResponse(25, false), 512)).flag_tc).toBe(true);
    expect(decode(encodeForUdp(bigResponse(25, true), 1232)).answers).toHaveLength(25);
  });
});
