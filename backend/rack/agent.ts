/**
 * The rack agent: heartbeats the region for its configuration, claims leased tasks (long
 * poll), runs them through the executors with bounded concurrency — never two at once for the
 * same machine or VM — keeps their leases alive while they run or wait, and reports each
 * result. It holds no state of its own: a restarted agent just claims again, and the region's
 * watchdog hands back whatever a dead agent left unfinished (executors are idempotent, so a
 * re-run is safe).
 *
 * Stopping aborts the running executors; a task that then fails is not reported (a failure
 * would be final), so its lease runs out and the region queues it again for the next agent. A
 * task that finishes anyway is still reported, within a grace period.
 */
import { hostname } from "node:os";
import pino, { type Logger } from "pino";
import type { Heartbeat, RackConfig, Task } from "../../sdk/schema/rack-agent";
import { backoffDelayMs, pause } from "./backoff";
import type { BootServices } from "./boot/services";
import { ConsoleBridges } from "./console-bridge";
import { type Executor, TaskError } from "./executor";
import { defaultDeps, type ExecutorDeps } from "./executors/deps";
import { defaultExecutors } from "./executors/index";
import { RegionClient, type RegionClientOptions, RegionError } from "./region-client";
import { type RegionTransport, type RegionTrustOptions, regionTransport } from "./region-trust";
import { toTaskFailure } from "./task-failure";

export const AGENT_VERSION = "0.2.0";

export interface RackAgentOptions {
  /** Region base URL, e.g. http://10.0.0.2:5240, or several replicas (array or comma list) to fail over between. */
  region: string | readonly string[];
  /** The rack's enrollment token (fbr_…). */
  token: string;
  /** Interface facing the rack's subnet (reported in the heartbeat). */
  interface?: string;
  /** The rack's HTTP boot server as machines see it (reported in the heartbeat). */
  bootUrl?: string;
  /** Tasks held at once, running or waiting for their object (default 8). */
  concurrency?: number;
  /** Long-poll wait of one claim (default 10 s). */
  claimWaitMs?: number;
  /**
   * Progress period that keeps a task's lease (default: a third of the lease the region gave,
   * at most 20 s).
   */
  keepAliveMs?: number;
  /** Heartbeat period before the region has said (default 10 s; then RackConfig's). */
  heartbeatMs?: number;
  /** How long stop() waits for running tasks and their reports (default 10 s). */
  stopGraceMs?: number;
  vmPrefix?: string;
  log?: Logger;
  /** Shared resources of the executors; the agent closes them on stop. */
  deps?: ExecutorDeps;
  /** Replaces the default registry (backend/rack/executors/index.ts). */
  executors?: Executor[];
  /** The rack's boot services: enables commission/deploy and receives every RackConfig. */
  boot?: BootServices;
  /** Called with every RackConfig from a heartbeat (boot services follow it). */
  onConfig?: (config: RackConfig) => void | Promise<void>;
  /** Service states reported in each heartbeat. */
  services?: () => Heartbeat["services"];
  /** Client tuning (timeouts, retries, backoff). */
  client?: Omit<RegionClientOptions, "region" | "token" | "httpsAgent">;
  /** How the region's certificate is trusted when the token pins none; plain http off loopback. */
  trust?: RegionTrustOptions;
}

export interface RackAgentStats {
  claimed: number;
  done: number;
  failed: number;
  /** Not reported: abandoned on stop, or the lease was lost. */
  abandoned: number;
  held: number;
  heartbeats: number;
  lastHeartbeatError: string | undefined;
}

interface Held {
  task: Task;
  abort: AbortController;
  lost: boolean;
  state: "waiting" | "running";
}

const DEFAULT_HEARTBEAT_MS = 10_000;
const MAX_KEEPALIVE_MS = 20_000;
/** How long claim times are kept (far longer than any task runs). */
const CLAIMS_KEPT_MS = 6 * 3600_000;

export class RackAgent {
  readonly client: RegionClient;
  private readonly log: Logger;
  private readonly executors: Map<string, Executor>;
  private readonly deps: ExecutorDeps;
  /** Serial console sessions this agent carries (they outlive their vm.console tasks). */
  readonly consoles: ConsoleBridges;
  /** Aborted by stop(): loops and executors. */
  private readonly stopping = new AbortController();
  /** Aborted after the stop grace: reports still in flight. */
  private readonly halted = new AbortController();
  private readonly held = new Map<string, Held>();
  /** Last task (promise) per object id: the next one for that object runs after it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Object id → when this agent last claimed a task for it. */
  private readonly claimedAt = new Map<string, number>();
  private readonly slotWaiters = new Set<() => void>();
  private claimLoopDone: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatRunning: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly counters = { claimed: 0, done: 0, failed: 0, abandoned: 0, heartbeats: 0 };
  private lastHeartbeatError: string | undefined;
  config: RackConfig | undefined;

  private readonly transport: RegionTransport;

