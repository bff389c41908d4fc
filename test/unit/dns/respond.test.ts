import fc from "fast-check";
import { decode, encode, type Packet } from "dns-packet";
import { respond } from "../../../backend/region/dns/respond";
import { RCODE, rcodeOf } from "../../../backend/region/dns/resolve";
import { buildZoneSet } from "../../../backend/region/dns/zone";
import { GIRONA } from "./zone-fixture";

const zones = buildZoneSet(GIRONA);
const getZones = () => zones;
const wireQuery = (name: string, id = 99): Buffer =>
  encode({ type: "query", id, flags: 0, questions: [{ name, type: "A", class: "IN" }] });

describe("respond()", () => {
  it("answers a well-formed query", () => {
    const r = respond(wireQuery("web-1.girona.fibrix.example"), getZones, "udp");
    expect(r.outcome).toBe("answered");
    const p = decode(r.wire ?? Buffer.alloc(0));
    expect(p.id).toBe(99);
    expect(p.answers?.[0]).toMatchObject({ type: "A", data: "192.0.2.10" });
  });

  it("drops what is shorter than a header, and responses (QR=1)", () => {
    expect(respond(Buffer.alloc(11), getZones, "udp")).toEqual({ outcome: "dropped" });
    const resp = encode({
      type: "response",
      id: 1,
      questions: [{ name: "web-1.girona.fibrix.example", type: "A" }],
    });
    expect(respond(resp, getZones, "udp")).toEqual({ outcome: "dropped" });
  });

  it("gives FORMERR with the ID and opcode echoed to undecodable queries", () => {
    const raw = Buffer.from([0xbe, 0xef, 0x28, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 63, 1, 2]); // opcode 5, label runs off the end
    const r = respond(raw, getZones, "udp");
    expect(r.outcome).toBe("formerr");
    const p = decode(r.wire ?? Buffer.alloc(0));
    expect(p.id).toBe(0xbeef);
    expect(p.type).toBe("response");
    expect(rcodeOf(p.flags)).toBe(RCODE.FORMERR);
    expect(((p.flags ?? 0) >> 11) & 0xf).toBe(5);
    expect(p.questions).toEqual([]);
  });

  it("gives FORMERR to a question name that would not survive re-encoding", () => {
    const raw = Buffer.concat([
      Buffer.from([0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.from([3, 0xff, 0xfe, 0xfd, 0]), // not UTF-8
      Buffer.from([0, 1, 0, 1]),
    ]);
    const r = respond(raw, getZones, "tcp");
    expect(r.outcome).toBe("formerr");
    expect(decode(r.wire ?? Buffer.alloc(0)).id).toBe(5);
  });

  it("gives SERVFAIL when no zone snapshot is available", () => {
    const r = respond(
      wireQuery("web-1.girona.fibrix.example", 3),
      () => {
        throw new Error("store down");
      },
      "udp",
    );
    expect(r.outcome).toBe("servfail");
    expect(rcodeOf(decode(r.wire ?? Buffer.alloc(0)).flags)).toBe(RCODE.SERVFAIL);
  });

  it("never throws and always answers with a decodable response to the sender's ID", () => {
    const valid = wireQuery("web-1.girona.fibrix.example");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          // a valid query with bytes overwritten: exercises the decoder past the header
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
                maxLength: 6,
              }),
            )
            .map(([edits]) => {
              const b = Buffer.from(valid);
              for (const [at, v] of edits) b[at] = v;
              return new Uint8Array(b);
            }),
        ),
        fc.constantFrom("udp" as const, "tcp" as const),
        (bytes, transport) => {
          const raw = Buffer.from(bytes);
          const r = respond(raw, getZones, transport, 1232);
          if (!r.wire) {
            expect(r.outcome).toBe("dropped");
            return;
          }
          const p: Packet = decode(r.wire);
          expect(p.type).toBe("response");
          expect(p.id).toBe(raw.readUInt16BE(0));
          if (transport === "udp") expect(r.wire.length).toBeLessThanOrEqual(1232);
        },
      ),
      { numRuns: 3000, seed: 2024 },
    );
  });
});
