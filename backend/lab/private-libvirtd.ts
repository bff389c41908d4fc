/**
 * A private libvirtd (+ virtlogd) for the lab and the tests: its own configuration, sockets,
 * pid files, state, cache and logs under one directory, reached as
 * `qemu:///system?socket=DIR/run/libvirt-sock`. A libvirtd already running on the default
 * socket is neither seen nor touched.
 *
 * How: the daemons run in a mount namespace of their own (`unshare --mount`, private
 * propagation) where DIR's subdirectories are bind-mounted over /etc/libvirt, /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt. libvirt's privileged QEMU driver
 * has those paths compiled in, so this is the one way to give a root daemon state of its own;
 * the QEMU processes it starts inherit the namespace, and it dies with its last process.
 *
 * Why /dev/kvm is hidden (bind-mounted over by an empty file) where it is unusable: on a
 * machine whose /dev/kvm opens but whose CPU has no vmx/svm, libvirt logs "KVM was enabled
 * when probing …, but it is not available now" on every connection, drops its capabilities
 * cache and re-probes QEMU: 4 s per `virsh` call idle, 12–24 s under load (measured). Hidden,
 * the first call probes once and later calls take ~0.01 s. Lab and test domains are
 * `type='qemu'` (TCG), so nothing is lost. `namespaces = [ ]` in qemu.conf: with its own
 * per-domain /dev, libvirt would try to move the bind mount on /dev/kvm and fail ("Unable to
 * move … mount to /dev/kvm").
 *
 * The first start probes QEMU's capabilities, which takes seconds idle and minutes under load:
 * readiness is one patient probe at a time until a long deadline, never "no answer, so no
 * daemon". A daemon whose pid lives is never started twice.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The paths libvirt's privileged daemons use, each replaced by a directory of ours. */
const OVERLAYS = [
  ["etc", "/etc/libvirt"],
  ["run", "/run/libvirt"],
  ["lib", "/var/lib/libvirt"],
  ["cache", "/var/cache/libvirt"],
  ["log", "/var/log/libvirt"],
] as const;

export interface PrivateLibvirtd {
  dir: string;
  uri: string;
  libvirtdPid: number;
  virtlogdPid: number;
}

export interface StartOptions {
  /** Bound on the wait for the first answer (QEMU probing). Default 10 minutes. */
  readyTimeoutMs?: number;
  /** Hide /dev/kvm from the daemon: "auto" hides it when the CPU has no vmx/svm. */
  hideKvm?: boolean | "auto";
  /** Progress lines while waiting ("waiting for libvirtd: …"). */
  onProgress?: (line: string) => void;
  /**
   * Run the daemons inside this network namespace (`ip netns exec NS`), so the taps QEMU opens
   * for its domains live there: a virtual VM host of its own on one machine. The socket is a
   * path, reachable from every namespace.
   */
  netns?: string;
}

export class PrivateLibvirtdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrivateLibvirtdError";
  }
}

export function socketPath(dir: string): string {
  return join(dir, "run", "libvirt-sock");
}

