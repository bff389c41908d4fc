/**
 * A tiny guest with a shell on its serial port, for the console tests: the project's own boot
 * pieces (backend/rack/boot: the Debian cloud kernel located like the ephemeral environment,
 * static busybox in an initramfs written by cpio-newc.ts, a syslinux disk by disk-image.ts)
 * with an /init that prints a banner and runs `sh` on ttyS0 (kernel `console=ttyS0`), as a
 * qcow2 base image. Cached under .data/boot by the hash of its inputs.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type CpioEntry, cpioNewc } from "../../backend/rack/boot/cpio-newc";
import { buildDiskImage } from "../../backend/rack/boot/disk-image";
import { locateKernel } from "../../backend/rack/boot/ephemeral-env";

export const GUEST_BANNER = "fibrix-console-guest ready";

const INIT = `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "${GUEST_BANNER}" > /dev/ttyS0
# A shell on the serial line, with it as the controlling terminal; again when it exits.
while true; do setsid cttyhack sh -i </dev/ttyS0 >/dev/ttyS0 2>&1; done
`;

export const BOOT_CACHE = join(__dirname, "../../.data/boot");

/** Builds (or reuses) the guest's qcow2 image; returns its path. */
export async function consoleGuestImage(cacheDir = BOOT_CACHE): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const kernel = await locateKernel(cacheDir);
  const busybox = readFileSync("/bin/busybox");
  const hash = createHash("sha256")
    .update(INIT)
    .update(busybox)
    .update(kernel.vmlinuz)
    .digest("hex")
    .slice(0, 12);
  const dir = join(cacheDir, `console-guest-${hash}`);
  const qcow2 = join(dir, "guest.qcow2");
  if (existsSync(qcow2)) return qcow2;
  mkdirSync(dir, { recursive: true });
  const entries: CpioEntry[] = [
    ...["bin", "dev", "proc", "sys", "tmp"].map((name) => ({ type: "dir", name }) satisfies CpioEntry),
    { type: "chardev", name: "dev/console", major: 5, minor: 1 },
    { type: "file", name: "bin/busybox", data: busybox, mode: 0o755 },
    { type: "symlink", name: "bin/sh", target: "busybox" },
    { type: "file", name: "init", data: Buffer.from(INIT), mode: 0o755 },
  ];
  const initrd = join(dir, "initrd");
  writeFileSync(initrd, gzipSync(cpioNewc(entries)));
  const raw = join(dir, "guest.img");
  await buildDiskImage({
    env: { dir, kernel: kernel.vmlinuz, initrd, kernelVersion: kernel.version, modules: [] },
    out: raw,
    kernelArgs: ["console=ttyS0", "quiet"],
  });
  execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, `${qcow2}.tmp`]);
  renameSync(`${qcow2}.tmp`, qcow2);
  return qcow2;
}
