/**
 * A throw-away real PostgreSQL for tests (Debian's `postgresql` package): its own temp dir,
 * TCP on 127.0.0.1 only at a free port, unix socket inside the temp dir, trust auth, and
 * durability off (fsync, synchronous_commit, full_page_writes) because the data dies with
 * the test anyway.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` OS user through
 * `runuser -u postgres --` (the temp dir is chowned to it). `runuser` forks, so the server's
 * PID is read from `postmaster.pid`; stop() sends that PID SIGINT (fast shutdown), waits for
 * it to go, and removes the directory. A process `exit` hook is the safety net for a test
 * run that dies before its afterAll.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chown, mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { own } from "./run-dirs";

const run = promisify(execFile);

export interface PostgresInstance {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  /** The postmaster's PID (not runuser's). */
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export class PostgresHarnessError extends Error {
  constructor(
    readonly code: "PG_NOT_INSTALLED" | "PG_INITDB_FAILED" | "PG_START_FAILED" | "PG_BAD_DB_NAME",
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "PostgresHarnessError";
  }
}

const PG_ROOT = "/usr/lib/postgresql";
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

/** The newest `/usr/lib/postgresql/<version>/bin` that has initdb and postgres. */
export function findPgBin(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(PG_ROOT, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return bin;
  }
  throw new PostgresHarnessError(
    "PG_NOT_INSTALLED",
    `no ${PG_ROOT}/<version>/bin/{initdb,postgres}: install postgresql`,
  );
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new PostgresHarnessError("PG_NOT_INSTALLED", "running as root but there is no `postgres` OS user");
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** The command line, run as `postgres` when we are root. */
function asPostgres(argv: string[]): [string, string[]] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0] ?? "", argv.slice(1)];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/** postmaster.pid: line 1 is the PID, line 8 the status, "ready" once it accepts connections. */
async function readyPid(dataDir: string): Promise<number | undefined> {
  try {
    const lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
    return lines[7]?.trim() === "ready" ? Number(lines[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function startOnce(
  bin: string,
  dir: string,
  dataDir: string,
  port: number,
): Promise<{ pid: number; child: ChildProcess } | "port-taken"> {
  const logPath = join(dir, `postgres-${port}.log`);
  const logFd = openSync(logPath, "a");
  const [cmd, args] = asPostgres([
    join(bin, "postgres"),
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    // a shared 2-core box: keep the footprint small
    "-c",
    "shared_buffers=32MB",
    "-c",
    "max_connections=50",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const pid = await readyPid(dataDir);
    if (pid) return { pid, child };
    if (exited) {
      const tail = logTail(logPath);
      if (/could not bind|Address already in use/i.test(tail)) return "port-taken";
      throw new PostgresHarnessError("PG_START_FAILED", `postgres exited during start-up:\n${tail}`);
    }
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new PostgresHarnessError(
    "PG_START_FAILED",
    `postgres not ready after ${START_TIMEOUT_MS} ms:\n${logTail(logPath)}`,
    true,
  );
}

export async function startPostgres(): Promise<PostgresInstance> {
  const bin = findPgBin();
  const dir = await mkdtemp(join(tmpdir(), "fibrix-pg-"));
  const dataDir = join(dir, "data");
  let started: { pid: number; child: ChildProcess } | undefined;
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresUser();
      await chown(dir, uid, gid);
    }
    const [initCmd, initArgs] = asPostgres([
      join(bin, "initdb"),
      "-D",
      dataDir,
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions",
    ]);
    await run(initCmd, initArgs, { timeout: 60_000 }).catch((err: unknown) => {
      const stderr = typeof err === "object" && err && "stderr" in err ? String(err.stderr) : String(err);
      throw new PostgresHarnessError("PG_INITDB_FAILED", `initdb failed: ${stderr}`);
    });

    let port = 0;
    for (let attempt = 0; attempt < PORT_ATTEMPTS && !started; attempt++) {
      // another process may grab the port between our probe and postgres's bind: try again
      port = await freePort();
      const result = await startOnce(bin, dir, dataDir, port);
      if (result !== "port-taken") {
        started = result;
        own("pid", result.pid);
      }
    }
    if (!started) {
      throw new PostgresHarnessError("PG_START_FAILED", `no free port after ${PORT_ATTEMPTS} attempts`, true);
    }
    const { pid, child } = started;

    const onExit = (): void => {
      // last resort when the test process dies without stop(): immediate shutdown
      if (alive(pid)) process.kill(pid, "SIGQUIT");
      rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", onExit);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        process.off("exit", onExit);
        const childGone =
          child.exitCode !== null || child.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((r) => child.once("exit", () => r()));
        if (alive(pid)) process.kill(pid, "SIGINT"); // fast shutdown
        const deadline = Date.now() + STOP_TIMEOUT_MS;
        while (alive(pid) && Date.now() < deadline) await sleep(25);
        if (alive(pid)) process.kill(pid, "SIGKILL");
        // runuser (or, as non-root, postgres itself) follows once the postmaster has gone
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([childGone, new Promise((r) => (timer = setTimeout(r, STOP_TIMEOUT_MS)))]);
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    };

    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, pid, dir, stop };
  } catch (err) {
    if (started && alive(started.pid)) process.kill(started.pid, "SIGQUIT");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Creates an empty database on the server behind `url` and returns its URL (per-test isolation). */
export async function createDatabase(url: string, name: string): Promise<string> {
  // an identifier we can quote safely without escaping rules
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new PostgresHarnessError(
      "PG_BAD_DB_NAME",
      `database name "${name}" must match [a-z_][a-z0-9_]{0,62}`,
    );
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