export function uriFor(dir: string): string {
  return `qemu:///system?socket=${socketPath(dir)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Alive and not a zombie (a daemon reparented to a pid 1 that does not reap stays one). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid in `file` if it is alive and its command line is `name` (not a recycled pid). */
function livePid(file: string, name: string): number | null {
  const pid = readPid(file);
  if (pid === null || !alive(pid)) return null;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return argv0.endsWith(name) ? pid : null;
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ ok: !err, out: err ? `${stderr || (err as Error).message}`.trim() : stdout }),
    );
  });
}

/** /dev/kvm exists but cannot run guests (no vmx/svm): the case that makes libvirt re-probe. */
export function kvmUnusable(): boolean {
  if (!existsSync("/dev/kvm")) return false;
  try {
    return !/^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return true;
  }
}

/** The daemon running in `dir`, if both its processes live. */
export function findPrivateLibvirtd(dir: string): PrivateLibvirtd | null {
  const libvirtdPid = livePid(join(dir, "libvirtd.pid"), "libvirtd");
  const virtlogdPid = livePid(join(dir, "virtlogd.pid"), "virtlogd");
  if (libvirtdPid === null || virtlogdPid === null) return null;
  return { dir, uri: uriFor(dir), libvirtdPid, virtlogdPid };
}

function writeConfig(dir: string): void {
  for (const [sub] of OVERLAYS) mkdirSync(join(dir, sub), { recursive: true });
  const log = join(dir, "log");
  // Errors and warnings only, to a file we can quote when the daemon fails.
  writeFileSync(join(dir, "etc", "libvirtd.conf"), `log_outputs = "3:file:${log}/libvirtd.log"\n`);
  writeFileSync(join(dir, "etc", "virtlogd.conf"), `log_outputs = "3:file:${log}/virtlogd.log"\n`);
  writeFileSync(join(dir, "etc", "qemu.conf"), 'namespaces = [ ]\nsecurity_driver = "none"\n');
  writeFileSync(join(dir, "kvm"), "");
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, "log", "libvirtd.log"), "utf8")
      .trim()
      .split("\n")
      .slice(-5)
      .join("\n");
  } catch {
    return "(no libvirtd log)";
  }
}

/**
 * Starts virtlogd and libvirtd for `dir` (reusing them if they already run there) and waits
 * until libvirtd answers on its socket.
 */
export async function startPrivateLibvirtd(dir: string, opts: StartOptions = {}): Promise<PrivateLibvirtd> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 600_000;
  const say = opts.onProgress ?? (() => {});
  let daemon = findPrivateLibvirtd(dir);
  if (daemon === null) {
    if (livePid(join(dir, "libvirtd.pid"), "libvirtd") !== null) {
      throw new PrivateLibvirtdError(`libvirtd of ${dir} runs without its virtlogd: stop it first`);
    }
    writeConfig(dir);
    // Mount points must exist on the host (the libvirt packages own them).
    for (const [, target] of OVERLAYS) mkdirSync(target, { recursive: true });
    const hide = opts.hideKvm === "auto" || opts.hideKvm === undefined ? kvmUnusable() : opts.hideKvm;
    const mounts = OVERLAYS.map(([sub, target]) => `mount --bind "$1/${sub}" ${target}`);
    if (hide) mounts.unshift('mount --bind "$1/kvm" /dev/kvm');
    const script = [
      "set -e",
      ...mounts,
      'virtlogd -d -p "$1/virtlogd.pid" -f "$1/etc/virtlogd.conf"',
      'exec libvirtd -d -p "$1/libvirtd.pid" -f "$1/etc/libvirtd.conf"',
    ].join("\n");
    await new Promise<void>((resolve, reject) => {
      const argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", dir];
      const [cmd, ...args] = opts.netns ? ["ip", "netns", "exec", opts.netns, ...argv] : argv;
      const child = spawn(cmd!, args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", (e) => reject(new PrivateLibvirtdError(`cannot run unshare: ${e.message}`)));
      child.on("exit", (code) =>
        code === 0
          ? resolve()
          : reject(
              new PrivateLibvirtdError(`starting libvirtd in ${dir} failed (exit ${code}): ${stderr.trim()}`),
            ),
      );
    });
    daemon = findPrivateLibvirtd(dir);
    if (daemon === null)
      throw new PrivateLibvirtdError(`libvirtd of ${dir} exited at start: ${logTail(dir)}`);
  }
  const started = Date.now();
  const deadline = started + readyTimeoutMs;
  say(
    `waiting for libvirtd (pid ${daemon.libvirtdPid}) to answer on ${socketPath(dir)}: the first start probes QEMU's capabilities`,
  );
  for (let attempt = 1; ; attempt++) {
    if (!alive(daemon.libvirtdPid)) {
      throw new PrivateLibvirtdError(`libvirtd of ${dir} died while starting: ${logTail(dir)}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new PrivateLibvirtdError(
        `libvirtd of ${dir} did not answer within ${Math.round(readyTimeoutMs / 1000)} s: ${logTail(dir)}`,
      );
    }
    // One patient probe: a slow answer is a daemon busy probing QEMU, not a missing one.
    if (existsSync(socketPath(dir)) && (await run("virsh", ["-c", daemon.uri, "version"], left)).ok) break;
    if (attempt % 50 === 0)
      say(`still waiting for libvirtd after ${Math.round((Date.now() - started) / 1000)} s`);
    await sleep(200);
  }
  return daemon;
}

async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * Stops what runs in `dir`: every domain (so no QEMU outlives its daemon), libvirtd, then
 * virtlogd, each by its own pid; then QEMU processes left by a daemon that died earlier (their
 * pid files are in DIR/run/qemu). Idempotent.
 */
export async function stopPrivateLibvirtd(dir: string): Promise<void> {
  const daemon = findPrivateLibvirtd(dir);
  const libvirtdPid = livePid(join(dir, "libvirtd.pid"), "libvirtd");
  if (daemon !== null) {
    const names = await run("virsh", ["-c", daemon.uri, "list", "--name"], 60_000);
    for (const name of names.ok ? names.out.split("\n").map((l) => l.trim()) : []) {
      if (name) await run("virsh", ["-c", daemon.uri, "destroy", name], 60_000);
    }
  }
  if (libvirtdPid !== null) await stopPid(libvirtdPid, 15_000);
  const virtlogdPid = livePid(join(dir, "virtlogd.pid"), "virtlogd");
  if (virtlogdPid !== null) await stopPid(virtlogdPid, 5_000);
  const qemuRun = join(dir, "run", "qemu");
  for (const f of existsSync(qemuRun) ? readdirSync(qemuRun).filter((n) => n.endsWith(".pid")) : []) {
    const pid = livePid(join(qemuRun, f), "qemu-system-x86_64");
    if (pid !== null) await stopPid(pid, 5_000);
  }
}

/** Stops the daemon of `dir` and removes the directory with everything it defined. */
export async function removePrivateLibvirtd(dir: string): Promise<void> {
  await stopPrivateLibvirtd(dir);
  rmSync(dir, { recursive: true, force: true });
}
