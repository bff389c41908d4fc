/**
 * A VM created from a backup (vm.create with `restoreFrom: { backupId, path, sha256, os }`):
 * the backup's file is checked against its manifest's sha256, uploaded as the VM's disk
 * (compose.ts `restoreFrom`), grown to the VM's disk size if that is larger, and only then
 * is the VM started. Progress: `restore done/total bytes` lines while the upload lands (the
 * volume's allocation, polled: vol-upload reports nothing) and the throughput at the end.
 */
import { stat } from "node:fs/promises";
import { describeBytes, formatByteProgress, mibPerSecond } from "../../../sdk/byte-progress";
import type { ImageOs } from "../../libvirt/images";
import { diskVolumeName, domainName } from "../../libvirt/naming";
import type { VmHost } from "../../libvirt/vm-host";
import { TaskError } from "../executor";
import { growDisk } from "../vm-disk";
import type { ExecutorDeps } from "./deps";
import { type Payload, str } from "./payload";
import { sha256File, virtualSize } from "./vm-backup";

export interface RestoreSource {
  source: { file: string; sizeBytes: number; os: ImageOs };
  /** Reports the upload's bytes (the disk volume's allocation, polled) until stopped. */
  watchUpload(deps: ExecutorDeps, host: VmHost, vmId: string): { stop(): Promise<void> };
  finish(deps: ExecutorDeps, host: VmHost, vmId: string, diskBytes: number, start: boolean): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function restoreSource(
  p: Payload,
  kind: string,
  progress: (m: string) => Promise<void>,
): Promise<RestoreSource | null> {
  const r = p.restoreFrom;
  if (r === undefined || r === null) return null;
  if (typeof r !== "object")
    throw new TaskError("BAD_PAYLOAD", `${kind} task: restoreFrom must be an object`);
  const o = r as Payload;
  const file = str(o, "path", kind);
  const want = str(o, "sha256", kind);
  const os = str(o, "os", kind) as ImageOs;
  const started = Date.now();
  const size = await stat(file).then(
    (s) => s.size,
    () => {
      throw new TaskError("BACKUP_MISSING", `backup file ${file} is not in this rack's backup store`);
    },
  );
  await progress(formatByteProgress({ phase: "verify", done: 0, total: size }));
  const got = await sha256File(file);
  if (got !== want)
    throw new TaskError("BACKUP_CORRUPT", `backup file ${file} has sha256 ${got}, its manifest says ${want}`);
  await progress(formatByteProgress({ phase: "restore", done: 0, total: size }));
  const vsize = await virtualSize(file);
  return {
    source: { file, sizeBytes: size, os },
    watchUpload(deps, host, vmId) {
      const vol = diskVolumeName(deps.vmPrefix, vmId, 0);
      let stopped = false;
      let last = 0;
      const loop = (async () => {
        while (!stopped) {
          await sleep(500);
          if (stopped) break;
          const info = await deps
            .virsh(host.uri, ["vol-info", "--pool", host.pool, "--bytes", "--", vol])
            .catch(() => "");
          const m = /^Allocation:\s+(\d+)\s*bytes/m.exec(info);
          const done = m ? Math.min(Number(m[1]), size) : 0;
          if (done > last && !stopped) {
            last = done;
            await progress(formatByteProgress({ phase: "restore", done, total: size }));
          }
        }
      })();
      return {
        async stop() {
          stopped = true;
          await loop;
        },
      };
    },
    async finish(deps, host, vmId, diskBytes, start) {
      await progress(formatByteProgress({ phase: "restore", done: size, total: size }));
      // Rescanned, the volume shows the qcow2 inside it (its virtual size), not the raw upload.
      await host.listVolumes({ refresh: true });
      if (diskBytes > vsize)
        await growDisk(deps.virsh, host, { prefix: deps.vmPrefix, vmId, bytes: diskBytes, running: false });
      if (start) await host.startDomain(domainName(deps.vmPrefix, vmId));
      const ms = Date.now() - started;
      await progress(
        `restored ${describeBytes({ done: vsize, total: vsize })} of disk (${size} bytes of backup) in ${(ms / 1000).toFixed(1)} s, ${mibPerSecond(vsize, ms).toFixed(1)} MiB/s`,
      );
    },
  };
}
