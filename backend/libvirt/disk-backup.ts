/**
 * A point-in-time, self-contained copy of a fibrix VM's disk, for backups (rack
 * executors/vm-backup.ts). Never the live disk:
 * - running: libvirt's push-mode backup job (`virsh backup-begin`, formatbackup.html), which
 *   QEMU serves copy-before-write, so the copy is the disk at the instant the job began —
 *   with the guest's filesystems frozen for that instant when its agent answers. Progress:
 *   the job's `disk_processed`/`disk_total` (`domjobinfo --rawstats`).
 * - shut off: nothing writes the disk; `vol-create-from` has libvirt's storage driver convert
 *   it (qemu-img convert reads through the backing image, so the copy needs no base image).
 * Both produce a qcow2 volume in the VM's pool with no backing file; `download` then streams
 * it to the rack (`vol-download --sparse`, over any URI transport) while its size is polled.
 */
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Consistency } from "./disk-snapshots";
import { DiskSnapshots, vmDisk } from "./disk-snapshots";
import { INPUT_FILE, LibvirtError, type VirshRunner } from "./virsh";
import { parseKeyValues } from "./virsh-output";
import type { DomainSummary } from "./vm-host";

export type ByteProgress = (done: number, total: number) => void;

/** Pure: `domjobinfo --rawstats` → job type (0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed …) and bytes. */
export function parseJobStats(out: string): {
  type: number;
  processed: number;
  total: number;
  error?: string;
} {
  const kv = parseKeyValues(out);
  const num = (k: string) => Number(kv.get(k) ?? 0) || 0;
  const r: { type: number; processed: number; total: number; error?: string } = {
    type: num("Job type"),
    processed: num("disk_processed"),
    total: num("disk_total"),
  };
  const err = kv.get("errmsg");
  if (err) r.error = err;
  return r;
}

/** Pure: a push-mode backup of `target` into `file` (qcow2); the other disks are left out. */
export function backupXml(target: string, file: string, others: readonly string[]): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/'/g, "&apos;").replace(/</g, "&lt;");
  return [
    "<domainbackup mode='push'><disks>",
    `<disk name='${target}' type='file'><target file='${esc(file)}'/><driver type='qcow2'/></disk>`,
    ...others.map((t) => `<disk name='${t}' backup='no'/>`),
    "</disks></domainbackup>",
  ].join("");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DiskBackup {
  private readonly snaps: DiskSnapshots;
  constructor(
    private readonly run: VirshRunner,
    private readonly uri: string,
    private readonly opts: { timeoutMs?: number; copyTimeoutMs?: number; pollMs?: number } = {},
  ) {
    this.snaps = new DiskSnapshots(run, uri, opts.timeoutMs);
  }

  private v(args: readonly string[], extra: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    return this.run(this.uri, args, {
      timeoutMs: extra.timeoutMs ?? this.opts.timeoutMs ?? 60_000,
      ...(extra.input !== undefined ? { input: extra.input } : {}),
    });
  }

  /** Copies the VM's disk to a new volume `dstVol` of its pool; resolves when the copy is whole. */
  async copyToVolume(
    d: DomainSummary,
    dstVol: string,
    onProgress: ByteProgress,
    signal?: AbortSignal,
  ): Promise<{ consistency: Consistency; pool: string }> {
    const disk = vmDisk(d);
    if (d.state === "shutoff") {
      const xml = `<volume><name>${dstVol}</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>`;
      await this.v(
        [
          "vol-create-from",
          "--pool",
          disk.pool,
          "--file",
          INPUT_FILE,
          "--vol",
          disk.volume,
          "--inputpool",
          disk.pool,
        ],
        {
          input: xml,
          timeoutMs: this.opts.copyTimeoutMs ?? 6 * 3600_000,
        },
      );
      return { consistency: "crash", pool: disk.pool };
    }
    const src = (await this.v(["vol-path", "--pool", disk.pool, "--", disk.volume])).trim();
    const file = `${dirname(src)}/${dstVol}`;
    const others = d.disks.filter((x) => x.target && x.target !== disk.target).map((x) => x.target!);
    const frozen = await this.snaps.freeze(d.name);
    try {
      // The point in time is fixed when the job starts: the thaw may follow at once.
      await this.v(["backup-begin", "--domain", d.name, "--backupxml", INPUT_FILE], {
        input: backupXml(disk.target, file, others),
      });
    } finally {
      if (frozen) await this.snaps.thaw(d.name);
    }
    for (;;) {
      if (signal?.aborted) {
        await this.v(["domjobabort", "--", d.name]).catch(() => {});
        signal.throwIfAborted();
      }
      const job = parseJobStats(await this.v(["domjobinfo", "--rawstats", "--", d.name]));
      if (job.type === 0) break;
      if (job.total > 0) onProgress(job.processed, job.total);
      await sleep(this.opts.pollMs ?? 250);
    }
    const done = parseJobStats(await this.v(["domjobinfo", "--completed", "--rawstats", "--", d.name]));
    if (done.type !== 3)
      throw new LibvirtError(
        "FAILED",
        `backup job of ${d.name} ended as type ${done.type}: ${done.error ?? "no message"}`,
        false,
      );
    onProgress(done.total, done.total);
    await this.v(["pool-refresh", "--", disk.pool]);
    return { consistency: frozen ? "quiesced" : "crash", pool: disk.pool };
  }

  /** Streams a volume to a local file, reporting the bytes written so far. */
  async download(
    pool: string,
    vol: string,
    file: string,
    total: number,
    onProgress: ByteProgress,
  ): Promise<void> {
    let stop = false;
    const poll = (async () => {
      while (!stop) {
        await sleep(this.opts.pollMs ?? 250);
        const s = await stat(file).catch(() => null);
        if (s && !stop) onProgress(Math.min(s.size, total), total);
      }
    })();
    try {
      await this.v(["vol-download", "--pool", pool, "--vol", vol, "--file", file, "--sparse"], {
        timeoutMs: this.opts.copyTimeoutMs ?? 6 * 3600_000,
      });
    } finally {
      stop = true;
      await poll;
    }
    onProgress(total, total);
  }
}
