/** Token buckets, the failed-authentication limiter and the connection limiter (pure, clock injected). */
import fc from "fast-check";
import { AuthFailureLimiter, keyPrefixOf } from "../../../backend/region/auth-limiter";
import { ConnectionLimiter } from "../../../backend/region/connection-limiter";
import { TokenBuckets } from "../../../backend/region/token-bucket";
import { RateLimitedError } from "../../../sdk/errors";

test("a bucket: capacity at once, then the refill rate; the wait names the next token", () => {
  const b = new TokenBuckets({ capacity: 3, refillPerSec: 2 });
  expect([b.take("a", 0), b.take("a", 0), b.take("a", 0)]).toEqual([0, 0, 0]);
  expect(b.take("a", 0)).toBe(500);
  expect(b.waitMs("a", 0)).toBe(500);
  expect(b.waitMs("a", 250)).toBe(250);
  expect(b.take("a", 500)).toBe(0);
  expect(b.take("a", 500)).toBe(500);
  expect(b.waitMs("b", 0)).toBe(0); // other keys are untouched
  expect(b.take("a", 60_000)).toBe(0); // refills up to capacity only
  expect([b.take("a", 60_000), b.take("a", 60_000), b.take("a", 60_000)]).toEqual([0, 0, 500]);
  expect(() => new TokenBuckets({ capacity: 0, refillPerSec: 1 })).toThrow();
});

test("a bucket never grants more than capacity + rate × time (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }),
      (capacity, rate, gaps) => {
        const b = new TokenBuckets({ capacity, refillPerSec: rate });
        let now = 0;
        let granted = 0;
        for (const g of gaps) {
          now += g;
          if (b.take("k", now) === 0) granted++;
        }
        return granted <= capacity + Math.floor((now / 1000) * rate) + 1;
      },
    ),
  );
});

test("bucket memory is bounded: the least recently touched bucket goes first", () => {
  const b = new TokenBuckets({ capacity: 1, refillPerSec: 1 }, 3);
  for (const k of ["a", "b", "c"]) b.take(k, 0);
  b.take("a", 0); // touched again: now newest
  b.take("d", 0);
  expect(b.size).toBe(3);
  expect(b.waitMs("b", 0)).toBe(0); // dropped: back to full
  expect(b.waitMs("a", 0)).toBeGreaterThan(0);
});

test("failed authentications: a source is limited after its budget, for the Retry-After it is told", () => {
  let now = 0;
  const l = new AuthFailureLimiter(
    {
      perSource: { capacity: 5, refillPerSec: 1 },
      perPrefix: { capacity: 100, refillPerSec: 1 },
      goodKeyMs: 60_000,
      windowMs: 10_000,
    },
    () => now,
  );
  for (let i = 0; i < 5; i++) {
    expect(l.check("10.0.0.9", `fbx_${i}`).limited).toBe(false);
    l.fail("10.0.0.9", `fbx_${i}`);
  }
  const v = l.check("10.0.0.9", "fbx_x");
  expect(v).toMatchObject({ limited: true, by: "source", retryAfterMs: 1000, first: true });
  expect(l.check("10.0.0.9", "fbx_y")).toMatchObject({ limited: true, first: false });
  expect(l.check("10.0.0.8", "fbx_x").limited).toBe(false); // another address is not
  now = 1000;
  expect(l.check("10.0.0.9", "fbx_x").limited).toBe(false);
  const { sources } = l.drain();
  expect(sources).toEqual([
    { source: "10.0.0.9", failed: 5, limited: 2, prefixes: ["fbx_0", "fbx_1", "fbx_2", "fbx_3", "fbx_4"] },
  ]);
  expect(l.drain()).toEqual({ sources: [], prefixes: [] }); // a new window
});

test("failed authentications: a key prefix is limited across sources; known-good keys are not asked", () => {
  const now = 0;
  const l = new AuthFailureLimiter(
    {
      perSource: { capacity: 100, refillPerSec: 1 },
      perPrefix: { capacity: 4, refillPerSec: 0.5 },
      goodKeyMs: 60_000,
      windowMs: 10_000,
    },
    () => now,
  );
  for (let i = 0; i < 4; i++) l.fail(`127.0.0.${2 + (i % 2)}`, "fbx_AbCd1234");
  expect(l.check("127.0.0.4", "fbx_AbCd1234")).toMatchObject({
    limited: true,
    by: "prefix",
    retryAfterMs: 2000,
  });
  expect(l.check("127.0.0.4", "fbx_Other123").limited).toBe(false);
  expect(l.isKnownGood("fbx_AbCd1234_valid")).toBe(false);
  l.noteSuccess("fbx_AbCd1234_valid");
  expect(l.isKnownGood("fbx_AbCd1234_valid")).toBe(true);
  expect(l.drain().prefixes).toEqual([{ prefix: "fbx_AbCd1234", limited: 1, sources: ["127.0.0.4"] }]);
  expect(keyPrefixOf("fbx_AbCd1234rest-of-the-key")).toBe("fbx_AbCd1234");
  expect(keyPrefixOf(undefined)).toBe("");
});

test("connections: at most maxPerKey per key; release is idempotent and frees the slot", () => {
  const c = new ConnectionLimiter(2);
  const r1 = c.acquire("key_a");
  const r2 = c.acquire("key_a");
  expect(c.tryAcquire("key_a")).toBeUndefined();
  expect(() => c.acquire("key_a", "event streams")).toThrow(RateLimitedError);
  expect(() => c.acquire("key_a", "event streams")).toThrow(/already holds 2 event streams/);
  const other = c.acquire("key_b");
  r1();
  r1();
  expect(c.count("key_a")).toBe(1);
  const r3 = c.acquire("key_a");
  r2();
  r3();
  other();
  expect([c.count("key_a"), c.count("key_b")]).toEqual([0, 0]);
  const refused = (() => {
    try {
      for (let i = 0; i < 3; i++) c.acquire("x");
    } catch (e) {
      return e;
    }
  })();
  expect(refused).toMatchObject({ code: "RATE_LIMITED", status: 429, retryAfterSeconds: 5 });
});
