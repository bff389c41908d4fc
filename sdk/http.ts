/**
 * The SDK's HTTP layer: an axios instance bound to one region, that turns every problem+json
 * answer into the typed error of sdk/errors.ts and retries what is safe to retry — GET, PUT,
 * DELETE, PATCH with If-Match and POSTs carrying an Idempotency-Key — on network failures,
 * 429 and 5xx, with capped exponential backoff and full jitter, bounded in count and time.
 */
import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig } from "axios";
import { FibrixError, type Problem, TimeoutError, UnavailableError, errorFromProblem } from "./errors";

export interface HttpOptions {
  endpoint: string;
  apiKey: string;
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** Total time budget for one call including retries (default 60 s). */
  retryBudgetMs?: number;
  /** Injected in tests so backoff costs nothing. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Backoff before retry `attempt` (1-based): full jitter over min(cap, base·2^(attempt-1)). */
export function backoffMs(
  attempt: number,
  random: () => number = Math.random,
  baseMs = 200,
  capMs = 5000,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FibrixError && err.retryable;
}

function safeToRetry(config: AxiosRequestConfig): boolean {
  const method = (config.method ?? "get").toUpperCase();
  const headers = (config.headers ?? {}) as Record<string, unknown>;
  if (["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].includes(method)) return true;
  if (method === "POST")
    return headers["Idempotency-Key"] !== undefined || headers["idempotency-key"] !== undefined;
  if (method === "PATCH") return headers["If-Match"] !== undefined || headers["if-match"] !== undefined;
  return false;
}

/** Maps an axios failure to the catalogue's typed error. */
export function toFibrixError(e: unknown): FibrixError {
  if (e instanceof FibrixError) return e;
  const err = e as AxiosError;
  const data = err.response?.data as Problem | undefined;
  if (err.response) {
    if (data && typeof data === "object" && typeof data.code === "string") return errorFromProblem(data);
    const status = err.response.status;
    return errorFromProblem({
      type: "about:blank",
      title: "HTTP error",
      status,
      code:
        status === 429
          ? "RATE_LIMITED"
          : status >= 500
            ? "UNAVAILABLE"
            : status === 404
              ? "NOT_FOUND"
              : "VALIDATION",
      detail: `${err.config?.method?.toUpperCase()} ${err.config?.url}: HTTP ${status}`,
      retryable: status >= 500 || status === 429,
    });
  }
  if (err.code === "ECONNABORTED" || err.code === "ETIMEDOUT") {
    return new TimeoutError(`no answer from the region within the timeout (${err.config?.url})`);
  }
  return new UnavailableError(`cannot reach the region: ${err.message}`);
}

export function createHttp(opts: HttpOptions): AxiosInstance {
  if (!/^https?:\/\//.test(opts.endpoint)) {
    throw new FibrixError(
      "VALIDATION",
      `endpoint must be an http(s) URL, got ${JSON.stringify(opts.endpoint)}`,
    );
  }
  if (!opts.apiKey) throw new FibrixError("UNAUTHORIZED", "no API key: set FIBRIX_API_KEY or pass apiKey");
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = opts.retries ?? 4;
  const budget = opts.retryBudgetMs ?? 60_000;
  const http = axios.create({
    baseURL: `${opts.endpoint.replace(/\/+$/, "")}/api/v1`,
    timeout: opts.timeoutMs ?? 30_000,
    headers: { Authorization: `Bearer ${opts.apiKey}`, Accept: "application/json" },
  });
  http.interceptors.response.use(undefined, async (e: AxiosError) => {
    if (axios.isCancel(e)) throw e; // the caller gave up: never retry
    const config = e.config as (AxiosRequestConfig & { __attempt?: number; __started?: number }) | undefined;
    const typed = toFibrixError(e);
    if (!config || !typed.retryable || !safeToRetry(config)) throw typed;
    config.__attempt = (config.__attempt ?? 0) + 1;
    config.__started ??= Date.now();
    if (config.__attempt > retries || Date.now() - config.__started > budget) throw typed;
    await sleep(backoffMs(config.__attempt, opts.random));
    return http.request(config);
  });
  return http;
}
