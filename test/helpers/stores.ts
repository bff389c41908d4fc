/**
 * The store back-ends every region integration suite runs on: the embedded SQLite default and
 * a real PostgreSQL started from the Debian package for the run (the HA path).
 */
import type { startPostgres } from "./postgres";

export interface StoreUnderTest {
  name: "sqlite" | "postgres";
  /** A fresh database URL for one region (undefined = SQLite in the region's data dir). */
  databaseUrl(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export function sqliteStore(): StoreUnderTest {
  return { name: "sqlite", databaseUrl: async () => undefined, stop: async () => undefined };
}

export function postgresStore(): StoreUnderTest {
  let server: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let n = 0;
  return {
    name: "postgres",
    async databaseUrl() {
      server ??= await (await import("./postgres")).startPostgres();
      const { Client } = await import("pg");
      const name = `fibrix_${process.pid}_${++n}`;
      const admin = new Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const u = new URL(server.url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      await server?.stop();
    },
  };
}

export const STORES: [string, () => StoreUnderTest][] = [
  ["sqlite", sqliteStore],
  ["postgres", postgresStore],
];
