/** The rack's backoff toward the region: bounded, jittered, interruptible. */
import fc from "fast-check";
import { backoffDelayMs, pause } from "../../../backend/rack/backoff";

test("every pause is within [0, min(cap, base·2^(n-1))]", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 60_000 }),
      (attempt, r, baseMs, capMs) => {
        const d = backoffDelayMs(attempt, { baseMs, capMs }, () => r);
        return d >= 0 && d <= Math.min(capMs, baseMs * 2 ** (attempt - 1)) && Number.isInteger(d);
      },
    ),
  );
});

test("the ceiling doubles per attempt up to the cap", () => {
  const top = (n: number) => backoffDelayMs(n, { baseMs: 100, capMs: 1000 }, () => 0.999999);
  expect([1, 2, 3, 4, 5, 10].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
});

test("pause ends early when aborted, and at once when already aborted", async () => {
  const ac = new AbortController();
  const t = Date.now();
  setTimeout(() => ac.abort(), 20);
  await pause(10_000, ac.signal);
  expect(Date.now() - t).toBeLessThan(1000);
  const t2 = Date.now();
  await pause(10_000, ac.signal);
  expect(Date.now() - t2).toBeLessThan(50);
});
