/**
 * The API's authentication step with failure limits (auth-limiter.ts): answers 429 with
 * Retry-After while a source or key prefix is over its budget of failures, counts every 401,
 * and each window writes one event per offending source (object type `source`, the address)
 * and per limited key prefix (object type `apikey`, the prefix), with a pino warning.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { RateLimitedError, UnauthorizedError } from "../../sdk/errors";
import type { KeyAuthenticator, Principal } from "./auth";
import { type AuthFailureLimiter, keyPrefixOf } from "./auth-limiter";
import { appendEvent } from "./events";
import type { Database } from "./store/database";

export class AuthGuard {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly auth: KeyAuthenticator,
    private readonly limiter: AuthFailureLimiter,
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.limiter.limits.windowMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * The principal of `header`, or UnauthorizedError (401), or RateLimitedError (429).
   * `malformed`: the request's credential could not even be read (a bad WebSocket subprotocol
   * token, ws-bearer.ts): refused, and counted, like a wrong key.
   */
  async authenticate(
    header: string | undefined,
    source: string,
    malformed?: UnauthorizedError,
  ): Promise<Principal> {
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const prefix = keyPrefixOf(key);
    if (key === undefined || !this.limiter.isKnownGood(key)) {
      const v = this.limiter.check(source, prefix);
      if (v.limited) {
        const retryAfter = Math.max(1, Math.ceil(v.retryAfterMs / 1000));
        if (v.first) {
          this.log.warn(
            { source, keyPrefix: prefix, by: v.by, retryAfterS: retryAfter },
            "too many failed authentications: answering 429",
          );
        }
        throw new RateLimitedError(
          `too many failed authentications from this ${v.by === "source" ? "address" : "key prefix"}; retry in ${retryAfter} s`,
          retryAfter,
        );
      }
    }
    try {
      if (malformed) throw malformed;
      const p = await this.auth.authenticate(header);
      if (key !== undefined) this.limiter.noteSuccess(key);
      return p;
    } catch (e) {
      if (e instanceof UnauthorizedError) this.limiter.fail(source, prefix);
      throw e;
    }
  }

  /** Writes the closing window's tallies as events (one per source, one per limited prefix). */
  async flush(): Promise<void> {
    const { sources, prefixes } = this.limiter.drain();
    if (sources.length === 0 && prefixes.length === 0) return;
    const secs = Math.round(this.limiter.limits.windowMs / 1000);
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const s of sources) {
          const reason = `${s.failed} failed and ${s.limited} rate-limited authentications in ${secs} s (key prefixes: ${s.prefixes.join(", ") || "none"})`;
          if (s.limited > 0)
            this.log.warn({ source: s.source, failed: s.failed, limited: s.limited }, reason);
          await appendEvent(trx, {
            actor: "region",
            objectType: "source",
            objectId: s.source,
            kind: s.limited > 0 ? "auth.limited" : "auth.failed",
            reason,
          });
        }
        for (const p of prefixes) {
          await appendEvent(trx, {
            actor: "region",
            objectType: "apikey",
            objectId: p.prefix,
            kind: "auth.limited",
            reason: `${p.limited} authentications with this key prefix rate-limited in ${secs} s (from ${p.sources.join(", ")})`,
          });
        }
      });
    } catch (e) {
      // The store may be away (failover): the tallies are lost, the limits keep working.
      this.log.warn(
        { err: e instanceof Error ? e.message : String(e) },
        "cannot record authentication failures",
      );
    }
  }
}
