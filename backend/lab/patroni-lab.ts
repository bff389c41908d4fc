/**
 * The HA store on loopback, for tests and trials: a 3-member etcd (quorum) and a 3-node
 * Patroni cluster of Debian's PostgreSQL 15, every port on 127.0.0.1. Patroni keeps one
 * primary and streaming replicas, and promotes a replica when the primary goes (ttl 10 s,
 * loop_wait 1 s, so a failover takes seconds). `synchronous_mode` makes every commit wait
 * for one standby, so a failover never loses an acknowledged write.
 *
 * Recipe: /work/shared/peers.md "PostgreSQL HA with Patroni + etcd". Debian's Patroni 3.0
 * speaks etcd's v2 API through python3-etcd (`--enable-v2`); PostgreSQL refuses to run as
 * root, so Patroni runs as the `postgres` OS user (spawned with its uid/gid: no `runuser` in
 * between, so the pid we hold is Patroni's own and stop() ends exactly what start() began).
 * Data directories are the postgres user's, mode 700. Authentication is trust on 127.0.0.1
 * only: a lab, not a production configuration.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
const ETCD = "/usr/bin/etcd";
const PATRONI = "/usr/bin/patroni";
/** Debian's interpreter: a python3 earlier on PATH may lack the etcd module. */
const PYTHON = "/usr/bin/python3";
export const SCOPE = "fibrix-ha";

export interface LabMember {
  name: string;
  /** PostgreSQL port on 127.0.0.1. */
  pgPort: number;
  /** Patroni REST API port on 127.0.0.1 (`GET /patroni` shows the role). */
  restPort: number;
  dataDir: string;
  pid: number;
}

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  pid: number;
}

/** What a started lab is: written to DIR/lab.json so `ha-lab.sh stop DIR` finds it. */
export interface LabState {
  dir: string;
  etcd: EtcdMember[];
  nodes: LabMember[];
  /** postgres://postgres@127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/postgres?target_session_attrs=read-write */
  url: string;
}

export interface PatroniRole {
  name: string;
  role: "master" | "primary" | "replica" | string;
  state: string;
}

export interface LabOptions {
  /** Parent of the lab's directory (default the OS temp dir). */
  parent?: string;
  /** Called with the pid of every process the lab starts (tests record them with `own`). */
  onProcess?: (pid: number) => void;
  /** How long to wait for a leader and streaming replicas (default 180 s: bootstrap ≈ 15 s a node). */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
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

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("no `postgres` OS user: install postgresql");
  return { uid: Number(uid), gid: Number(gid) };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The multi-host connection string (libpq syntax) of the lab's nodes. */
export function labUrl(nodes: Pick<LabMember, "pgPort">[]): string {
  const hosts = nodes.map((n) => `127.0.0.1:${n.pgPort}`).join(",");
  return `postgres://postgres:lab@${hosts}/postgres?target_session_attrs=read-write`;
}

function patroniYaml(dir: string, node: LabMember, etcd: EtcdMember[]): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify(
    {
      scope: SCOPE,
      name: node.name,
      log: { level: "WARNING", dir: join(dir, node.name, "log") },
      restapi: { listen: `127.0.0.1:${node.restPort}`, connect_address: `127.0.0.1:${node.restPort}` },
      etcd: { hosts: etcd.map((e) => `127.0.0.1:${e.clientPort}`).join(",") },
      bootstrap: {
        dcs: {
          ttl: 10,
          loop_wait: 1,
          retry_timeout: 4,
          maximum_lag_on_failover: 1048576,
          synchronous_mode: true,
          postgresql: {
            use_pg_rewind: true,
            parameters: {
              max_connections: 60,
              wal_level: "replica",
              hot_standby: "on",
              wal_log_hints: "on",
              max_wal_senders: 10,
              max_replication_slots: 10,
              shared_buffers: "32MB",
            },
          },
        },
        initdb: [{ encoding: "UTF8" }, { locale: "C" }],
        pg_hba: [
          "local all all trust",
          "host replication all 127.0.0.1/32 trust",
          "host all all 127.0.0.1/32 trust",
        ],
      },
      postgresql: {
        listen: `127.0.0.1:${node.pgPort}`,
        connect_address: `127.0.0.1:${node.pgPort}`,
        data_dir: node.dataDir,
        bin_dir: PG_BIN,
        pgpass: join(dir, node.name, "pgpass"),
        authentication: {
          superuser: { username: "postgres", password: "lab" },
          replication: { username: "replicator", password: "lab" },
          rewind: { username: "postgres", password: "lab" },
        },
        parameters: { unix_socket_directories: join(dir, node.name) },
      },
    },
    null,
    2,
  );
}

