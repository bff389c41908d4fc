/**
 * What the rack agent runs for each task kind it claims from the region. One executor per
 * kind, each in backend/rack/executors/<kind>.ts, registered in one explicit list; the agent
 * owns the loop, leases and reporting, executors own only the work.
 */
import type { Logger } from "pino";
import type { RackConfig, Task, TaskKind } from "../../sdk/schema/rack-agent";

export interface ExecutorContext {
  task: Task;
  log: Logger;
  /** The rack's latest configuration from its heartbeat. */
  config(): RackConfig | undefined;
  /** Reports progress to the region (keeps the lease alive; shown in the machine's events). */
  progress(message: string): Promise<void>;
  /** Aborted when the agent stops; long work should give up promptly. */
  signal: AbortSignal;
  /**
   * Objects this agent holds a task for, or finished one for within the last few minutes. A
   * host reconcile treats their libvirt objects as busy: its expected list was made when it was
   * queued, and a VM built since then is not an orphan.
   */
  recentObjects(): ReadonlySet<string>;
}

/** A typed failure an executor throws: its code and message reach the region as the task's error. */
export class TaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "TaskError";
  }
}

export interface Executor {
  kind: TaskKind;
  /** Resolves to the task's result (sent as `result`); throws TaskError (or any error) on failure. */
  run(ctx: ExecutorContext): Promise<Record<string, unknown>>;
}
