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
   * Objects of the tasks this agent claimed after this one. A host reconcile spares their
   * libvirt objects: the region listed the host's VMs when this task was claimed, so a VM whose
   * create came later is new, not an orphan.
   */
  claimedSince(): ReadonlySet<string>;
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