function spawnLogged(
  cmd: string,
  args: string[],
  logFile: string,
  extra: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const fd = openSync(logFile, "a");
  // detached: its own process group, so a Ctrl-C of the script or jest does not hit it first
  // (stop() orders the shutdown: Patroni, then etcd).
  const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], detached: true, ...extra });
  child.unref();
  return child;
}

async function getJson(url: string, timeoutMs = 2000): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  // Patroni answers /patroni with 503 on a replica that is not running; the body is still the status.
  return res.json();
}

/** A node's role as its Patroni REST API reports it, or undefined when it does not answer. */
export async function roleOf(node: Pick<LabMember, "name" | "restPort">): Promise<PatroniRole | undefined> {
  try {
    const s = (await getJson(`http://127.0.0.1:${node.restPort}/patroni`)) as {
      role?: string;
      state?: string;
    };
    return { name: node.name, role: s.role ?? "unknown", state: s.state ?? "unknown" };
  } catch {
    return undefined;
  }
}

const isPrimaryRole = (r: PatroniRole | undefined) => r?.role === "master" || r?.role === "primary";

/** The node whose Patroni says it is the running primary. */
export async function leaderOf(nodes: LabMember[]): Promise<LabMember | undefined> {
  const roles = await Promise.all(nodes.map(roleOf));
  return nodes.find((_, i) => isPrimaryRole(roles[i]) && roles[i]?.state === "running");
}

