/**
 * The SDK's HTTP layer: an axios instance bound to one region (`${endpoint}/api/v1`, Bearer key,
 * JSON) that turns every failure into the typed error of sdk/errors.ts and retries what is safe
 * to retry.
 *
 * Safe to retry: GET, HEAD, OPTIONS, PUT, DELETE, and a POST that carries an Idempotency-Key
 * (the region replays the first answer for the same key). A PATCH is never retried: even with
 * If-Match, a retry after a lost answer would report a false 412. Retried failures: network
 * errors, timeouts, 429 and 5xx. Backoff is capped exponential with full jitter (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"), honouring Retry-After, bounded both in
 * count (`retries`) and in total time (`retryBudgetMs`).
 *
 * With several region URLs, a call that cannot reach its URL, times out or gets a 503 is
 * retried on the next URL (at once while the pass over the list lasts, then with backoff);
 * later calls stay on the URL that answered.
 */
import axios, {
  AxiosHeaders,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";
import { EndpointListError, EndpointRing, failoverImmediately, parseEndpoints } from "./endpoints";
import {
  ERRORS,
  type ErrorCode,
  FibrixError,
  NotFoundError,
  type Problem,
  TimeoutError,
  UnavailableError,
  errorFromProblem,
} from "./errors";
import { checkTransport, httpsAgentFor, resolveTrust, type TlsTrustOptions, tlsErrorOf } from "./tls-trust";

export interface HttpOptions extends TlsTrustOptions {
  /**
   * Region base URL, e.g. https://10.0.0.2:5240 (the `/api/v1` prefix is added), or several
   * (an array or a comma list): calls fail over between them (sdk/endpoints.ts).
   */
  endpoint: string | readonly string[];
  apiKey: string;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4); 0 disables retries. */
  retries?: number;
  /** Total time budget for one call including retries and backoff (default 60 s). */
  retryBudgetMs?: number;
  /** Injected in tests so backoff costs nothing. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_RETRIES = 4;
export const DEFAULT_RETRY_BUDGET_MS = 60_000;
export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 5_000;

/** Backoff before retry `attempt` (1-based): full jitter over min(cap, base·2^(attempt-1)). */
export function backoffMs(
  attempt: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; undefined when absent or unusable. */
export function retryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before retry `attempt`, or undefined to give up: the jittered backoff, but at
 * least what the server asked for, and never past the remaining budget.
 */
export function retryDelayMs(
  attempt: number,
  remainingBudgetMs: number,
  serverAskedMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const delay = Math.max(backoffMs(attempt, random), serverAskedMs ?? 0);
  return delay > remainingBudgetMs ? undefined : delay;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FibrixError && err.retryable;
}

/** Whether repeating this request cannot do the work twice. */
export function isSafeToRetry(method: string | undefined, headers: unknown): boolean {
  const m = (method ?? "get").toUpperCase();
  if (m === "GET" || m === "HEAD" || m === "OPTIONS" || m === "PUT" || m === "DELETE") return true;
  if (m !== "POST") return false;
  const key = AxiosHeaders.from(headers as AxiosHeaders).get("idempotency-key");
  return typeof key === "string" && key.length > 0;
}

/** The catalogue code for a bare HTTP status (a proxy's HTML 502, say): the first code with that status. */
function codeForStatus(status: number): ErrorCode {
  if (status === 409) return "CONFLICT";
  const hit = (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].status === status);
  if (hit) return hit;
  return status >= 500 ? "INTERNAL" : "VALIDATION";
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

function isProblem(data: unknown): data is Problem {
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as Problem).code === "string" &&
    typeof (data as Problem).detail === "string"
  );
}

/** Maps an axios failure to the catalogue's typed error. */
export function toFibrixError(e: unknown): FibrixError {
  if (e instanceof FibrixError) return e;
  if (!axios.isAxiosError(e)) return new FibrixError("INTERNAL", e instanceof Error ? e.message : String(e));
  const err = e as AxiosError;
  const where = `${err.config?.method?.toUpperCase() ?? "GET"} ${err.config?.url ?? ""}`.trim();
  if (err.response) {
    const data = err.response.data;
    if (isProblem(data)) return errorFromProblem(data);
    const status = err.response.status;
    const code = codeForStatus(status);
    return errorFromProblem({
      type: "about:blank",
      title: ERRORS[code].title,
      status,
      code,
      detail: `${where}: HTTP ${status}${typeof data === "string" && data ? ` (${data.slice(0, 200)})` : ""}`,
      retryable: ERRORS[code].retryable,
    });
  }
  const tls = tlsErrorOf(err, where);
  if (tls) return tls;
  if (err.code === "ECONNABORTED" || err.code === "ETIMEDOUT") {
    return new TimeoutError(`no answer from the region within the timeout (${where})`);
  }
  if (err.code && UNREACHABLE.has(err.code)) {
    return new UnavailableError(`cannot reach the region at ${err.config?.baseURL ?? "?"}: ${err.code}`);
  }
  return new UnavailableError(`cannot reach the region (${where}): ${err.message}`);
}

