/**
 * A per-key bound on long-lived connections (rack long polls, SSE streams, console
 * WebSockets): each holds a slot from acquire() until it ends, and a key holding `maxPerKey`
 * slots gets 429 (Retry-After) for the next one instead of tying up the region's sockets.
 *
 *   const release = ctx.connections.acquire(principalOf(req).keyId);
 *   req.raw.once("close", release);   // or try { … } finally { release() }
 */
import { RateLimitedError } from "../../sdk/errors";

export const DEFAULT_STREAMS_PER_KEY = 8;

export class ConnectionLimiter {
  private readonly held = new Map<string, number>();

  constructor(readonly maxPerKey: number = DEFAULT_STREAMS_PER_KEY) {
    if (!(maxPerKey >= 1)) throw new Error("maxPerKey must be at least 1");
  }

  /** A slot for `key`, or undefined when it holds them all. The release is idempotent. */
  tryAcquire(key: string): (() => void) | undefined {
    const n = this.held.get(key) ?? 0;
    if (n >= this.maxPerKey) return undefined;
    this.held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  /** A slot for `key`, or RateLimitedError (429, Retry-After) naming the bound. */
  acquire(key: string, what = "long-lived connections"): () => void {
    const release = this.tryAcquire(key);
    if (!release) {
      throw new RateLimitedError(
        `this key already holds ${this.maxPerKey} ${what}, the most allowed; close one first`,
        5,
      );
    }
    return release;
  }

  count(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
