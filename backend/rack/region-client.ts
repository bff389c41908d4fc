/**
 * The rack's side of the rack protocol (sdk/schema/rack-agent.ts): a thin typed axios client
 * for heartbeat, claim, result, progress and health, authenticated with the rack's enrollment
 * token. The region may restart under the rack: network errors and 5xx are retried with a
 * bounded, jittered backoff, and every call gives up promptly when its AbortSignal fires.
 *
 * Heartbeat, result, progress and health are safe to repeat (a second report of the same result
 * is answered 409, which we read as "already settled"). A claim is not: a claim whose answer was
 * lost may have leased tasks, so it is retried only when the request surely never arrived
 * (connection refused) or the region answered 5xx (its transaction was rolled back); the
 * tasks of a lost answer come back when their lease expires.
 *
 * A rack may be given several region URLs (replicas on one HA database): calls stay on the URL
 * that answers and move to the next one when it is unreachable, times out or answers 5xx
 * (sdk/endpoints.ts); within a pass over the list the retry goes out at once.
 */
import type https from "node:https";
import axios, { type AxiosInstance, type AxiosRequestConfig } from "axios";
import { tlsErrorOf } from "../../sdk/tls-trust";
import type { HealthReport, Heartbeat, RackConfig, Task } from "../../sdk/schema/rack-agent";
import { EndpointRing, failoverImmediately, parseEndpoints } from "../../sdk/endpoints";
import { type Backoff, REGION_BACKOFF, backoffDelayMs, pause } from "./backoff";

export type RegionErrorCode =
  | "REGION_UNREACHABLE"
  | "REGION_TIMEOUT"
  | "REGION_UNAVAILABLE"
  | "RACK_UNAUTHORIZED"
  | "REGION_REJECTED"
  /** TLS: the region's certificate is not the pinned one (or not trusted): never sent anything. */
  | "REGION_UNTRUSTED"
  | "ABORTED";

export class RegionError extends Error {
  constructor(
    readonly code: RegionErrorCode,
    message: string,
    readonly retryable: boolean,
    /** HTTP status when the region answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "RegionError";
  }
}

export interface RegionClientOptions {
  /**
   * Region base URL, e.g. http://10.0.0.2:5240 (`/api/v1` is added), or several replicas
   * (an array or a comma list) to fail over between.
   */
  region: string | readonly string[];
  /** The rack's enrollment token (fbr_…). */
  token: string;
  /** Per-request timeout, added to a claim's long-poll wait (default 15 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  backoff?: Backoff;
  random?: () => number;
  /** For https:// regions: the agent that checks the region's certificate (region-trust.ts). */
  httpsAgent?: https.Agent;
}

/** What a report came to: `stale` = the region no longer counts this task as ours (409). */
export type ReportOutcome = "accepted" | "stale";

export type FinalResult =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string; retryable: boolean } };

type Safety = "idempotent" | "claim";

const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const LOST = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT", "ERR_SOCKET_CONNECTION_TIMEOUT"]);

function detailOf(data: unknown): string {
  if (typeof data === "object" && data !== null) {
    const d = data as { detail?: unknown; message?: unknown; code?: unknown };
    const text = typeof d.detail === "string" ? d.detail : typeof d.message === "string" ? d.message : "";
    return typeof d.code === "string" ? `${d.code}: ${text}` : text;
  }
  return typeof data === "string" ? data.slice(0, 200) : "";
}

/** Maps one failed attempt to a typed error; `retryable` already accounts for the call's safety. */
export function classifyFailure(e: unknown, safety: Safety, where: string): RegionError {
  if (e instanceof RegionError) return e;
  if (axios.isCancel(e)) return new RegionError("ABORTED", `${where}: aborted`, false);
  const tls = tlsErrorOf(e, where);
  if (tls) return new RegionError("REGION_UNTRUSTED", tls.message, false);
  if (!axios.isAxiosError(e)) {
    return new RegionError(
      "REGION_REJECTED",
      `${where}: ${e instanceof Error ? e.message : String(e)}`,
      false,
    );
  }
  if (e.response) {
    const s = e.response.status;
    const detail = detailOf(e.response.data);
    const msg = `${where}: HTTP ${s}${detail ? ` (${detail})` : ""}`;
    if (s === 401 || s === 403) return new RegionError("RACK_UNAUTHORIZED", msg, false, s);
    if (s >= 500 || s === 429) return new RegionError("REGION_UNAVAILABLE", msg, true, s);
    return new RegionError("REGION_REJECTED", msg, false, s);
  }
  const code = e.code ?? "";
  if (NOT_SENT.has(code)) return new RegionError("REGION_UNREACHABLE", `${where}: ${code}`, true);
  if (LOST.has(code) || e.message.includes("timeout")) {
    return new RegionError("REGION_TIMEOUT", `${where}: ${code || e.message}`, safety === "idempotent");
  }
  return new RegionError("REGION_UNREACHABLE", `${where}: ${code || e.message}`, safety === "idempotent");
}

