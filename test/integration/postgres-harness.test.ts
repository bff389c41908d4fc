/** The PostgreSQL test harness itself: a real server starts, answers, isolates, and is gone after stop(). */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { Client } from "pg";
import { createDatabase, type PostgresInstance, startPostgres } from "../helpers/postgres";

function portState(port: number): Promise<"open" | "closed"> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve("open");
    });
    s.once("error", () => resolve("closed"));
  });
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe("startPostgres()", () => {
  let pg: PostgresInstance | undefined;

  afterAll(async () => {
    await pg?.stop();
  });

  it("starts a real PostgreSQL on loopback, creates databases, and stops it completely", async () => {
    const started = Date.now();
    pg = await startPostgres();
    const startMs = Date.now() - started;
    expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(await portState(pg.port)).toBe("open");

    const [row] = await query<{ one: number; version: string; fsync: string; listen: string }>(
      pg.url,
      "SELECT 1 AS one, version() AS version, current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen",
    );
    expect(row?.one).toBe(1);
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
    expect(row?.fsync).toBe("off");
    expect(row?.listen).toBe("127.0.0.1");
    // as root the server runs as the `postgres` OS user (PostgreSQL refuses root)
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pg.pid}/status`, "utf8"))?.[1];
    const expected =
      process.getuid?.() === 0
        ? execFileSync("id", ["-u", "postgres"]).toString().trim()
        : String(process.getuid?.());
    expect(uid).toBe(expected);
    expect(readFileSync(`/proc/${pg.pid}/cmdline`, "utf8")).toContain("postgres");

    const a = await createDatabase(pg.url, "tenant_a");
    const b = await createDatabase(pg.url, "tenant_b");
    expect(a).toBe(`postgres://postgres@127.0.0.1:${pg.port}/tenant_a`);
    await query(a, "CREATE TABLE machines (id text PRIMARY KEY)");
    await query(a, "INSERT INTO machines VALUES ($1)", ["m-1"]);
    expect(await query(a, "SELECT id FROM machines")).toEqual([{ id: "m-1" }]);
    // isolated: the table exists only in tenant_a
    expect(await query(b, "SELECT to_regclass('machines') AS t")).toEqual([{ t: null }]);
    await expect(createDatabase(pg.url, "bad-name; DROP")).rejects.toMatchObject({ code: "PG_BAD_DB_NAME" });

    const { port, pid, dir } = pg;
    const stopping = Date.now();
    await pg.stop();
    const stopMs = Date.now() - stopping;
    pg = undefined;
    expect(await portState(port)).toBe("closed");
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(dir)).toBe(false);
    process.stdout.write(`postgres harness: start ${startMs} ms, stop ${stopMs} ms\n`);
  });
});
