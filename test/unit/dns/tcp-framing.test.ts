import fc from "fast-check";
import { FrameReader, frame } from "../../../backend/region/dns/tcp-framing";

describe("DNS over TCP framing (RFC 1035 §4.2.2)", () => {
  it("prefixes the two-byte length", () => {
    expect([...frame(Buffer.from([1, 2, 3]))]).toEqual([0, 3, 1, 2, 3]);
    expect(() => frame(Buffer.alloc(65536))).toThrow(RangeError);
  });

  it("gets every message back whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => frame(Buffer.from(m))));
          const reader = new FrameReader();
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            out.push(...reader.push(stream.subarray(at, at + size)));
            at += size;
          }
          expect(out.map((b) => [...b])).toEqual(messages.map((m) => [...m]));
          expect(reader.pending).toBe(0);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("keeps an incomplete message pending", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from([0, 4, 9]))).toEqual([]);
    expect(reader.pending).toBe(3);
    expect(reader.push(Buffer.from([9, 9, 9, 0]))).toEqual([Buffer.from([9, 9, 9, 9])]);
    expect(reader.pending).toBe(1);
  });
});
