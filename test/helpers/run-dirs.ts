/**
 * One directory per test run for the daemons the run owns (today: its libvirtd), named in
 * FIBRIX_TEST_RUN_DIR for the jest workers. The owner file holds the jest process's pid and
 * start time, so a directory left by a run that was killed is told from one in use (and a
 * recycled pid is not mistaken for its owner).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

export async function removeRun(dir: string): Promise<void> {
  await removePrivateLibvirtd(join(dir, "libvirtd"));
  rmSync(dir, { recursive: true, force: true });
}
