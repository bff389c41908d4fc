/**
 * One directory per test run for what the run owns, named in FIBRIX_TEST_RUN_DIR for the jest
 * workers: its libvirtd, and a record of every process and network namespace a test started
 * (`own`). Tests stop what they start in their teardown; the record is for a run that was
 * killed before its teardown: the next run's globalSetup stops what it left (each pid checked
 * against the command line it had, each namespace emptied of its processes and deleted).
 * The owner file holds the jest process's pid and start time, so a directory left by a killed
 * run is told from one in use (and a recycled pid is not mistaken for its owner).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removePrivateLibvirtd } from "../../backend/lab/private-libvirtd";

const PREFIX = "fibrix-test-run-";

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function ownerAlive(dir: string): boolean {
  try {
    const [pid, start] = readFileSync(join(dir, "owner"), "utf8").trim().split(" ");
    return start !== undefined && startTime(Number(pid)) === start;
  } catch {
    return false;
  }
}

/** Stops and removes what runs killed before their teardown left behind. */
export async function reapStaleRuns(): Promise<string[]> {
  const reaped: string[] = [];
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    if (ownerAlive(dir)) continue;
    await removeRun(dir);
    reaped.push(dir);
  }
  return reaped;
}

export function createRun(): string {
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, "owner"), `${process.pid} ${startTime(process.pid)}`);
  return dir;
}

function cmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return null;
  }
}

/** Records a process or a network namespace of this run, for the reaper of a killed run. */
export function own(kind: "pid" | "netns", id: number | string): void {
  const dir = process.env.FIBRIX_TEST_RUN_DIR;
  if (!dir || id === undefined) return;
  mkdirSync(join(dir, kind), { recursive: true });
  writeFileSync(join(dir, kind, String(id)), kind === "pid" ? (cmdline(Number(id)) ?? "") : "");
}

function listed(dir: string, kind: string): string[] {
  try {
    return readdirSync(join(dir, kind));
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** Stops the processes and namespaces a run recorded, and its libvirtd; removes its directory. */
export async function removeRun(dir: string): Promise<void> {
  for (const name of listed(dir, "pid")) {
    const pid = Number(name);
    const was = readFileSync(join(dir, "pid", name), "utf8");
    if (was !== "" && cmdline(pid) === was) kill(pid);
  }
  for (const ns of listed(dir, "netns")) {
    try {
      // `ip netns pids` lists every process inside: QEMU, dnsmasq, relays.
      for (const pid of execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split(/\s+/)) {
        if (pid) kill(Number(pid));
      }
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      /* already deleted by its test */
    }
  }
  await removePrivateLibvirtd(join(dir, "libvirtd"));
  rmSync(dir, { recursive: true, force: true });
}
