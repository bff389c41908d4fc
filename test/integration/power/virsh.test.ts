/**
 * The virsh power driver against real libvirt: the daemon-less test:///default driver always,
 * and a real QEMU (TCG) domain on the run's private libvirtd.
 */

import { acquireLibvirtd, removeDomains, virshSys } from "../../helpers/libvirtd";
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
  let uri = "";
  const name = `fibrix-power-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "fibrix-virsh-test-"));
  const virsh = (...args: string[]) => virshSys(args);

  beforeAll(async () => {
    uri = (await acquireLibvirtd()).uri;
    const xml = join(dir, "d.xml");
    writeFileSync(
      xml,
      `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices><graphics type='vnc' listen='127.0.0.1' autoport='yes'/></devices></domain>`,
    );
    await virsh("define", xml);
  });

  afterAll(async () => {
    if (uri) await removeDomains(name);
    rmSync(dir, { recursive: true, force: true });
  });

  test("on → off → cycle → off with confirmation; boot device in the persistent XML", async () => {
    const d = new VirshPowerDriver(uri, name, 30_000, undefined, fast);
    expect(await d.status()).toBe("off");
    await d.setBootDevice("pxe");
    expect(await virsh("dumpxml", "--inactive", name)).toMatch(/<boot dev='network'\/>\s*<boot dev='hd'\/>/);
    await d.on();
    expect((await virsh("domstate", name)).trim()).toBe("running");
    await d.off();
    expect((await virsh("domstate", name)).trim()).toBe("shut off");
    await d.cycle(); // off → powers on
    expect(await d.status()).toBe("on");
    await d.off();
    await d.setBootDevice("disk");
    expect(await virsh("dumpxml", "--inactive", name)).not.toContain("network");
  });
});
