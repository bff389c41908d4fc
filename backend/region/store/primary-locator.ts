/**
 * Finds the writable server among the hosts of a multi-host connection string, as libpq does
 * for `target_session_attrs=read-write`: try the hosts in order and keep the first one that is
 * not in recovery (`SELECT pg_is_in_recovery()` false). The answer is cached until a failure
 * says it is stale (invalidate): after a Patroni failover the next connection looks again.
 * Concurrent callers share one search. The probe is injected, so the order is tested alone.
 */
import { type PgHost, type TargetSessionAttrs, hostKey } from "./conn-string";

/** "primary" or "replica" when the host answered; throws when it could not be reached. */
export type Probe = (host: PgHost) => Promise<"primary" | "replica">;

/** No host would do; `code` lets the failure classifier (failover-errors.ts) call it a failover. */
export class NoPrimaryError extends Error {
  readonly code = "NO_PRIMARY";
  constructor(readonly tried: string[]) {
    super(`no writable PostgreSQL primary among ${tried.join("; ")}`);
    this.name = "NoPrimaryError";
  }
}

export class PrimaryLocator {
  private current: PgHost | undefined;
  private search: Promise<PgHost> | undefined;

  constructor(
    private readonly hosts: PgHost[],
    private readonly attrs: TargetSessionAttrs,
    private readonly probe: Probe,
  ) {
    if (hosts.length === 0) throw new Error("PrimaryLocator needs at least one host");
  }

  /** The host to connect to now. */
  primary(): Promise<PgHost> {
    if (this.current) return Promise.resolve(this.current);
    this.search ??= this.find().finally(() => {
      this.search = undefined;
    });
    return this.search;
  }

  /** The cached primary, if any (for /readyz and logs). */
  known(): PgHost | undefined {
    return this.current;
  }

  /** `host` failed (gone, or now a replica): the next primary() searches again. */
  invalidate(host?: PgHost): void {
    if (!host || (this.current && hostKey(this.current) === hostKey(host))) this.current = undefined;
  }

  private async find(): Promise<PgHost> {
    const tried: string[] = [];
    for (const h of this.hosts) {
      try {
        const role = await this.probe(h);
        if (this.attrs === "any" || role === "primary") {
          this.current = h;
          return h;
        }
        tried.push(`${hostKey(h)}: ${role}`);
      } catch (e) {
        tried.push(
          `${hostKey(h)}: ${e instanceof Error ? e.message || (e as { code?: string }).code : String(e)}`,
        );
      }
    }
    throw new NoPrimaryError(tried);
  }
}
