/**
 * The rack agent: heartbeats the region for its configuration, claims leased tasks (long
 * poll), runs them through the executors with bounded concurrency — never two at once for the
 * same machine or VM — keeps their leases alive while they run, and reports each result.
 * It holds no state of its own: a restarted agent just claims again, and the region hands
 * back whatever the previous one left unfinished.
 */
import { hostname } from "node:os";
import pino, { type Logger } from "pino";
import type { RackConfig, Task } from "../../sdk/schema/rack-agent";
import { type Executor, TaskError } from "./executor";
import { defaultDeps, type ExecutorDeps } from "./executors/deps";
import { defaultExecutors } from "./executors/index";
import { RegionClient } from "./region-client";

export const AGENT_VERSION = "0.1.0";

export interface RackAgentOptions {
  region: string;
  token: string;
  interface?: string;
  bootUrl?: string;
  concurrency?: number;
  claimWaitMs?: number;
  /** How often a running task reports progress to keep its lease (region lease: 60 s). */
  keepAliveMs?: number;
  vmPrefix?: string;
  log?: Logger;
  deps?: ExecutorDeps;
  executors?: Executor[];
  onConfig?: (config: RackConfig) => void;
}

export class RackAgent {
  private readonly client: RegionClient;
  private readonly log: Logger;
  private readonly executors: Map<string, Executor>;
  private readonly deps: ExecutorDeps;
  private readonly abort = new AbortController();
  private readonly busy = new Map<string, Promise<void>>();
  private inFlight = 0;
  private loops: Promise<void>[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  config: RackConfig | undefined;

  constructor(private readonly opts: RackAgentOptions) {
    this.client = new RegionClient(opts.region, opts.token);
    this.log = opts.log ?? pino({ name: "rack" });
    this.deps = opts.deps ?? defaultDeps(opts.vmPrefix);
    this.executors = new Map((opts.executors ?? defaultExecutors(this.deps)).map((e) => [e.kind, e]));
  }

  async start(): Promise<void> {
    await this.heartbeat();
    this.loops.push(this.claimLoop());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.heartbeatTimer);
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.busy.values()]);
    await this.deps.ipmiPool.close();
  }

  private async heartbeat(): Promise<void> {
    try {
      this.config = await this.client.heartbeat({
        version: AGENT_VERSION,
        hostname: hostname(),
        ...(this.opts.interface ? { interface: this.opts.interface } : {}),
        ...(this.opts.bootUrl ? { bootUrl: this.opts.bootUrl } : {}),
      });
      this.opts.onConfig?.(this.config);
    } catch (e) {
      this.log.warn({ err: e }, "heartbeat failed; retrying");
    }
    if (!this.abort.signal.aborted) {
      this.heartbeatTimer = setTimeout(
        () => void this.heartbeat(),
        this.config?.heartbeatIntervalMs ?? 10_000,
      );
    }
  }

  private async claimLoop(): Promise<void> {
    const max = this.opts.concurrency ?? 8;
    while (!this.abort.signal.aborted) {
      if (this.inFlight >= max) {
        await Promise.race(this.busy.values());
        continue;
      }
      let tasks: Task[] = [];
      try {
        tasks = await this.client.claim(
          max - this.inFlight,
          this.opts.claimWaitMs ?? 10_000,
          this.abort.signal,
        );
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.log.warn({ err: e }, "claim failed; retrying");
        await new Promise((r) => setTimeout(r, 1000));
      }
      for (const t of tasks) this.schedule(t);
    }
  }

  /** Runs after any task already running for the same object. */
  private schedule(task: Task): void {
    const before = this.busy.get(task.objectId) ?? Promise.resolve();
    this.inFlight++;
    const run = before
      .then(() => this.execute(task))
      .finally(() => {
        this.inFlight--;
        if (this.busy.get(task.objectId) === run) this.busy.delete(task.objectId);
      });
    this.busy.set(task.objectId, run);
  }

  private async execute(task: Task): Promise<void> {
    const log = this.log.child({ task: task.id, kind: task.kind, object: task.objectId });
    const executor = this.executors.get(task.kind);
    const progress = (message: string) => this.client.result(task.id, { ok: true, progress: message });
    const keepAlive = setInterval(
      () => void progress("working").catch(() => undefined),
      this.opts.keepAliveMs ?? 20_000,
    );
    try {
      if (!executor) throw new TaskError("UNSUPPORTED", `this rack cannot run ${task.kind} tasks`);
      const started = Date.now();
      const result = await executor.run({
        task,
        log,
        config: () => this.config,
        progress,
        signal: this.abort.signal,
      });
      log.info({ ms: Date.now() - started }, "task done");
      await this.client.result(task.id, { ok: true, result });
    } catch (e) {
      const err = e as { code?: unknown; message?: string; retryable?: boolean };
      const code = typeof err.code === "string" ? err.code : "FAILED";
      log.warn({ err: e }, "task failed");
      await this.client
        .result(task.id, {
          ok: false,
          error: { code, message: err.message ?? String(e), retryable: err.retryable === true },
        })
        .catch((re) => log.error({ err: re }, "could not report the failure; the lease will expire"));
    } finally {
      clearInterval(keepAlive);
    }
  }
}
