/**
 * A real libvirtd for integration tests (see /work/shared/peers.md, libvirt).
 *
 * If `virsh -c qemu:///system version` already answers, it is reused and never stopped.
 * Otherwise (as root, no systemd) we start `virtlogd -d` and `libvirtd -d` ourselves, wait
 * until libvirtd answers, and stop exactly those PIDs afterwards.
 *
 * Jest runs test files in parallel workers, and several files may want the daemon at once.
 * A small registry under /tmp (a mkdir lock, one file per user process, a file naming the
 * PIDs the helper started) makes the last user out stop what the helper started, and only
 * that; users whose process died are ignored.
 */
import { execFile } from "node:child_process";
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SYSTEM_URI = "qemu:///system";

const STATE_DIR = "/tmp/fibrix-test-libvirtd";
const LOCK_DIR = join(STATE_DIR, "lock");
const USERS_DIR = join(STATE_DIR, "users");
const STARTED_FILE = join(STATE_DIR, "started.json");

export interface LibvirtdHandle {
  uri: string;
  /** PIDs this helper started (empty when an existing daemon was reused). */
  startedPids: number[];
  release(): Promise<void>;
}

function run(
  cmd: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8" },
      (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }),
    );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(STATE_DIR, { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, "owner"), String(process.pid));
      break;
    } catch {
      // A lock left by a dead process (killed worker) is broken after a check of its owner.
      try {
        const owner = Number(readFileSync(join(LOCK_DIR, "owner"), "utf8"));
        if (owner > 0 && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      } catch {
        // Owner file not written yet, or already gone: just wait.
        try {
          if (Date.now() - statSync(LOCK_DIR).mtimeMs > 60_000)
            rmSync(LOCK_DIR, { recursive: true, force: true });
        } catch {}
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for the libvirtd helper lock");
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

async function answers(): Promise<boolean> {
  return (await run("virsh", ["-c", SYSTEM_URI, "version"], 10_000)).ok;
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function liveUsers(): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(USERS_DIR);
  } catch {}
  const live: number[] = [];
  for (const n of names) {
    const pid = Number(n);
    if (alive(pid)) live.push(pid);
    else rmSync(join(USERS_DIR, n), { force: true });
  }
  return live;
}

function readStarted(): number[] {
  try {
    return (JSON.parse(readFileSync(STARTED_FILE, "utf8")) as number[]).filter((p) => alive(p));
  } catch {
    return [];
  }
}

async function startDaemons(): Promise<number[]> {
  for (const d of [
    "/run/libvirt",
    "/var/log/libvirt/qemu",
    "/var/lib/libvirt/qemu",
    "/var/cache/libvirt/qemu",
  ]) {
    mkdirSync(d, { recursive: true });
  }
  const started: number[] = [];
  const logdPid = readPid("/run/virtlogd.pid");
  if (logdPid === null || !alive(logdPid)) {
    const r = await run("virtlogd", ["-d"]);
    if (!r.ok) throw new Error(`virtlogd -d failed: ${r.stderr}`);
    const pid = readPid("/run/virtlogd.pid");
    if (pid !== null) started.push(pid);
  }
  const r = await run("libvirtd", ["-d"]);
  if (!r.ok) throw new Error(`libvirtd -d failed: ${r.stderr}`);
  const deadline = Date.now() + 30_000;
  while (!(await answers())) {
    if (Date.now() > deadline) throw new Error("libvirtd did not answer within 30 s");
    await sleep(200);
  }
  const pid = readPid("/run/libvirtd.pid");
  if (pid !== null) started.push(pid);
  return started;
}

async function stopPids(pids: readonly number[]): Promise<void> {
  // libvirtd first (it talks to virtlogd), then virtlogd: reverse start order.
  for (const pid of [...pids].reverse()) {
    if (!alive(pid)) continue;
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}

/** Makes sure a system libvirtd answers; call `release()` in afterAll. */
export async function acquireLibvirtd(): Promise<LibvirtdHandle> {
  return withLock(async () => {
    mkdirSync(USERS_DIR, { recursive: true });
    let startedPids = readStarted();
    if (!(await answers())) {
      startedPids = [...startedPids, ...(await startDaemons())];
      writeFileSync(STARTED_FILE, JSON.stringify(startedPids));
    }
    writeFileSync(join(USERS_DIR, String(process.pid)), "");
    let released = false;
    return {
      uri: SYSTEM_URI,
      startedPids,
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return withLock(async () => {
          try {
            unlinkSync(join(USERS_DIR, String(process.pid)));
          } catch {}
          if (liveUsers().length > 0) return;
          const pids = readStarted();
          await stopPids(pids);
          rmSync(STARTED_FILE, { force: true });
          try {
            rmdirSync(USERS_DIR);
          } catch {}
        });
      },
    };
  });
}

/** Runs virsh against the system daemon for test setup and assertions. */
export async function virshSys(args: string[]): Promise<string> {
  const r = await run("virsh", ["-c", SYSTEM_URI, ...args], 60_000);
  if (!r.ok) throw new Error(`virsh ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface TestPool {
  name: string;
  dir: string;
  /** Removes every domain named with `prefix`, every volume, the pool and its directory. */
  remove(): Promise<void>;
}

/** A `dir` storage pool of the test's own, under a temp dir. */
export async function createTestPool(prefix: string): Promise<TestPool> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}pool-`));
  // qemu runs as libvirt-qemu: it must be able to reach the volumes.
  chmodSync(dir, 0o755);
  const name = `${prefix}pool`;
  await virshSys(["pool-define-as", name, "dir", "--target", dir]);
  await virshSys(["pool-start", name]);
  return {
    name,
    dir,
    remove: async () => {
      const doms = (await virshSys(["list", "--all", "--name"])).split("\n").map((l) => l.trim());
      for (const d of doms.filter((n) => n.startsWith(prefix))) {
        await virshSys(["destroy", d]).catch(() => {});
        await virshSys(["undefine", d]).catch(() => {});
      }
      const vols = await virshSys(["vol-list", "--pool", name]).catch(() => "");
      for (const line of vols.split("\n").slice(2)) {
        const v = line.trim().split(/\s+/)[0];
        if (v) await virshSys(["vol-delete", "--pool", name, "--vol", v]).catch(() => {});
      }
      await virshSys(["pool-destroy", name]).catch(() => {});
      await virshSys(["pool-undefine", name]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Names of all domains, and of all volumes in `pool`, that start with `prefix`. */
export async function leftovers(prefix: string, pool: string): Promise<string[]> {
  const doms = (await virshSys(["list", "--all", "--name"])).split("\n").map((l) => l.trim());
  await virshSys(["pool-refresh", pool]);
  const vols = (await virshSys(["vol-list", "--pool", pool]))
    .split("\n")
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0] ?? "");
  return [...doms, ...vols].filter((n) => n.length > 0 && n.startsWith(prefix));
}