  constructor(private readonly opts: RackAgentOptions) {
    // Throws RegionTrustError before any request when URL, token and trust do not go together.
    this.transport = regionTransport(opts.region, opts.token, opts.trust);
    this.client = new RegionClient({
      ...opts.client,
      region: opts.region,
      token: this.transport.bearer,
      ...(this.transport.httpsAgent ? { httpsAgent: this.transport.httpsAgent } : {}),
    });
    this.log = opts.log ?? pino({ name: "rack" });
    this.deps = opts.deps ?? defaultDeps(opts.vmPrefix);
    this.consoles = new ConsoleBridges({
      regions: this.transport.urls,
      token: this.transport.bearer,
      ...(this.transport.httpsAgent ? { httpsAgent: this.transport.httpsAgent } : {}),
      log: this.log,
    });
    const list = opts.executors ?? defaultExecutors(this.deps, opts.boot, this.consoles);
    this.executors = new Map(list.map((e) => [e.kind, e]));
  }

  /** First heartbeat (failures are logged and retried), then the heartbeat and claim loops. */
  async start(): Promise<void> {
    if (this.claimLoopDone) return;
    await this.heartbeat();
    this.claimLoopDone = this.claimLoop();
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  stats(): RackAgentStats {
    return {
      ...this.counters,
      held: this.held.size,
      lastHeartbeatError: this.lastHeartbeatError,
    };
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.heartbeatTimer);
    this.wakeClaimLoop();
    await this.claimLoopDone;
    await this.heartbeatRunning;
    const all = Promise.allSettled([...this.tails.values()]);
    const grace = this.opts.stopGraceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), grace);
      }),
    ]);
    clearTimeout(timer);
    if (late) {
      this.log.warn({ held: this.held.size }, "tasks still running after the stop grace; abandoning them");
      this.halted.abort();
      await all;
    }
    this.consoles.closeAll("the rack agent is stopping");
    await this.deps.ipmiPool.close();
    await this.deps.closeHostShells();
    this.transport.httpsAgent?.destroy();
    this.log.info(this.stats(), "rack agent stopped");
  }

  private async heartbeat(): Promise<void> {
    const run = (async () => {
      try {
        const body: Heartbeat = {
          version: AGENT_VERSION,
          hostname: hostname().slice(0, 255),
          ...(this.opts.interface ? { interface: this.opts.interface } : {}),
          ...(this.opts.bootUrl ? { bootUrl: this.opts.bootUrl } : {}),
        };
        const services = this.opts.services?.();
        if (services) body.services = services;
        const config = await this.client.heartbeat(body, this.stopping.signal);
        const first = this.config === undefined;
        this.config = config;
        this.counters.heartbeats++;
        this.lastHeartbeatError = undefined;
        if (first) this.log.info({ rack: config.rackId, machines: config.machines.length }, "rack online");
      } catch (e) {
        if (this.stopping.signal.aborted) return;
        this.lastHeartbeatError = e instanceof Error ? e.message : String(e);
        if (e instanceof RegionError && e.code === "REGION_UNTRUSTED") {
          this.log.error(
            { err: this.lastHeartbeatError, pinned: this.transport.fingerprint },
            "refusing the region: its TLS certificate is not the one this rack trusts (nothing was sent)",
          );
        } else this.log.warn({ err: this.lastHeartbeatError }, "heartbeat failed; will retry");
        return;
      }
      try {
        this.opts.boot?.setConfig(this.config);
        await this.opts.onConfig?.(this.config);
      } catch (e) {
        // A boot service that cannot follow the config must not stop the heartbeats.
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, "onConfig hook failed");
      }
    })();
    this.heartbeatRunning = run;
    await run;
    if (!this.stopping.signal.aborted) {
      const every = this.config?.heartbeatIntervalMs ?? this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
      // While the region is unreachable, try again sooner than a full interval.
      const next = this.lastHeartbeatError ? Math.min(every, 2_000) : every;
      this.heartbeatTimer = setTimeout(() => void this.heartbeat(), next);
    }
  }

  private get capacity(): number {
    return this.opts.concurrency ?? 8;
  }

  private wakeClaimLoop(): void {
    for (const w of [...this.slotWaiters]) w();
    this.slotWaiters.clear();
  }

  private waitForSlot(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.add(resolve));
  }

  private async claimLoop(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      const free = this.capacity - this.held.size;
      if (free <= 0) {
        await this.waitForSlot();
        continue;
      }
      let tasks: Task[];
      try {
        tasks = await this.client.claim(free, this.opts.claimWaitMs ?? 10_000, signal);
        failures = 0;
      } catch (e) {
        if (signal.aborted) return;
        failures++;
        const wait = backoffDelayMs(failures);
        this.log.warn(
          { err: e instanceof Error ? e.message : String(e), retryInMs: wait },
          "claim failed; retrying",
        );
        if (e instanceof RegionError && (e.code === "RACK_UNAUTHORIZED" || e.code === "REGION_UNTRUSTED")) {
          // A revoked or wrong token will not fix itself quickly: do not hammer the region.
          await pause(Math.max(wait, 5_000), signal);
        } else await pause(wait, signal);
        continue;
      }
      for (const t of tasks) this.schedule(t);
    }
  }

  /** Holds a claimed task: it runs after any task already held for the same object. */
  private schedule(task: Task): void {
    if (this.held.has(task.id)) {
      // Handed to us again (its lease ran out while we still hold it): the run in progress reports it.
      this.log.warn({ task: task.id }, "task handed out again while still held here; keeping the first run");
      return;
    }
    this.counters.claimed++;
    const h: Held = { task, abort: new AbortController(), lost: false, state: "waiting" };
    const onStop = () => h.abort.abort();
    this.stopping.signal.addEventListener("abort", onStop, { once: true });
    this.held.set(task.id, h);
    const claimed = Date.now();
    this.claimedAt.set(task.objectId, claimed);
    this.pruneClaims(claimed);
    const before = this.tails.get(task.objectId);
    const run = this.hold(h, before, claimed).finally(() => {
      this.stopping.signal.removeEventListener("abort", onStop);
      this.held.delete(task.id);
      if (this.tails.get(task.objectId) === run) this.tails.delete(task.objectId);
      this.wakeClaimLoop();
    });
    this.tails.set(task.objectId, run);
  }

  /** Claims older than any task still held here can no longer matter. */
  private pruneClaims(now: number): void {
    if (this.claimedAt.size < 1000) return;
    for (const [id, at] of this.claimedAt) if (at < now - CLAIMS_KEPT_MS) this.claimedAt.delete(id);
  }

  private keepAliveMs(task: Task): number {
    if (this.opts.keepAliveMs) return this.opts.keepAliveMs;
    const lease = Date.parse(task.leaseUntil) - Date.now();
    return Math.max(1_000, Math.min(MAX_KEEPALIVE_MS, Number.isFinite(lease) ? lease / 3 : MAX_KEEPALIVE_MS));
  }

  /** Progress to the region; a 409 means the task is no longer ours: stop working on it. */
  private async progress(h: Held, message: string): Promise<void> {
    if (h.lost) return;
    const outcome = await this.client.progress(h.task.id, message, this.halted.signal);
    if (outcome === "stale" && !h.lost) {
      h.lost = true;
      this.log.warn(
        { task: h.task.id },
        "the region no longer counts this task as ours (lease lost); giving it up",
      );
      h.abort.abort();
    }
  }

  private async hold(h: Held, before: Promise<void> | undefined, claimed: number): Promise<void> {
    const { task } = h;
    const log = this.log.child({
      task: task.id,
      kind: task.kind,
      object: task.objectId,
      attempt: task.attempt,
    });
    const started = Date.now();
    const keepAlive = setInterval(() => {
      const msg =
        h.state === "waiting"
          ? "waiting for another task on the same object"
          : `running (${Math.round((Date.now() - started) / 1000)} s)`;
      this.progress(h, msg).catch((e) => log.warn({ err: String(e) }, "keep-alive failed"));
    }, this.keepAliveMs(task));
    try {
      if (before) await before;
      if (h.abort.signal.aborted) {
        this.counters.abandoned++;
        log.info(h.lost ? "not started: lease lost while waiting" : "not started: the agent is stopping");
        return;
      }
      h.state = "running";
      await this.execute(h, log, claimed);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async execute(h: Held, log: Logger, claimed: number): Promise<void> {
    const { task } = h;
    const executor = this.executors.get(task.kind);
    const started = Date.now();
    let outcome:
      | { ok: true; result: Record<string, unknown> }
      | { ok: false; error: { code: string; message: string; retryable: boolean } };
    try {
      if (!executor) throw new TaskError("UNSUPPORTED", `this rack cannot run ${task.kind} tasks`);
      const result = await executor.run({
        task,
        log,
        config: () => this.config,
        // Best effort: a region briefly away must not fail the work (the final report retries).
        progress: (message) =>
          this.progress(h, message).catch((e) => log.warn({ err: String(e) }, "progress not delivered")),
        signal: h.abort.signal,
        claimedSince: () =>
          new Set(
            [...this.claimedAt].filter(([id, at]) => at > claimed && id !== task.objectId).map(([id]) => id),
          ),
      });
      outcome = { ok: true, result };
    } catch (e) {
      if (h.abort.signal.aborted) {
        // Stopping or lease lost: a failure report would be final; let the region hand it out again.
        this.counters.abandoned++;
        log.info({ err: String(e) }, h.lost ? "abandoned: lease lost" : "abandoned: the agent is stopping");
        return;
      }
      outcome = { ok: false, error: toTaskFailure(e) };
    }
    if (h.lost) {
      this.counters.abandoned++;
      log.info("finished, but the task is no longer ours; not reported");
      return;
    }
    const ms = Date.now() - started;
    try {
      const r = await this.client.result(task.id, outcome, this.halted.signal);
      if (outcome.ok) {
        this.counters.done++;
        log.info({ ms, reported: r }, "task done");
      } else {
        this.counters.failed++;
        log.warn({ ms, error: outcome.error, reported: r }, "task failed");
      }
    } catch (e) {
      this.counters.abandoned++;
      log.error(
        { err: String(e) },
        "could not report the result; the lease will expire and the task run again",
      );
    }
  }
}
