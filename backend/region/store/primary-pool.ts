/**
 * A node-postgres pool whose every connection goes to the current primary of a multi-host
 * connection string (conn-string.ts, primary-locator.ts). Each new connection asks the
 * locator for the primary, connects there and checks it is still not in recovery; a query
 * that fails because the server went away or became read-only makes the locator search again,
 * and a connection to a demoted primary is closed so the pool does not hand it out again.
 * With one host and target_session_attrs=any this is a plain pool.
 */
import type { Pool as PgPool } from "pg";
import { type ParsedDatabaseUrl, type PgHost, parseDatabaseUrl } from "./conn-string";
import { classifyStoreFailure } from "./failover-errors";
import { PrimaryLocator, type Probe } from "./primary-locator";

export interface PrimaryPool {
  pool: PgPool;
  locator: PrimaryLocator;
  parsed: ParsedDatabaseUrl;
}

/** Per host: how long a connection attempt may take before the next host is tried. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Client-side bound of one query (the API's slowest queries take milliseconds). */
const QUERY_TIMEOUT_MS = 30_000;

/** `p`, or a rejection (code ETIMEDOUT: a lost connection to the classifier) after `ms`. */
function bounded<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`timeout expired after ${ms} ms`), { code: "ETIMEDOUT" }));
      try {
        onTimeout?.();
      } catch {
        /* the caller has its answer; cleanup is best effort */
      }
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function createPrimaryPool(url: string, max = 10): Promise<PrimaryPool> {
  const parsed = parseDatabaseUrl(url);
  // Loaded only for the HA store: the embedded default must stay small on a PE860.
  const pg = await import("pg");
  const probe: Probe = async (h) => {
    const c = new pg.Client({
      connectionString: parsed.urlFor(h),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A server that accepted the connection but does not answer (restarting) must not hold the search.
      query_timeout: CONNECT_TIMEOUT_MS,
    });
    // A probe's socket error after connect must not crash the region: the query fails instead.
    c.on("error", () => undefined);
    await c.connect();
    try {
      const r = await c.query<{ r: boolean }>("select pg_is_in_recovery() as r");
      return r.rows[0]?.r ? "replica" : "primary";
    } finally {
      await bounded(c.end(), CONNECT_TIMEOUT_MS).catch(() => undefined);
    }
  };
  const locator = new PrimaryLocator(parsed.hosts, parsed.targetSessionAttrs, probe);
  const wantPrimary = parsed.targetSessionAttrs !== "any";
  // A search over every host, then the connection and its check.
  const connectDeadlineMs = CONNECT_TIMEOUT_MS * (parsed.hosts.length + 2);

  class PrimaryClient extends pg.Client {
    private at: PgHost | undefined;

    constructor(config?: ConstructorParameters<typeof pg.Client>[0]) {
      super(config);
      // The pool listens for errors of idle clients only: a checked-out client whose server
      // dies between two queries of a transaction emits 'error' too, and unheard that would
      // crash the region. Its next query fails instead, the pool drops it on release.
      this.on("error", (e) => this.observe(e));
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (promise and callback) in one body
    override connect(callback?: (...a: any[]) => void): any {
      const run = async () => {
        const h = await locator.primary();
        this.at = h;
        // pg.Client reads host and port when it opens the socket (client.js _connect).
        const self = this as unknown as {
          host: string;
          port: number;
          connectionParameters: { host: string; port: number };
        };
        self.host = h.host;
        self.port = h.port;
        self.connectionParameters.host = h.host;
        self.connectionParameters.port = h.port;
        try {
          await super.connect();
        } catch (e) {
          locator.invalidate(h);
          throw e;
        }
        if (wantPrimary) {
          const r = await super.query("select pg_is_in_recovery() as r");
          if (r.rows[0]?.r) {
            locator.invalidate(h);
            await this.end().catch(() => undefined);
            throw Object.assign(new Error(`${h.host}:${h.port} is a replica now`), { code: "25006" });
          }
        }
      };
      // Whatever happens below (a search, a socket that never opens), the pool hears back in
      // bounded time: a connect that never called back would hold a pool slot, and pool.end(), forever.
      const p = bounded(run(), connectDeadlineMs, () => {
        locator.invalidate(this.at);
        (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      }).then(() => this);
      if (!callback) return p;
      p.then(
        () => callback(),
        (e: Error) => callback(e),
      );
      return undefined;
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg's query overloads, passed through unchanged
    override query(...args: any[]): any {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      const r = (super.query as (...a: any[]) => any)(...args);
      if (r && typeof r.then === "function") {
        r.then(undefined, (e: unknown) => this.observe(e));
      }
      return r;
    }

    private observe(e: unknown): void {
      const kind = classifyStoreFailure(e);
      if (kind === "connection" || kind === "read-only") locator.invalidate(this.at);
      // Ending it makes the pool drop it on release instead of handing a replica out again.
      if (kind === "read-only") this.end().catch(() => undefined);
    }
  }

  const pool = new pg.Pool({
    connectionString: parsed.urlFor(parsed.hosts[0]!),
    max,
    // Every query settles: one on a connection whose server vanished without a word (a
    // half-open socket after a kill -9) would otherwise hold its request, and shutdown, forever.
    query_timeout: QUERY_TIMEOUT_MS,
    // Longer than a client's own deadline, which always answers first (the pool's own timeout
    // would destroy a socket that may not exist yet). Also how long a query waits for a free slot.
    connectionTimeoutMillis: connectDeadlineMs + 2_000,
    Client: PrimaryClient as unknown as new () => InstanceType<typeof pg.Client>,
  });
  return { pool, locator, parsed };
}
