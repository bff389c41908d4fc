/**
 * backup.create (payload { vmId, backupId, host, vmName, image }): a point-in-time copy of the
 * VM's disk (backend/libvirt/disk-backup.ts: a libvirt backup job when it runs, a converted
 * copy when it is shut off) as a temporary volume on its host, streamed to this rack's backup
 * store and compressed there into `BACKUP_DIR/<backupId>/disk.qcow2` (qemu-img convert -c: a
 * self-contained qcow2, no backing image), with `manifest.json` beside it (sha256, sizes,
 * source VM, image, created time). Progress: `<phase> done/total bytes` (sdk/byte-progress.ts)
 * per phase (copy, download, compress), at most once a second. The temporary volume and the
 * partial download are removed whatever happens; a retry starts over.
 * Result: the manifest's figures + elapsedMs and throughputMiBps (the disk's virtual bytes per second).
 *
 * backup.delete (payload { backupId }): removes `BACKUP_DIR/<backupId>`. Idempotent.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatByteProgress, mibPerSecond } from "../../../sdk/byte-progress";
import { DiskBackup } from "../../libvirt/disk-backup";
import { isLibvirtError } from "../../libvirt/virsh";
import { TaskError, type Executor } from "../executor";
import type { ExecutorDeps } from "./deps";
import { optStr, type Payload, str } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

const ID_RE = /^[a-z]{2,4}_[0-9a-f]{16}$/;

export interface BackupManifest {
  backupId: string;
  vmId: string;
  vmName: string;
  image: string;
  createdAt: string;
  format: "qcow2";
  compressed: true;
  consistency: "quiesced" | "crash";
  sizeBytes: number;
  virtualSizeBytes: number;
  sha256: string;
}

function storeOf(deps: ExecutorDeps, p: Payload, kind: string): { dir: string; backupId: string } {
  const backupId = str(p, "backupId", kind);
  if (!ID_RE.test(backupId)) throw new TaskError("BAD_PAYLOAD", `${kind} task: backupId is not an id`);
  if (!deps.backupDir)
    throw new TaskError(
      "NO_BACKUP_STORE",
      "this rack has no backup store (fibrix rack serve --backup-dir DIR)",
    );
  return { dir: join(deps.backupDir, backupId), backupId };
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function virtualSize(path: string): Promise<number> {
  const out = await runTool("qemu-img", ["info", "--output=json", path]);
  return Number((JSON.parse(out) as { "virtual-size": number })["virtual-size"]);
}

/** Runs a local tool; `onLine` sees its stdout split at \r and \n (qemu-img -p rewrites one line). */
export function runTool(
  cmd: string,
  args: string[],
  onLine?: (l: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(signal ? { signal } : {}) });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      const s = b.toString();
      out += s;
      if (onLine) for (const l of s.split(/[\r\n]+/)) if (l.trim()) onLine(l.trim());
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new TaskError("FAILED", `${cmd} ${args[0] ?? ""}: ${err.trim() || `exit ${code}`}`)),
    );
  });
}

/** At most one report a second (the last one of a phase always goes). */
function throttled(report: (m: string) => Promise<void>) {
  let last = 0;
  return (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (now - last < 1000 && done < total) return;
    last = now;
    void report(formatByteProgress({ phase, done, total }));
  };
}

export function backupCreateExecutor(deps: ExecutorDeps): Executor {
  const KIND = "backup.create";
  return {
    kind: KIND,
    async run({ task, progress, signal }) {
      const p = task.payload;
      const { vmId, host, domain } = vmTarget(deps, p, KIND);
      const { dir, backupId } = storeOf(deps, p, KIND);
      const d = await findDomain(host, domain);
      if (!d) throw new TaskError("NOT_FOUND", `domain ${domain} is not on ${host.uri}`);
      const tmpVol = `${domain}-backup-${backupId}.qcow2`;
      const part = join(dir, "disk.part.qcow2");
      const final = join(dir, "disk.qcow2");
      const dropTmp = () =>
        host.deleteVolume(tmpVol).catch((e) => {
          if (!isLibvirtError(e, "NOT_FOUND")) throw e;
        });
      const report = throttled(progress);
      const started = Date.now();
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await dropTmp();
      try {
        const copier = new DiskBackup(deps.virsh, host.uri);
        const { consistency, pool } = await copier.copyToVolume(
          d,
          tmpVol,
          (done, total) => report("copy", done, total),
          signal,
        );
        const vol = (await host.listVolumes({ refresh: true })).find((v) => v.name === tmpVol);
        if (!vol) throw new TaskError("FAILED", `the copy ${tmpVol} did not appear in pool ${pool}`);
        signal.throwIfAborted();
        await copier.download(pool, tmpVol, part, Math.max(vol.allocationBytes, 1), (done, total) =>
          report("download", done, total),
        );
        await dropTmp();
        const vsize = await virtualSize(part);
        await runTool(
          "qemu-img",
          ["convert", "-p", "-c", "-O", "qcow2", part, `${final}.tmp`],
          (l) => {
            const m = /\((\d+(?:\.\d+)?)\/100%\)/.exec(l);
            if (m) report("compress", Math.round((Number(m[1]) / 100) * vsize), vsize);
          },
          signal,
        );
        await rename(`${final}.tmp`, final);
        await rm(part, { force: true });
        const sizeBytes = (await stat(final)).size;
        const manifest: BackupManifest = {
          backupId,
          vmId,
          vmName: optStr(p, "vmName", KIND) ?? vmId,
          image: optStr(p, "image", KIND) ?? "",
          createdAt: new Date().toISOString(),
          format: "qcow2",
          compressed: true,
          consistency,
          sizeBytes,
          virtualSizeBytes: vsize,
          sha256: await sha256File(final),
        };
        await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
        const elapsedMs = Date.now() - started;
        report("done", vsize, vsize);
        return {
          ...manifest,
          path: final,
          elapsedMs,
          throughputMiBps: Math.round(mibPerSecond(vsize, elapsedMs) * 10) / 10,
        };
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      } finally {
        await dropTmp().catch(() => {});
      }
    },
  };
}

export function backupDeleteExecutor(deps: ExecutorDeps): Executor {
  const KIND = "backup.delete";
  return {
    kind: KIND,
    async run({ task }) {
      const { dir } = storeOf(deps, task.payload, KIND);
      const existed = await stat(dir).then(
        () => true,
        () => false,
      );
      await rm(dir, { recursive: true, force: true });
      return { removed: existed };
    },
  };
}