/** The postmaster's pid of a node (postmaster.pid line 1), or undefined when it is not running. */
export function postmasterPid(node: Pick<LabMember, "dataDir">): number | undefined {
  try {
    const pid = Number(readFileSync(join(node.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until one node is the running primary and every other streams from it
 * (the primary's pg_stat_replication, through Patroni's `GET /cluster`).
 */
export async function waitHealthy(state: LabState, timeoutMs: number): Promise<LabMember> {
  const end = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < end) {
    const leader = await leaderOf(state.nodes);
    if (leader) {
      try {
        const c = (await getJson(`http://127.0.0.1:${leader.restPort}/cluster`)) as {
          members?: { name: string; role: string; state: string }[];
        };
        const members = c.members ?? [];
        last = JSON.stringify(members);
        const streaming = members.filter(
          (m) =>
            m.name !== leader.name &&
            (m.state === "streaming" || m.state === "running") &&
            /replica|standby/.test(m.role),
        );
        if (streaming.length === state.nodes.length - 1) return leader;
      } catch (e) {
        last = String(e);
      }
    }
    for (const p of [...state.etcd, ...state.nodes]) {
      if (!alive(p.pid)) throw new Error(`${p.name} (pid ${p.pid}) exited; see ${state.dir}/${p.name}.log`);
    }
    await sleep(500);
  }
  throw new Error(`no primary with streaming replicas after ${timeoutMs} ms; last cluster view: ${last}`);
}

export async function startLab(opts: LabOptions = {}): Promise<LabState> {
  const log = opts.log ?? (() => undefined);
  const { uid, gid } = postgresIds();
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), "fibrix-ha-lab-"));
  // The postgres user must reach its own directories inside.
  chmodSync(dir, 0o755);
  const ports: number[] = [];
  while (ports.length < 12) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const state: LabState = { dir, etcd: [], nodes: [], url: "" };
  const record = (pid: number | undefined) => {
    if (pid === undefined) throw new Error("a lab process did not start");
    opts.onProcess?.(pid);
    return pid;
  };
  const save = () => writeFileSync(join(dir, "lab.json"), JSON.stringify(state, null, 2));
  try {
    const etcdDefs = [0, 1, 2].map((i) => ({
      name: `etcd${i + 1}`,
      clientPort: ports[i]!,
      peerPort: ports[3 + i]!,
    }));
    const cluster = etcdDefs.map((e) => `${e.name}=http://127.0.0.1:${e.peerPort}`).join(",");
    for (const e of etcdDefs) {
      const dataDir = join(dir, e.name);
      mkdirSync(dataDir, { mode: 0o700 });
      const child = spawnLogged(
        ETCD,
        [
          "--name",
          e.name,
          "--data-dir",
          dataDir,
          "--enable-v2=true",
          "--listen-client-urls",
          `http://127.0.0.1:${e.clientPort}`,
          "--advertise-client-urls",
          `http://127.0.0.1:${e.clientPort}`,
          "--listen-peer-urls",
          `http://127.0.0.1:${e.peerPort}`,
          "--initial-advertise-peer-urls",
          `http://127.0.0.1:${e.peerPort}`,
          "--initial-cluster",
          cluster,
          "--initial-cluster-token",
          `fibrix-${process.pid}`,
          "--initial-cluster-state",
          "new",
          "--listen-metrics-urls",
          "",
        ],
        join(dir, `${e.name}.log`),
      );
      state.etcd.push({ ...e, pid: record(child.pid) });
    }
    save();
    // Quorum: every member answers /health with "true".
    const etcdEnd = Date.now() + 30_000;
    for (const e of state.etcd) {
      for (;;) {
        try {
          const h = (await getJson(`http://127.0.0.1:${e.clientPort}/health`)) as { health?: string };
          if (h.health === "true") break;
        } catch {
          /* not up yet */
        }
        if (!alive(e.pid)) throw new Error(`${e.name} exited; see ${dir}/${e.name}.log`);
        if (Date.now() > etcdEnd) throw new Error(`etcd member ${e.name} not healthy after 30 s`);
        await sleep(200);
      }
    }
    log(`etcd: 3 members healthy on 127.0.0.1:${state.etcd.map((e) => e.clientPort).join(",")}`);

    for (let i = 0; i < 3; i++) {
      const name = `pg${i + 1}`;
      const home = join(dir, name);
      mkdirSync(join(home, "log"), { recursive: true, mode: 0o700 });
      const node: LabMember = {
        name,
        pgPort: ports[6 + i]!,
        restPort: ports[9 + i]!,
        dataDir: join(home, "data"),
        pid: 0,
      };
      const yml = join(home, "patroni.yml");
      writeFileSync(yml, patroniYaml(dir, node, state.etcd), { mode: 0o600 });
      for (const p of [home, join(home, "log"), yml]) chownSync(p, uid, gid);
      chmodSync(home, 0o700);
      const logFile = join(dir, `${name}.log`);
      writeFileSync(logFile, "");
      chownSync(logFile, uid, gid);
      const child = spawnLogged(PYTHON, [PATRONI, yml], logFile, {
        uid,
        gid,
        env: { PATH: "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8" },
      });
      node.pid = record(child.pid);
      state.nodes.push(node);
      save();
      // The first node bootstraps alone (initdb) before the others clone it: less load at once.
      if (i === 0) await waitLeader(state, opts.readyTimeoutMs ?? 180_000);
    }
    state.url = labUrl(state.nodes);
    save();
    const leader = await waitHealthy(state, opts.readyTimeoutMs ?? 180_000);
    log(`patroni: ${leader.name} is primary, 2 replicas streaming`);
    return state;
  } catch (e) {
    await stopLab(state);
    throw e;
  }
}

async function waitLeader(state: LabState, timeoutMs: number): Promise<LabMember> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const leader = await leaderOf(state.nodes);
    if (leader) return leader;
    for (const n of state.nodes) {
      if (!alive(n.pid)) throw new Error(`${n.name} exited; see ${state.dir}/${n.name}.log`);
    }
    await sleep(500);
  }
  throw new Error(`no Patroni leader after ${timeoutMs} ms; see ${state.dir}/pg*.log`);
}

async function stopPids(pids: number[], timeoutMs: number): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  const end = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < end) await sleep(100);
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
}

/** The pid still runs the program it ran when the lab started it (not a recycled pid). */
function runs(pid: number, program: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(program);
  } catch {
    return false;
  }
}

/**
 * Stops what startLab started, by pid: Patroni first (it shuts its PostgreSQL down), then any
 * postmaster Patroni left (a node killed under it), then etcd; removes the directory.
 */
export async function stopLab(state: LabState, opts: { keep?: boolean } = {}): Promise<void> {
  const patronis = state.nodes.map((n) => n.pid).filter((pid) => pid > 0 && runs(pid, PATRONI));
  await stopPids(patronis, 30_000);
  const postmasters = state.nodes.map(postmasterPid).filter((pid): pid is number => pid !== undefined);
  await stopPids(postmasters, 15_000);
  // etcd members stopping together wait on a leadership transfer (≈ 10 s); their data is
  // throw-away, so the wait is bounded short.
  await stopPids(
    state.etcd.map((e) => e.pid).filter((pid) => runs(pid, ETCD)),
    3_000,
  );
  if (!opts.keep) rmSync(state.dir, { recursive: true, force: true });
}

export function readLabState(dir: string): LabState {
  return JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as LabState;
}
