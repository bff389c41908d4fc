import fc from "fast-check";
import { formatSse, SseParser } from "../../../sdk/sse";

describe("SseParser", () => {
  test("messages, comments, multi-line data, ids and event names", () => {
    const p = new SseParser();
    const out = p.push(': hello\nretry: 2000\n\nid: 7\nevent: event\ndata: {"a":1}\ndata: two\n\ndata:x\n\n');
    expect(out).toEqual([
      { id: "7", event: "event", data: '{"a":1}\ntwo' },
      { id: "7", event: "message", data: "x" },
    ]);
    expect(p.lastEventId).toBe("7");
  });

  test("CR, CRLF and a CRLF split across chunks", () => {
    const p = new SseParser();
    expect(p.push("data: a\r")).toEqual([]);
    expect(p.push("\n\r\ndata: b\r\r\n")).toEqual([
      { id: undefined, event: "message", data: "a" },
      { id: undefined, event: "message", data: "b" },
    ]);
  });

  test("a message without data is not dispatched; an id with NUL is ignored", () => {
    const p = new SseParser();
    expect(p.push("event: x\n\nid: a\0b\ndata: y\n\n")).toEqual([
      { id: undefined, event: "message", data: "y" },
    ]);
  });

  test("whatever the chunking, formatSse round-trips", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(), data: fc.string() }), { maxLength: 5 }),
        fc.array(fc.nat({ max: 50 }), { maxLength: 10 }),
        (msgs, cuts) => {
          const wire = msgs.map((m) => formatSse({ id: m.id, event: "event", data: m.data })).join("");
          const p = new SseParser();
          const got = [];
          let at = 0;
          for (const c of [...cuts, wire.length]) {
            const end = Math.min(wire.length, at + c);
            got.push(...p.push(wire.slice(at, end)));
            at = end;
          }
          got.push(...p.push(wire.slice(at)));
          // A lone CR in data is a line break on the wire, as the spec has it.
          expect(got).toEqual(
            msgs.map((m) => ({ id: String(m.id), event: "event", data: m.data.replace(/\r\n|\r/g, "\n") })),
          );
        },
      ),
    );
  });
});