/** Whether another region replica may do better than the one that failed. */
export function worthFailover(err: RegionError): boolean {
  if (err.code === "REGION_UNREACHABLE" || err.code === "REGION_TIMEOUT") return true;
  return err.code === "REGION_UNAVAILABLE" && err.status !== 429;
}

const rackBase = (url: string) => `${url.replace(/\/api\/v1$/, "")}/api/v1/rack-agent`;

export class RegionClient {
  private readonly http: AxiosInstance;
  private readonly ring: EndpointRing;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoff: Backoff;
  private readonly random: () => number;

  constructor(opts: RegionClientOptions) {
    this.ring = new EndpointRing(parseEndpoints(opts.region, "region"));
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retries = opts.retries ?? 5;
    this.backoff = opts.backoff ?? REGION_BACKOFF;
    this.random = opts.random ?? Math.random;
    this.http = axios.create({
      baseURL: rackBase(this.ring.current()),
      headers: { authorization: `Bearer ${opts.token}`, "content-type": "application/json" },
      timeout: this.timeoutMs,
      ...(opts.httpsAgent ? { httpsAgent: opts.httpsAgent } : {}),
    });
  }

  /** The region URL calls go to now (the last one that answered, or the next to try). */
  get regionUrl(): string {
    return this.ring.current();
  }

  async heartbeat(body: Heartbeat, signal?: AbortSignal): Promise<RackConfig> {
    return this.post<RackConfig>("/heartbeat", body, "idempotent", {}, signal);
  }

  /** Long poll: resolves with up to `max` leased tasks, or none after `waitMs`. */
  async claim(max: number, waitMs: number, signal?: AbortSignal): Promise<Task[]> {
    const res = await this.post<{ tasks: Task[] }>(
      "/tasks/claim",
      { max, waitMs },
      "claim",
      { timeout: waitMs + this.timeoutMs },
      signal,
    );
    return res.tasks;
  }

  /** The task's final report. */
  async result(taskId: string, body: FinalResult, signal?: AbortSignal): Promise<ReportOutcome> {
    return this.report(taskId, body, signal);
  }

  /** Progress: logged by the region and extends the task's lease. */
  async progress(taskId: string, message: string, signal?: AbortSignal): Promise<ReportOutcome> {
    return this.report(taskId, { ok: true, progress: message.slice(0, 1024) }, signal);
  }

  /** An unsolicited health report for a machine of this rack. */
  async health(machineId: string, report: HealthReport, signal?: AbortSignal): Promise<void> {
    await this.post(`/machines/${encodeURIComponent(machineId)}/health`, report, "idempotent", {}, signal);
  }

  private async report(taskId: string, body: unknown, signal?: AbortSignal): Promise<ReportOutcome> {
    try {
      await this.post(`/tasks/${encodeURIComponent(taskId)}/result`, body, "idempotent", {}, signal);
      return "accepted";
    } catch (e) {
      // 409: finished already (our earlier report got through) or re-queued after our lease expired.
      if (e instanceof RegionError && e.status === 409) return "stale";
      throw e;
    }
  }

  private async post<T>(
    path: string,
    body: unknown,
    safety: Safety,
    config: AxiosRequestConfig,
    signal?: AbortSignal,
  ): Promise<T> {
    let hops = 0;
    for (let attempt = 0; ; attempt++) {
      const url = this.ring.current();
      const where = this.ring.size > 1 ? `POST ${url} ${path}` : `POST ${path}`;
      if (signal?.aborted) throw new RegionError("ABORTED", `${where}: aborted`, false);
      try {
        const res = await this.http.post<T>(path, body, {
          ...config,
          baseURL: rackBase(url),
          ...(signal ? { signal } : {}),
        });
        return res.data;
      } catch (e) {
        const err = classifyFailure(e, safety, where);
        if (signal?.aborted) throw new RegionError("ABORTED", `${where}: aborted`, false);
        // Even a call we may not repeat (a claim whose answer was lost) sends the next call elsewhere.
        const moved = this.ring.size > 1 && worthFailover(err);
        if (moved) this.ring.failed(url);
        if (!err.retryable || attempt >= this.retries) throw err;
        if (moved && failoverImmediately(hops, this.ring.size)) {
          hops++;
          continue;
        }
        hops = 0;
        await pause(backoffDelayMs(attempt + 1, this.backoff, this.random), signal);
      }
    }
  }
}
