/**
 * Failed authentications, limited (pure: the clock is injected). Two token buckets count only
 * failures: one per source address, one per key prefix (the key's first 12 characters, so a
 * guesser spread over many addresses is still slowed on the key it aims at). While either is
 * empty, further keys from that source or with that prefix are answered 429 without a store
 * lookup, except keys that authenticated on this replica lately: a valid client behind the
 * same address as a guesser keeps working. The tallies of each window feed one event per
 * source (and per limited prefix), never one per attempt.
 */
import { type BucketPolicy, TokenBuckets } from "./token-bucket";

export interface AuthLimits {
  perSource: BucketPolicy;
  perPrefix: BucketPolicy;
  /** How long a key that authenticated counts as known good. */
  goodKeyMs: number;
  /** The tallies' window (one event per source per window). */
  windowMs: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  // 20 failures at once, then one a second: a mistyped key in a CI job never notices.
  perSource: { capacity: 20, refillPerSec: 1 },
  // Tighter, as it is one key under attack: 10 at once, then one every 5 s.
  perPrefix: { capacity: 10, refillPerSec: 0.2 },
  goodKeyMs: 10 * 60_000,
  windowMs: 10_000,
};

/** The part of a key that identifies it without giving it away: `fbx_` + 8 characters. */
export const KEY_PREFIX_LENGTH = 12;

export function keyPrefixOf(key: string | undefined): string {
  return key ? key.slice(0, KEY_PREFIX_LENGTH) : "";
}

export type Verdict = { limited: false } | { limited: true; retryAfterMs: number; by: "source" | "prefix" };

export interface SourceTally {
  source: string;
  failed: number;
  limited: number;
  /** Up to 5 of the prefixes tried. */
  prefixes: string[];
}

export interface PrefixTally {
  prefix: string;
  limited: number;
  /** Up to 5 of the sources. */
  sources: string[];
}

const SAMPLES = 5;
const MAX_GOOD = 10_000;

function sample(list: string[], v: string): void {
  if (v && list.length < SAMPLES && !list.includes(v)) list.push(v);
}

export class AuthFailureLimiter {
  private readonly bySource: TokenBuckets;
  private readonly byPrefix: TokenBuckets;
  private readonly good = new Map<string, number>();
  private sources = new Map<string, SourceTally>();
  private prefixes = new Map<string, PrefixTally>();

  constructor(
    readonly limits: AuthLimits = DEFAULT_AUTH_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.bySource = new TokenBuckets(limits.perSource);
    this.byPrefix = new TokenBuckets(limits.perPrefix);
  }

  isKnownGood(key: string): boolean {
    const until = this.good.get(key);
    return until !== undefined && until > this.now();
  }

  noteSuccess(key: string): void {
    this.good.delete(key);
    this.good.set(key, this.now() + this.limits.goodKeyMs);
    if (this.good.size > MAX_GOOD) {
      const oldest = this.good.keys().next().value;
      if (oldest !== undefined) this.good.delete(oldest);
    }
  }

  /**
   * Before looking a key up: limited while the source's or the prefix's bucket is empty.
   * A limited attempt is tallied; `first` says it is the window's first for this source.
   */
  check(source: string, prefix: string): Verdict & { first?: boolean } {
    const now = this.now();
    const s = this.bySource.waitMs(source, now);
    const p = prefix ? this.byPrefix.waitMs(prefix, now) : 0;
    if (s === 0 && p === 0) return { limited: false };
    const t = this.tally(source, prefix);
    t.limited += 1;
    if (p > 0) {
      const pt = this.prefixes.get(prefix) ?? { prefix, limited: 0, sources: [] };
      pt.limited += 1;
      sample(pt.sources, source);
      this.prefixes.set(prefix, pt);
    }
    return {
      limited: true,
      retryAfterMs: Math.max(s, p),
      by: s >= p ? "source" : "prefix",
      first: t.limited === 1,
    };
  }

  /** After a failed lookup: one token from each bucket. */
  fail(source: string, prefix: string): void {
    const now = this.now();
    this.bySource.take(source, now);
    if (prefix) this.byPrefix.take(prefix, now);
    this.tally(source, prefix).failed += 1;
  }

  /** This window's tallies; starts the next window. */
  drain(): { sources: SourceTally[]; prefixes: PrefixTally[] } {
    const out = { sources: [...this.sources.values()], prefixes: [...this.prefixes.values()] };
    this.sources = new Map();
    this.prefixes = new Map();
    return out;
  }

  private tally(source: string, prefix: string): SourceTally {
    let t = this.sources.get(source);
    if (!t) {
      t = { source, failed: 0, limited: 0, prefixes: [] };
      // Bounded like the buckets: a spoofing flood of sources cannot grow it without end.
      if (this.sources.size < 100_000) this.sources.set(source, t);
    }
    sample(t.prefixes, prefix);
    return t;
  }
}
