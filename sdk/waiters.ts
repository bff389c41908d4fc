/**
 * Polling waiters for long operations (commissioning, deploys, VM creation): they report every
 * status change, fail fast on failure states with the object's own reason, and time out naming
 * the last status seen. Polling, not push: the region's API is plain HTTP, and a GET per second
 * per waiter is nothing next to what the region serves.
 */
import { ConflictError, NotFoundError, TimeoutError } from "./errors";

export interface WaitOptions<T> {
  /** Give up after this long (default 30 min: commissioning a PE860 takes minutes). */
  timeoutMs?: number;
  /** Time between polls (default 1 s). */
  intervalMs?: number;
  /** Called with each observed change (by `describe`), including the first observation. */
  onProgress?: (current: T, elapsedMs: number) => void;
  /** Returns why `current` is a failure that no waiting will fix (the wait then throws). */
  failWhen?: (current: T) => string | undefined;
  /** What counts as a change and names the state in errors (default: `status`, else JSON). */
  describe?: (current: T) => string;
  /** Stops the wait early (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The wait ran out of time; `lastSeen` is the state observed last. */
export class WaitTimeoutError extends TimeoutError {
  constructor(
    detail: string,
    readonly lastSeen: string,
  ) {
    super(detail);
  }
}

/** The object reached a state that no waiting will fix (code CONFLICT). */
export class WaitFailedError extends ConflictError {
  constructor(
    detail: string,
    readonly lastSeen: string,
  ) {
    super(detail);
  }
}

function defaultDescribe(x: unknown): string {
  if (typeof x === "object" && x !== null && typeof (x as { status?: unknown }).status === "string") {
    return (x as { status: string }).status;
  }
  return typeof x === "string" ? x : JSON.stringify(x);
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function abortable(ms: number, sleep: (ms: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Polls `getter` until `predicate` holds; see WaitOptions. */
export async function waitFor<T>(
  getter: () => Promise<T>,
  predicate: (current: T) => boolean,
  opts: WaitOptions<T> = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const intervalMs = Math.max(1, opts.intervalMs ?? 1000);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const describe = opts.describe ?? defaultDescribe;
  const started = now();
  let last: string | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const current = await getter();
    const seen = describe(current);
    const elapsed = now() - started;
    if (seen !== last) {
      last = seen;
      opts.onProgress?.(current, elapsed);
    }
    if (predicate(current)) return current;
    const failure = opts.failWhen?.(current);
    if (failure !== undefined) throw new WaitFailedError(failure, seen);
    if (elapsed >= timeoutMs) {
      throw new WaitTimeoutError(`timed out after ${seconds(elapsed)}; last status seen: ${seen}`, seen);
    }
    await abortable(Math.min(intervalMs, timeoutMs - elapsed), sleep, opts.signal);
  }
}

export interface StatusWaitOptions<S extends string, T>
  extends Omit<WaitOptions<T>, "failWhen" | "describe"> {
  /** States that end the wait with an error (a WaitFailedError naming the state and its reason). */
  failOn?: readonly S[];
}

/**
 * Waits until the object's `status` is one of `want`. `failOn` defaults to `defaultFailOn`
 * minus the wanted states: waiting for Ready on a FailedCommissioning machine would never end.
 */
export function waitForStatus<S extends string, T extends { status: S; statusReason?: string }>(
  what: string,
  getter: () => Promise<T>,
  want: S | readonly S[],
  opts: StatusWaitOptions<S, T> = {},
  defaultFailOn: readonly S[] = [],
): Promise<T> {
  const wanted: readonly S[] = typeof want === "string" ? [want] : want;
  const failOn = (opts.failOn ?? defaultFailOn).filter((s) => !wanted.includes(s));
  const describe = (x: T) => (x.statusReason ? `${x.status} (${x.statusReason})` : x.status);
  return waitFor(getter, (x) => wanted.includes(x.status), {
    ...opts,
    // A reason change is progress worth showing, but only the status decides.
    describe,
    failWhen: (x) => (failOn.includes(x.status) ? `${what} is ${describe(x)}` : undefined),
  }).catch((e: unknown) => {
    if (e instanceof WaitTimeoutError) {
      throw new WaitTimeoutError(`${what} did not reach ${wanted.join(" or ")}: ${e.message}`, e.lastSeen);
    }
    throw e;
  });
}

/** Resolves once `getter` answers NotFound. */
export async function waitForDeletion(
  getter: () => Promise<unknown>,
  opts: Omit<WaitOptions<unknown>, "describe" | "failWhen"> = {},
): Promise<void> {
  const gone = Symbol("gone");
  await waitFor<unknown>(
    () => getter().catch((e: unknown) => (e instanceof NotFoundError ? gone : Promise.reject(e))),
    (x) => x === gone,
    { ...opts, describe: (x) => (x === gone ? "deleted" : defaultDescribe(x)) },
  );
}
