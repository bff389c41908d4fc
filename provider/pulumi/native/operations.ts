/**
 * The engine's bounds on an operation: the `timeout` of Create/Update/Delete/Read (seconds, from
 * the resource's customTimeouts) and Cancel (Ctrl-C in `pulumi up`).
 *
 * The hooks bound their own waits by the `timeouts` input (custom-timeouts.ts), so the plugin
 * hands them the engine's timeout that way and they end, clean up and explain. As a backstop,
 * the RPC itself answers DEADLINE_EXCEEDED a little after the timeout if the hooks have not;
 * and Cancel answers every running RPC CANCELLED at once (provider.proto: "Cancel signals the
 * provider to gracefully shut down and abort any ongoing resource operations"), and refuses new
 * changes. The operation's URN and abort signal are in an AsyncLocalStorage, so progress lines
 * reach the engine attached to their resource.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { status } from "@grpc/grpc-js";
import { RpcError } from "./rpc-errors";

export interface OperationContext {
  urn: string;
  signal: AbortSignal;
}

const current = new AsyncLocalStorage<OperationContext>();

/** The operation the caller runs inside, if any (progress sinks read its URN). */
export function currentOperation(): OperationContext | undefined {
  return current.getStore();
}

/** Time the hooks get after the engine's timeout to finish cleaning up before the backstop. */
export const BACKSTOP_GRACE_MS = 5_000;

export type Operation = "create" | "update" | "delete" | "read";

/** The bag the hooks get: the engine's timeout for `op` as the `timeouts` input. */
export function withEngineTimeout(
  bag: Record<string, unknown>,
  op: Exclude<Operation, "read">,
  seconds: number,
): Record<string, unknown> {
  if (!(seconds > 0)) return bag;
  const prev = bag.timeouts !== null && typeof bag.timeouts === "object" ? bag.timeouts : {};
  return { ...bag, timeouts: { ...prev, [op]: Math.max(1, Math.ceil(seconds)) } };
}

export class Operations {
  private readonly running = new Set<AbortController>();
  private cancelled = false;

  constructor(private readonly graceMs = BACKSTOP_GRACE_MS) {}

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /**
   * Runs `fn` as operation `what` (e.g. "create Machine pe860-01"), bounded by `timeoutSeconds`
   * (0: unbounded here; the hooks' defaults apply) and by Cancel.
   */
  async run<T>(what: string, urn: string, timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
    if (this.cancelled) {
      throw new RpcError(status.CANCELLED, `${what}: the engine cancelled this deployment; nothing was done`);
    }
    const ac = new AbortController();
    this.running.add(ac);
    let timer: NodeJS.Timeout | undefined;
    const bounds = new Promise<never>((_, reject) => {
      ac.signal.addEventListener(
        "abort",
        () =>
          reject(
            new RpcError(
              status.CANCELLED,
              `${what}: cancelled by the engine; the region may still finish it (a \`pulumi refresh\` shows where it got to)`,
            ),
          ),
        { once: true },
      );
      if (timeoutSeconds > 0) {
        timer = setTimeout(
          () =>
            reject(
              new RpcError(
                status.DEADLINE_EXCEEDED,
                `${what}: timed out after ${timeoutSeconds} s (customTimeouts); the region may still finish it`,
              ),
            ),
          timeoutSeconds * 1000 + this.graceMs,
        );
      }
    });
    const work = current.run({ urn, signal: ac.signal }, fn);
    // The work goes on after a backstop or a cancel: keep its rejection from going unhandled.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, bounds]);
    } finally {
      if (timer) clearTimeout(timer);
      this.running.delete(ac);
    }
  }

  /** Cancel: every running operation answers CANCELLED now; later changes are refused. */
  cancel(): void {
    this.cancelled = true;
    for (const ac of this.running) ac.abort();
    this.running.clear();
  }
}
