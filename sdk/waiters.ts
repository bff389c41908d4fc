/**
 * Polling waiters for long operations (commissioning, deploys, VM creation): they report every
 * status change, fail fast on failure states with the object's own reason, and time out with
 * the last status seen.
 */
import { ConflictError, NotFoundError, TimeoutError } from "./errors";

export interface WaitOptions<T> {
  timeoutMs?: number;
  intervalMs?: number;
  onProgress?: (current: T, elapsedMs: number) => void;
  /** Returns a reason when `current` is a failure that no waiting will fix. */
  failWhen?: (current: T) => string | undefined;
  sleep?: (ms: number) => Promise<void>;
}

export async function waitFor<T>(
  get: () => Promise<T>,
  done: (current: T) => boolean,
  describe: (current: T) => string,
  opts: WaitOptions<T> = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  let last: string | undefined;
  for (;;) {
    const current = await get();
    const now = describe(current);
    if (now !== last) {
      opts.onProgress?.(current, Date.now() - started);
      last = now;
    }
    if (done(current)) return current;
    const failure = opts.failWhen?.(current);
    if (failure !== undefined) throw new ConflictError(failure);
    if (Date.now() - started >= timeoutMs) {
      throw new TimeoutError(`still ${now} after ${Math.round(timeoutMs / 1000)} s`);
    }
    await sleep(Math.min(opts.intervalMs ?? 1000, Math.max(0, timeoutMs - (Date.now() - started))));
  }
}

/** Resolves once `get` answers NotFound. */
export async function waitForDeletion(
  get: () => Promise<unknown>,
  opts: WaitOptions<unknown> = {},
): Promise<void> {
  const sentinel = Symbol("gone");
  await waitFor<unknown>(
    () => get().catch((e) => (e instanceof NotFoundError ? sentinel : Promise.reject(e))),
    (x) => x === sentinel,
    (x) => (x === sentinel ? "gone" : "present"),
    opts,
  );
}
