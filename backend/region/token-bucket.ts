/**
 * Token buckets keyed by a string (pure: the caller passes the time). A bucket holds up to
 * `capacity` tokens and refills at `refillPerSec`; taking from an empty one says how long
 * until the next token. Memory is bounded: past `maxKeys` buckets the oldest-touched one is
 * dropped (a dropped bucket comes back full, which only ever errs towards letting through).
 */
export interface BucketPolicy {
  capacity: number;
  refillPerSec: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly policy: BucketPolicy,
    private readonly maxKeys = 100_000,
  ) {
    if (!(policy.capacity >= 1) || !(policy.refillPerSec > 0)) {
      throw new Error("a bucket needs capacity >= 1 and refillPerSec > 0");
    }
  }

  private level(key: string, now: number): Bucket | undefined {
    const b = this.buckets.get(key);
    if (!b) return undefined;
    const tokens = Math.min(
      this.policy.capacity,
      b.tokens + ((now - b.at) / 1000) * this.policy.refillPerSec,
    );
    return { tokens, at: now };
  }

  /** Milliseconds until `key` has a token again (0: it has one now). Takes nothing. */
  waitMs(key: string, now: number): number {
    const b = this.level(key, now);
    if (!b || b.tokens >= 1) return 0;
    return Math.ceil(((1 - b.tokens) / this.policy.refillPerSec) * 1000);
  }

  /** Takes a token: 0 when there was one, else the wait until the next (nothing taken). */
  take(key: string, now: number): number {
    const b = this.level(key, now) ?? { tokens: this.policy.capacity, at: now };
    if (b.tokens < 1) {
      this.put(key, b);
      return Math.ceil(((1 - b.tokens) / this.policy.refillPerSec) * 1000);
    }
    b.tokens -= 1;
    this.put(key, b);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private put(key: string, b: Bucket): void {
    // Re-insert so Map order is least-recently-touched first.
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
