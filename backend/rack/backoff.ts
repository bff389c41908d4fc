/**
 * How long the rack waits before trying the region again. Pure: capped exponential backoff with
 * full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), so a rack fleet that
 * lost its region does not come back at it in lockstep when it restarts.
 */
import { backoffMs } from "../../sdk/http";

export interface Backoff {
  /** Ceiling of the first pause. */
  baseMs: number;
  /** No pause is longer than this. */
  capMs: number;
}

export const REGION_BACKOFF: Backoff = { baseMs: 250, capMs: 5_000 };

/** Pause before retry `attempt` (1-based): the SDK's full jitter, with the rack's policy. */
export function backoffDelayMs(
  attempt: number,
  policy: Backoff = REGION_BACKOFF,
  random = Math.random,
): number {
  return backoffMs(attempt, random, policy.baseMs, policy.capMs);
}

/** Resolves after `ms`, or at once (without throwing) when `signal` aborts: callers check the signal. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
