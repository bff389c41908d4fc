import { isAtOrBelow, nameProblem, normalizeName, parentName } from "../../../backend/region/dns/names";

describe("DNS names", () => {
  it("normalises case and one trailing dot", () => {
    expect(normalizeName("Web-1.Girona.FIBRIX.example.")).toBe("web-1.girona.fibrix.example");
  });

  it("accepts LDH labels, digits first included (RFC 1123 §2.1)", () => {
    expect(nameProblem("3com.example")).toBeUndefined();
    expect(nameProblem("a-b.c.")).toBeUndefined();
    expect(nameProblem(`${"a".repeat(63)}.example`)).toBeUndefined();
  });

  it.each([
    ["", /empty/],
    ["a..b", /empty label/],
    [".a", /empty label/],
    ["-web.example", /hyphen/],
    ["web-.example", /hyphen/],
    ["web_1.example", /letters, digits and hyphens/],
    ["wéb.example", /letters, digits and hyphens/],
    [`${"a".repeat(64)}.example`, /64 characters long; at most 63/],
    [Array(64).fill("abc").join("."), /at most 253/],
  ])("refuses %j", (name, reason) => {
    expect(nameProblem(name)).toMatch(reason);
  });

  it("knows ancestry", () => {
    expect(isAtOrBelow("a.b.c", "b.c")).toBe(true);
    expect(isAtOrBelow("b.c", "b.c")).toBe(true);
    expect(isAtOrBelow("ab.c", "b.c")).toBe(false);
    expect(isAtOrBelow("anything", "")).toBe(true);
    expect(parentName("a.b.c")).toBe("b.c");
    expect(parentName("c")).toBe("");
    expect(parentName("")).toBeUndefined();
  });
});
