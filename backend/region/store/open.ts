/**
 * Opens the region's store: embedded SQLite in the data directory by default (WAL, so a
 * kill -9 loses no committed write), or PostgreSQL by URL so several region replicas share
 * one database (HA). Migrations run on open; with PostgreSQL they are serialised by an
 * advisory lock so replicas starting together don't race.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import type { Database } from "./database";
import { migrate } from "./migrations";
import { createPrimaryPool } from "./primary-pool";

export type Dialect = "sqlite" | "postgres";

const CLOSE_TIMEOUT_MS = 5_000;

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Resolves when the store takes writes now (PostgreSQL: a primary answers); throws otherwise. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Directory for the embedded SQLite file (used when no databaseUrl is given). */
  dataDir: string;
  /**
   * postgres://user@host:port/db for the HA store, or libpq's multi-host form
   * postgres://user@h1:p1,h2:p2,h3:p3/db?target_session_attrs=read-write (Patroni).
   */
  databaseUrl?: string;
  /** Errors of idle PostgreSQL connections (a database restart or failover); the pool drops them. */
  onConnectionError?: (e: Error) => void;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.onConnectionError);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = new SqliteDatabase(join(opts.dataDir, "region.sqlite"));
  file.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
  file.pragma("synchronous = NORMAL");
  file.pragma("foreign_keys = ON");
  file.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: file }),
    plugins: [new CamelCasePlugin()],
  });
  await migrate(db, "sqlite");
  const ready = async () => {
    await sql`select 1`.execute(db);
  };
  return { db, dialect: "sqlite", ready, close: () => db.destroy() };
}

async function openPostgres(url: string, onConnectionError?: (e: Error) => void): Promise<Store> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error("--database must be a postgres:// URL");
  // Each connection goes to the current primary of the host list (primary-pool.ts).
  const { pool } = await createPrimaryPool(url, 10);
  // An idle connection killed by the server (restart, failover, pg_terminate_backend) is an
  // 'error' event on the pool: unhandled, it would crash the region. The pool discards that
  // connection and the next query opens a fresh one (on the primary of the moment).
  pool.on("error", (e) => onConnectionError?.(e));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7301)`.execute(conn);
    try {
      await migrate(conn, "postgres");
    } finally {
      await sql`select pg_advisory_unlock(7301)`.execute(conn);
    }
  });
  const ready = async () => {
    const r = await sql<{ r: boolean }>`select pg_is_in_recovery() as r`.execute(db);
    if (r.rows[0]?.r) throw Object.assign(new Error("the database is a replica"), { code: "25006" });
  };
  // pg-pool's end() waits for every client's end callback; one whose server died mid-use may
  // never call back, and a region must still shut down: bounded.
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([db.destroy(), new Promise<void>((r) => (timer = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  };
  return { db, dialect: "postgres", ready, close };
}

/** Unique-constraint violations from either engine, so the API can answer 409. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}
export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}
