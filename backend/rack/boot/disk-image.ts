/**
 * A tiny bootable raw disk image made of the ephemeral environment's own kernel and initramfs
 * (booting with `fibrix.mode=disk`): what the lab deploys to prove a machine really boots from
 * the disk the deploy wrote. No loop mount and no root needed: a FAT "superfloppy" made with
 * mtools (`mformat`, `mcopy`) and Syslinux's mtools installer (`syslinux --install`), whose
 * boot sector the BIOS runs from sector 0 (packages: syslinux, syslinux-common, mtools).
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootError } from "./boot-error";
import type { EphemeralEnv } from "./ephemeral-env";

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, _out, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new BootError(
            "BOOT_ENV_BUILD_FAILED",
            missing
              ? `${cmd} is missing: install the syslinux and mtools packages`
              : `${cmd} ${args.join(" ")}: ${String(stderr || err.message).trim()}`,
          ),
        );
      } else resolve();
    });
  });
}

export function syslinuxConfig(kernelArgs: readonly string[]): string {
  return [
    "DEFAULT fibrix",
    "PROMPT 0",
    "TIMEOUT 0",
    "LABEL fibrix",
    "  KERNEL vmlinuz",
    "  INITRD initrd",
    `  APPEND ${["fibrix.mode=disk", ...kernelArgs].join(" ")}`,
    "",
  ].join("\n");
}

/** Pure: whether a cached image can be reused: newer than the environment, and made with this boot config. */
export function cachedImageFits(c: {
  imageMtimeMs: number;
  initrdMtimeMs: number;
  madeWith: string | undefined;
  config: string;
}): boolean {
  return c.imageMtimeMs >= c.initrdMtimeMs && c.madeWith === c.config;
}

/**
 * Writes `out` (raw, `sizeMiB`), unless it exists, is newer than the environment and was made
 * with the same kernel arguments (their syslinux.cfg is kept beside it as `out.cfg`).
 */
export async function buildDiskImage(o: {
  env: EphemeralEnv;
  out: string;
  sizeMiB?: number;
  kernelArgs?: readonly string[];
}): Promise<string> {
  const config = syslinuxConfig(o.kernelArgs ?? ["console=ttyS0"]);
  const stamp = `${o.out}.cfg`;
  if (
    existsSync(o.out) &&
    cachedImageFits({
      imageMtimeMs: statSync(o.out).mtimeMs,
      initrdMtimeMs: statSync(o.env.initrd).mtimeMs,
      madeWith: existsSync(stamp) ? readFileSync(stamp, "utf8") : undefined,
      config,
    })
  )
    return o.out;
  const size =
    o.sizeMiB ?? Math.ceil((statSync(o.env.kernel).size + statSync(o.env.initrd).size) / 2 ** 20) + 4;
  const work = mkdtempSync(join(tmpdir(), "fibrix-disk-"));
  const tmp = `${o.out}.tmp${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, "");
    truncateSync(tmp, size * 2 ** 20);
    // 64 heads x 32 sectors: the geometry BIOSes assume for a disk of this size; no partition table.
    await run("mformat", [
      "-i",
      tmp,
      "-T",
      String(size * 2048),
      "-h",
      "64",
      "-s",
      "32",
      "-H",
      "0",
      "-v",
      "FIBRIX",
      "::",
    ]);
    await run("syslinux", ["--install", tmp]);
    const cfg = join(work, "syslinux.cfg");
    writeFileSync(cfg, config);
    await run("mcopy", ["-i", tmp, cfg, "::syslinux.cfg"]);
    await run("mcopy", ["-i", tmp, o.env.kernel, "::vmlinuz"]);
    await run("mcopy", ["-i", tmp, o.env.initrd, "::initrd"]);
    renameSync(tmp, o.out);
    writeFileSync(stamp, config);
    return o.out;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}
