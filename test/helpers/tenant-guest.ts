/**
 * The tenant-network test's guest: the project's own busybox environment
 * (backend/rack/boot/ephemeral-env.ts: Debian's cloud kernel + busybox-static) with another
 * /init, on the same bootable raw disk the lab deploys (disk-image.ts: syslinux on FAT), so the
 * VM is composed exactly like any other (disk cloned on a base image, NoCloud seed as a cdrom).
 * Its /init does what cloud-init does with the seed's network-config (cloud-init
 * doc/rtd/topics/network-config-format-v2.rst, the file NoCloud reads from the `cidata` volume:
 * cloudinit/sources/DataSourceNoCloud.py): for each NIC matched by MAC, its static addresses and
 * default route. It then serves HTTP on two ports (busybox httpd) and keeps a shell on the
 * serial console, which the test drives (GuestConsole).
 */
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { buildDiskImage } from "../../backend/rack/boot/disk-image";
import { buildEphemeralEnv } from "../../backend/rack/boot/ephemeral-env";
import { type ConsoleConnection, openConsole } from "../../sdk/resources/vm-console";
import { own } from "./run-dirs";

export const GUEST_PORTS = [8080, 9090] as const;
export const READY = "FIBRIX-GUEST-READY";

/** NICs (virtio), the seed cdrom on the IDE bus of a `pc` machine, ISO 9660. */
export const GUEST_MODULES = ["virtio_pci", "virtio_net", "ata_piix", "sr_mod", "isofs"];

// The parser reads what backend/libvirt/seed-iso.ts buildNetworkConfigs writes: per `nicN:`
// block its macaddress, its first address, its mtu and the default route's `via`.
export const GUEST_INIT = `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m.ko" 2>/dev/null; done
i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mkdir -p /seed /www
mount -t iso9660 -o ro /dev/sr0 /seed || echo "fibrix-guest: no seed"
hostname "$(sed -n 's/^local-hostname: "\\(.*\\)"$/\\1/p' /seed/meta-data)"
ip link set lo up
awk '
  /^  nic[0-9]+:/ { if (mac != "") print mac, addr, (mtu == "" ? 1500 : mtu), gw; mac = ""; addr = ""; gw = ""; mtu = "" }
  /macaddress:/ { v = $2; gsub(/"/, "", v); mac = v }
  $1 == "-" && $2 ~ /^"/ && addr == "" { v = $2; gsub(/"/, "", v); addr = v }
  /via:/ { v = $2; gsub(/"/, "", v); gw = v }
  /^    mtu:/ { mtu = $2 }
  END { if (mac != "") print mac, addr, (mtu == "" ? 1500 : mtu), gw }
' /seed/network-config > /tmp/nics
while read mac addr mtu gw; do
  for d in /sys/class/net/*; do
    [ "$(cat $d/address)" = "$mac" ] || continue
    dev=\${d##*/}
    ip addr add "$addr" dev "$dev"
    ip link set "$dev" mtu "$mtu" up
    [ -n "$gw" ] && ip route add default via "$gw" dev "$dev"
    echo "fibrix-guest: $dev $mac $addr"
  done
done < /tmp/nics
echo "$(hostname)" > /www/index.html
for p in ${GUEST_PORTS.join(" ")}; do httpd -p $p -h /www; done
echo ${READY}
while :; do sh; done
`;

/** The guest's bootable raw disk (cached beside its environment). */
export async function buildTenantGuestImage(cacheDir: string): Promise<string> {
  const env = await buildEphemeralEnv({ cacheDir, init: GUEST_INIT, modules: GUEST_MODULES });
  return buildDiskImage({
    env,
    out: join(env.dir, "tenant-guest.img"),
    // no_timer_check: under TCG on a loaded machine the kernel's IO-APIC timer check can miss
    // its ticks and panic ("IO-APIC + timer doesn't work!"); hypervisor guests skip it
    // (arch/x86/kernel/apic/io_apic.c timer_irq_works).
    kernelArgs: ["console=ttyS0", "quiet", "no_timer_check"],
  });
}

/** Where a console's bytes come from and go to. */
interface ConsoleLine {
  output: NodeJS.ReadableStream;
  input: NodeJS.WritableStream;
  close(): Promise<void>;
}

