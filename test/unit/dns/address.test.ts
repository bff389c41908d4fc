import fc from "fast-check";
import {
  formatIPv6,
  parseIPv4,
  parseIPv6,
  reverseNameV4,
  reverseNameV6,
  reverseZoneV4,
  reverseZoneV6,
} from "../../../backend/region/dns/address";

describe("IPv4", () => {
  it("parses dotted quads", () => {
    expect(parseIPv4("192.0.2.10")).toEqual([192, 0, 2, 10]);
    expect(parseIPv4("0.0.0.0")).toEqual([0, 0, 0, 0]);
  });
  it.each(["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.x", "", " 1.2.3.4"])("refuses %j", (t) => {
    expect(parseIPv4(t)).toBeUndefined();
  });
  it("builds in-addr.arpa names (RFC 1035 §3.5)", () => {
    expect(reverseNameV4([192, 0, 2, 10])).toBe("10.2.0.192.in-addr.arpa");
    expect(reverseZoneV4([192, 0, 2, 10])).toBe("2.0.192.in-addr.arpa");
  });
});

describe("IPv6", () => {
  it("parses the RFC 4291 §2.2 forms", () => {
    expect(parseIPv6("::")).toEqual(new Array(16).fill(0));
    expect(parseIPv6("::1")).toEqual([...new Array(15).fill(0), 1]);
    expect(parseIPv6("2001:DB8::1")?.slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(parseIPv6("::ffff:192.0.2.1")).toEqual([...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")?.slice(12)).toEqual([1, 2, 3, 4]);
  });
  it.each([
    "",
    ":::",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7:8::",
    "fe80::1%eth0",
  ])("refuses %j", (t) => {
    expect(parseIPv6(t)).toBeUndefined();
  });
  it("formats per RFC 5952 §4", () => {
    expect(formatIPv6(parseIPv6("2001:0db8:0000:0000:0000:0000:0000:0001") ?? [])).toBe("2001:db8::1");
    expect(formatIPv6(parseIPv6("2001:db8:0:1:1:1:1:1") ?? [])).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIPv6(parseIPv6("2001:0:0:1:0:0:0:1") ?? [])).toBe("2001:0:0:1::1");
    expect(formatIPv6(parseIPv6("::") ?? [])).toBe("::");
  });
  it("round-trips every address through format and parse", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(parseIPv6(formatIPv6([...bytes]))).toEqual([...bytes]);
      }),
      { numRuns: 500, seed: 42 },
    );
  });
  it("builds ip6.arpa names (RFC 3596 §2.5)", () => {
    const b = parseIPv6("2001:db8::567:89ab") ?? [];
    expect(reverseNameV6(b)).toBe("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    expect(reverseZoneV6(b)).toBe("0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"); // the /64: 16 nibbles;
  });
});
