/** Several region URLs: parsing, which URL a call uses, and when a failover waits. */
import { EndpointListError, EndpointRing, failoverImmediately, parseEndpoints } from "../../../sdk/endpoints";
import { FibrixError } from "../../../sdk/errors";
import { createHttp } from "../../../sdk/http";

describe("parseEndpoints", () => {
  test("a comma list, an array, or both; trimmed, trailing slashes and duplicates dropped", () => {
    expect(parseEndpoints("http://a:5240, https://b:5240/ ,http://a:5240")).toEqual([
      "http://a:5240",
      "https://b:5240",
    ]);
    expect(parseEndpoints(["http://a:1", "http://b:2,http://c:3"])).toEqual([
      "http://a:1",
      "http://b:2",
      "http://c:3",
    ]);
    expect(parseEndpoints("http://127.0.0.1:5240")).toEqual(["http://127.0.0.1:5240"]);
    expect(parseEndpoints("http://a:1,")).toEqual(["http://a:1"]);
  });

  test.each([
    ["", /names no URL/],
    [" , ", /names no URL/],
    ["a:5240", /must be http\(s\) URLs/],
    ["http://a:1,ftp://b", /"ftp:\/\/b"/],
    ["http:///x", /must be http\(s\) URLs/],
  ])("%j is refused", (input, reason) => {
    expect(() => parseEndpoints(input)).toThrow(EndpointListError);
    expect(() => parseEndpoints(input)).toThrow(reason);
  });

  test("the field named in the error is the caller's", () => {
    expect(() => parseEndpoints("nope", "--region")).toThrow(/^--region must be/);
  });

  test("createHttp turns a bad list into a VALIDATION error naming endpoint", () => {
    try {
      createHttp({ endpoint: "http://a:1,nope", apiKey: "k" });
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(FibrixError);
      expect((e as FibrixError).code).toBe("VALIDATION");
      expect((e as FibrixError).errors[0]?.field).toBe("endpoint");
    }
    expect(
      createHttp({ endpoint: ["http://127.0.0.1:1", "http://127.0.0.2:2"], apiKey: "k" }).defaults.baseURL,
    ).toBe("http://127.0.0.1:1/api/v1");
    // Every replica is held to the transport rule, not only the first.
    expect(() => createHttp({ endpoint: "http://127.0.0.1:1,http://b:2", apiKey: "k" })).toThrow(
      /plain http:\/\/ to b/,
    );
  });
});

describe("EndpointRing", () => {
  test("sticks to a URL until it fails, then moves on in order and wraps around", () => {
    const r = new EndpointRing(["a", "b", "c"]);
    expect(r.current()).toBe("a");
    expect(r.failed("a")).toBe("b");
    expect(r.current()).toBe("b");
    expect(r.failed("b")).toBe("c");
    expect(r.failed("c")).toBe("a");
  });

  test("many calls failing on the same URL move the ring once", () => {
    const r = new EndpointRing(["a", "b", "c"]);
    for (let i = 0; i < 10; i++) r.failed("a");
    expect(r.current()).toBe("b");
    // A late failure report of a URL already left behind does not move it again.
    expect(r.failed("a")).toBe("b");
  });

  test("one URL: failing keeps it", () => {
    const r = new EndpointRing(["a"]);
    expect(r.failed("a")).toBe("a");
    expect(r.size).toBe(1);
  });

  test("an empty ring is refused", () => {
    expect(() => new EndpointRing([])).toThrow(/names no URL/);
  });
});

test("failover: at once to each URL not yet tried in this pass, then back off", () => {
  // Two URLs: the first failure goes straight to the other; when it fails too, wait.
  expect([0, 1, 2].map((h) => failoverImmediately(h, 2))).toEqual([true, false, false]);
  expect([0, 1, 2].map((h) => failoverImmediately(h, 3))).toEqual([true, true, false]);
  expect(failoverImmediately(0, 1)).toBe(false);
});
