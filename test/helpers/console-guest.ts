/**
 * A tiny guest with a shell on its serial port, for the console tests: the project's own
 * ephemeral environment (backend/rack/boot/ephemeral-env.ts: the Debian cloud kernel, static
 * busybox) with another /init that prints a banner and runs `sh` on ttyS0 (kernel
 * `console=ttyS0`), on a syslinux disk by disk-image.ts, as a qcow2 base image. Cached under
 * .data/boot by the hash of its inputs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { buildDiskImage } from "../../backend/rack/boot/disk-image";
import { buildEphemeralEnv } from "../../backend/rack/boot/ephemeral-env";

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

export async function consoleGuestImage(cacheDir = BOOT_CACHE): Promise<string> {
  // No modules: the guest needs only its serial port.
  const env = await buildEphemeralEnv({ cacheDir, init: INIT, modules: [] });
  const qcow2 = join(env.dir, "console-guest.qcow2");
  if (existsSync(qcow2)) return qcow2;
  const raw = join(env.dir, "console-guest.img");
  await buildDiskImage({ env, out: raw, kernelArgs: ["console=ttyS0", "quiet"] });
  execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, `${qcow2}.tmp`]);
  renameSync(`${qcow2}.tmp`, qcow2);
  return qcow2;
}
