/**
 * The libvirtd of this test run: a private daemon (backend/lab/private-libvirtd.ts) with its own
 * config, sockets, pid files and state under a directory of the run, reached as
 * `qemu:///system?socket=…`. A libvirtd on the default socket is neither used nor touched.
 *
 * The run owns it: test/helpers/run-daemons.ts (jest globalSetup) names the directory in
 * FIBRIX_TEST_RUN_DIR, the first test file that needs libvirt starts the daemon (under a lock,
 * so parallel workers never start two), and globalTeardown stops it by its pid and removes the
 * directory — every domain, volume and pool the tests defined goes with it. A run killed
 * midway leaves its directory behind; the next run's globalSetup stops that daemon first.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, findPrivateLibvirtd, startPrivateLibvirtd, uriFor } from "../../backend/lab/private-libvirtd";

export interface LibvirtdHandle {
  uri: string;
  libvirtdPid: number;
}

/** The run's directory for its daemons (set by globalSetup; see run-daemons.ts). */
export function runDir(): string {
  const dir = process.env.FIBRIX_TEST_RUN_DIR;
  if (!dir)
    throw new Error(
      "FIBRIX_TEST_RUN_DIR is not set: run the tests through jest (jest.config.js globalSetup)",
    );
  return dir;
}

export function libvirtdDir(): string {
  return join(runDir(), "libvirtd");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A mkdir lock whose owner is checked, so a killed worker's lock is broken. */
async function withLock<T>(lock: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "owner"), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, "owner"), "utf8"));
      } catch {}
      if (owner > 0 && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${lock}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The run's libvirtd, started on first use; the run's teardown stops it. */
export async function acquireLibvirtd(): Promise<LibvirtdHandle> {
  const dir = libvirtdDir();
  const found = findPrivateLibvirtd(dir);
  if (found !== null) return { uri: found.uri, libvirtdPid: found.libvirtdPid };
  // Starting probes QEMU (minutes under load): other workers wait for it, they never start a second.
  return withLock(`${dir}.lock`, 15 * 60_000, async () => {
    const d = await startPrivateLibvirtd(dir, {
      onProgress: (line) => process.stderr.write(`test libvirtd: ${line}\n`),
    });
    return { uri: d.uri, libvirtdPid: d.libvirtdPid };
  });
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
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

/** Runs virsh against the run's daemon for test setup and assertions. */
export async function virshSys(args: string[]): Promise<string> {
  const r = await run("virsh", ["-c", uriFor(libvirtdDir()), ...args], 60_000);
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
      await removeDomains(prefix);
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

/** Destroys and undefines every domain whose name starts with `prefix` (teardown). */
export async function removeDomains(prefix: string): Promise<void> {
  const doms = (await virshSys(["list", "--all", "--name"])).split("\n").map((l) => l.trim());
  for (const d of doms.filter((n) => n.startsWith(prefix))) {
    await virshSys(["destroy", d]).catch(() => {});
    await virshSys(["undefine", "--nvram", d]).catch(() => virshSys(["undefine", d]).catch(() => {}));
  }
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