/** Per-call retry bookkeeping, carried on the request config across attempts. */
interface RetryState {
  attempt: number;
  started: number;
  /** Immediate moves to another URL since the last backoff. */
  hops: number;
}
type RetryingConfig = InternalAxiosRequestConfig & { fibrixRetry?: RetryState };

/** Where to send the next call: the failures that another replica may not share. */
function worthFailover(e: FibrixError): boolean {
  return e.code === "UNAVAILABLE" || e.code === "TIMEOUT";
}

const apiBase = (url: string) => `${url}/api/v1`;

export function createHttp(opts: HttpOptions): AxiosInstance {
  let ring: EndpointRing;
  try {
    ring = new EndpointRing(parseEndpoints(opts.endpoint));
  } catch (e) {
    const reason = e instanceof EndpointListError ? e.reason : String(e);
    throw new FibrixError("VALIDATION", `endpoint ${reason}`, {
      errors: [{ field: "endpoint", reason: `${reason}; e.g. http://127.0.0.1:5240` }],
    });
  }
  if (!opts.apiKey) {
    throw new FibrixError("UNAUTHORIZED", "no API key: pass apiKey or set FIBRIX_API_KEY");
  }
  const trust = resolveTrust(opts);
  for (const url of ring.urls) checkTransport(url, trust.insecureHttp);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const retries = Math.max(0, opts.retries ?? DEFAULT_RETRIES);
  const budget = opts.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const http = axios.create({
    baseURL: apiBase(ring.current()),
    timeout: opts.timeoutMs ?? 30_000,
    headers: { Authorization: `Bearer ${opts.apiKey}`, Accept: "application/json" },
    httpsAgent: httpsAgentFor(trust),
  });
  http.interceptors.request.use((config: RetryingConfig) => {
    if (!config.fibrixRetry) {
      config.fibrixRetry = { attempt: 0, started: now(), hops: 0 };
      // A new call goes where the last one succeeded (unless the caller named a base itself).
      if (config.baseURL === http.defaults.baseURL) config.baseURL = apiBase(ring.current());
    }
    return config;
  });
  http.interceptors.response.use(undefined, async (e: unknown) => {
    if (axios.isCancel(e)) throw e; // the caller gave up: never retry
    const config = axios.isAxiosError(e) ? (e.config as RetryingConfig | undefined) : undefined;
    const typed = toFibrixError(e);
    const state = config?.fibrixRetry;
    // A retried DELETE that finds nothing: an earlier attempt did the work, its answer was lost.
    if (state && state.attempt > 0 && typed instanceof NotFoundError && config?.method === "delete") {
      return { data: undefined, status: 204, statusText: "No Content", headers: {}, config } as AxiosResponse;
    }
    if (!config || !state || !typed.retryable || !isSafeToRetry(config.method, config.headers)) throw typed;
    if (state.attempt >= retries) throw typed;
    const remaining = budget - (now() - state.started);
    const asked = axios.isAxiosError(e)
      ? retryAfterMs(e.response?.headers?.["retry-after"], now())
      : undefined;
    let delay = retryDelayMs(state.attempt + 1, remaining, asked, opts.random);
    if (delay === undefined) throw typed;
    if (ring.size > 1 && worthFailover(typed) && config.baseURL) {
      const next = ring.failed(config.baseURL.replace(/\/api\/v1$/, ""));
      config.baseURL = apiBase(next);
      if (failoverImmediately(state.hops, ring.size)) {
        state.hops += 1;
        delay = 0;
      } else state.hops = 0;
    }
    state.attempt += 1;
    if (delay > 0) await sleep(delay);
    return http.request(config);
  });
  return http;
}