/**
 * A shell on a guest's serial console, either as its tenant reaches it: the region's WebSocket
 * (`GET /api/v1/vms/:id/console`, sdk/resources/vm-console.ts), which the rack bridges to the
 * domain's `<serial type='unix'>` socket; or, for tests that drive the rack executors without a
 * region, that socket itself through socat, as `virsh console` opens it. Neither has a host line
 * discipline to echo the guest's output back to it as input.
 */
export class GuestConsole {
  private out = "";
  private seq = 0;
  private constructor(private readonly line: ConsoleLine) {
    line.output.on("data", (d: Buffer) => {
      this.out += d.toString("utf8");
    });
  }

  static async open(endpoint: string, apiKey: string, vmId: string): Promise<GuestConsole> {
    const conn: ConsoleConnection = await openConsole(endpoint, apiKey, vmId);
    return new GuestConsole({
      output: conn.stream,
      input: conn.stream,
      close: async () => {
        conn.close();
        await conn.closed;
      },
    });
  }

  /** The domain's serial socket on its host (domain-xml.ts serialSocket), through socat. */
  static onHost(uri: string, domain: string): GuestConsole {
    const xml = execFileSync("virsh", ["-c", uri, "dumpxml", domain], { encoding: "utf8" });
    const sock = /<serial type='unix'>\s*<source mode='bind' path='([^']+)'/.exec(xml)?.[1];
    if (!sock) throw new Error(`console: ${domain} has no UNIX-socket serial port`);
    const proc = spawn("socat", ["-", `UNIX-CONNECT:${sock}`], { stdio: ["pipe", "pipe", "ignore"] });
    if (proc.pid) own("pid", proc.pid);
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    return new GuestConsole({
      output: proc.stdout!,
      input: proc.stdin!,
      close: async () => {
        if (proc.exitCode === null) proc.kill("SIGTERM");
        await exited;
      },
    });
  }

  /** Everything the console printed so far. */
  get text(): string {
    return this.out;
  }

  /** A guest that panicked never answers: say so at once rather than after the whole wait. */
  private failIfPanicked(): void {
    const at = this.out.indexOf("Kernel panic - not syncing");
    if (at >= 0)
      throw new Error(
        `console: the guest's kernel panicked:\n${this.out.slice(Math.max(0, at - 1000), at + 500)}`,
      );
  }

  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      this.failIfPanicked();
      if (Date.now() > deadline)
        throw new Error(`console: no ${re} within ${timeoutMs} ms; last output:\n${this.out.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Waits until the guest's shell answers. A UNIX-socket serial port drops what the guest prints
   * while no client is connected (unlike a pty), so READY may be gone: ask the shell to compute
   * a marker (its echo of the question never matches) every few seconds instead.
   */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const answer = new RegExp(`${READY}(-42)?\\r?\\n`);
    for (;;) {
      this.line.input.write(`echo ${READY}-$((40+2))\r`);
      try {
        await this.waitFor(answer, Math.max(1, Math.min(3000, deadline - Date.now())));
        return;
      } catch (e) {
        this.failIfPanicked();
        if (Date.now() >= deadline) throw e;
      }
    }
  }

  /** Runs a command in the guest's shell; resolves with its output and exit status. */
  async run(cmd: string, timeoutMs = 60_000): Promise<{ output: string; status: number }> {
    const n = ++this.seq;
    const from = this.out.length;
    // The markers are printed by the shell, so its echo of this line ("$?") never matches.
    this.line.input.write(`echo @@B${n}@@; ${cmd}; echo @@E${n}@@ $?\r`);
    const end = new RegExp(`@@E${n}@@ (\\d+)`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tail = this.out.slice(from);
      const m = end.exec(tail);
      const b = tail.search(new RegExp(`@@B${n}@@\\r?\\n`));
      if (m && b >= 0 && m.index > b) {
        const output = tail.slice(tail.indexOf("\n", b) + 1, m.index);
        return { output, status: Number(m[1]) };
      }
      this.failIfPanicked();
      if (Date.now() > deadline)
        throw new Error(`console: ${cmd} did not finish within ${timeoutMs} ms:\n${tail}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends the session; resolves once the region closed it. */
  async close(): Promise<void> {
    await this.line.close();
  }
}
