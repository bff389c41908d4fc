/** The pure parts of the SDK's HTTP layer: backoff math, Retry-After, what is safe to retry, error mapping. */
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from "axios";
import fc from "fast-check";
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffMs,
  isSafeToRetry,
  retryAfterMs,
  retryDelayMs,
  toFibrixError,
} from "../../../sdk/http";

test("backoff: full jitter under a capped exponential ceiling", () => {
  const top = () => 0.999999;
  expect([1, 2, 3, 4, 5, 6, 10, 60].map((a) => backoffMs(a, top))).toEqual([
    199, 399, 799, 1599, 3199, 4999, 4999, 4999,
  ]);
  expect(backoffMs(3, () => 0)).toBe(0);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (n, r) => {
        const d = backoffMs(n, () => r);
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
        return Number.isInteger(d) && d >= 0 && d < ceiling;
      },
    ),
  );
});

test("the sum of the worst-case backoffs of the default 4 retries stays under 4 s", () => {
  const worst = [1, 2, 3, 4].reduce((s, a) => s + backoffMs(a, () => 0.999999), 0);
  expect(worst).toBe(199 + 399 + 799 + 1599);
});

test("Retry-After: seconds or an HTTP date; garbage is ignored", () => {
  const now = Date.parse("2026-11-25T08:00:00Z");
  expect(retryAfterMs("3", now)).toBe(3000);
  expect(retryAfterMs("Wed, 25 Nov 2026 08:00:07 GMT", now)).toBe(7000);
  expect(retryAfterMs("Wed, 25 Nov 2026 07:00:00 GMT", now)).toBe(0);
  expect(retryAfterMs("soon", now)).toBeUndefined();
  expect(retryAfterMs(undefined, now)).toBeUndefined();
});

test("retry delay: at least what the server asked, never past the budget", () => {
  expect(retryDelayMs(1, 10_000, undefined, () => 0.5)).toBe(100);
  expect(retryDelayMs(1, 10_000, 2000, () => 0.5)).toBe(2000);
  expect(retryDelayMs(1, 1000, 2000, () => 0.5)).toBeUndefined();
  expect(retryDelayMs(5, 100, undefined, () => 0.999)).toBeUndefined();
});

test("only idempotent requests and keyed POSTs are safe to retry", () => {
  for (const m of ["get", "GET", "put", "delete", "head", "options"]) expect(isSafeToRetry(m, {})).toBe(true);
  expect(isSafeToRetry("post", {})).toBe(false);
  expect(isSafeToRetry("post", { "Idempotency-Key": "idem_1" })).toBe(true);
  expect(isSafeToRetry("post", new AxiosHeaders({ "idempotency-key": "k" }))).toBe(true);
  expect(isSafeToRetry("post", { "Idempotency-Key": "" })).toBe(false);
  // A conditional PATCH that succeeded but lost its answer would report a false 412 when retried.
  expect(isSafeToRetry("patch", { "If-Match": '"3"' })).toBe(false);
});

function failure(status: number | undefined, data: unknown, code?: string): AxiosError {
  const config = {
    method: "get",
    url: "/machines",
    baseURL: "http://127.0.0.1:1/api/v1",
    headers: new AxiosHeaders(),
  };
  const response =
    status === undefined
      ? undefined
      : ({ status, data, headers: {}, statusText: "", config } as unknown as AxiosResponse);
  return new AxiosError("failed", code, config as InternalAxiosRequestConfig, undefined, response);
}

test("failures map to the catalogue's typed errors", () => {
  const problem = {
    type: "x",
    title: "Invalid request",
    status: 400,
    code: "VALIDATION",
    detail: "/macs/0 bad",
    errors: [{ field: "/macs/0", reason: "bad" }],
    retryable: false,
  };
  expect(toFibrixError(failure(400, problem))).toMatchObject({
    name: "ValidationError",
    errors: [{ field: "/macs/0", reason: "bad" }],
  });
  // Not problem+json (a proxy's page): the status decides.
  expect(toFibrixError(failure(502, "<html>bad gateway</html>"))).toMatchObject({
    code: "INTERNAL",
    retryable: true,
  });
  expect(toFibrixError(failure(503, ""))).toMatchObject({ name: "UnavailableError", retryable: true });
  expect(toFibrixError(failure(429, ""))).toMatchObject({ code: "RATE_LIMITED", retryable: true });
  expect(toFibrixError(failure(404, ""))).toMatchObject({ name: "NotFoundError", retryable: false });
  expect(toFibrixError(failure(409, ""))).toMatchObject({ code: "CONFLICT" });
  expect(toFibrixError(failure(401, ""))).toMatchObject({ name: "UnauthorizedError" });
  // Network: refused/reset → unavailable; no answer in time → timeout. Both retryable.
  expect(toFibrixError(failure(undefined, undefined, "ECONNREFUSED"))).toMatchObject({
    name: "UnavailableError",
    retryable: true,
  });
  expect(toFibrixError(failure(undefined, undefined, "ECONNRESET"))).toMatchObject({
    name: "UnavailableError",
  });
  expect(toFibrixError(failure(undefined, undefined, "ECONNABORTED"))).toMatchObject({
    name: "TimeoutError",
    retryable: true,
  });
  expect(toFibrixError(new Error("boom"))).toMatchObject({ code: "INTERNAL" });
});
