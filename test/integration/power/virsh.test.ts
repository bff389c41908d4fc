/**
 * The virsh power driver against real libvirt: the daemon-less test:///default driver always,
 * and a real QEMU (TCG) domain on qemu:///system when a libvirtd is running on this machine.
 */

import { acquireLibvirtd, type LibvirtdHandle } from "../../helpers/libvirtd";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPowerDriver } from "../../../backend/power/registry";
import { VirshPowerDriver } from "../../../backend/power/virsh";

const fast = { policy: { deadlineMs: 15_000, retryDelaysMs: [200], confirmDelaysMs: [0, 200] } };

describe("test:///default (no daemon)", () => {
  test("status of the built-in running domain, idempotent start, boot device rewrite accepted by define", async () => {
    const d = createPowerDriver("virsh", { uri: "test:///default", domain: "test" }, fast);
    expect(await d.status()).toBe("on");
    await d.on(); // already active: succeeds, confirmed "on"
    await d.setBootDevice("pxe");
    await d.setBootDevice("disk", { persistent: true });
  });

  test("an unknown domain is a configuration error, not retried", async () => {
    const d = createPowerDriver("virsh", { uri: "test:///default", domain: "no-such-domain" }, fast);
    await expect(d.status()).rejects.toMatchObject({ code: "POWER_CONFIGURATION", retryable: false });
  });
});

describe("qemu:///system (real TCG domain)", () => {
  let daemon: LibvirtdHandle;
  const name = `fibrix-power-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "fibrix-virsh-test-"));
  const virsh = (...args: string[]) =>
    execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8" });

  beforeAll(async () => {
    daemon = await acquireLibvirtd();
    const xml = join(dir, "d.xml");
    writeFileSync(
      xml,
      `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices><graphics type='vnc' listen='127.0.0.1' autoport='yes'/></devices></domain>`,
    );
    virsh("define", xml);
  });

  afterAll(async () => {
    try {
      virsh("destroy", name);
    } catch {
      // not running
    }
    virsh("undefine", name);
    rmSync(dir, { recursive: true, force: true });
    await daemon?.release();
  });

  test("on → off → cycle → off with confirmation; boot device in the persistent XML", async () => {
    const d = new VirshPowerDriver("qemu:///system", name, 30_000, undefined, fast);
    expect(await d.status()).toBe("off");
    await d.setBootDevice("pxe");
    expect(virsh("dumpxml", "--inactive", name)).toMatch(/<boot dev='network'\/>\s*<boot dev='hd'\/>/);
    await d.on();
    expect(virsh("domstate", name).trim()).toBe("running");
    await d.off();
    expect(virsh("domstate", name).trim()).toBe("shut off");
    await d.cycle(); // off → powers on
    expect(await d.status()).toBe("on");
    await d.off();
    await d.setBootDevice("disk");
    expect(virsh("dumpxml", "--inactive", name)).not.toContain("network");
  });
});
