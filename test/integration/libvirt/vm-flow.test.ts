/**
 * The whole VM flow against a real libvirtd (qemu:///system, TCG): register an image,
 * compose a VM, see it run, resize, reboot, destroy, and check nothing of the test is left.
 * Test VMs have no NIC, except one on an isolated bridge this test creates (no IP, IPv6
 * off, option ROM off, disk-only boot) and deletes.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComposeError, composeVm, destroyVm } from "../../../backend/libvirt/compose";
import { parseDomainXml } from "../../../backend/libvirt/domain-xml";
import { deleteImage, importImage, listImages } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import {
  type LibvirtdHandle,
  type TestPool,
  acquireLibvirtd,
  createTestPool,
  leftovers,
  virshSys,
} from "../../helpers/libvirtd";

jest.setTimeout(180_000);

const PREFIX = `fbxt${randomBytes(3).toString("hex")}-`;
let daemon: LibvirtdHandle;
let pool: TestPool;
let host: VirshVmHost;
let work: string;
let imagePath: string;
let bridge: string | null = null;

async function poolVolumes(): Promise<string[]> {
  return (await host.listVolumes({ refresh: true })).map((v) => v.name);
}

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  host = new VirshVmHost({ uri: daemon.uri, pool: pool.name });
  work = mkdtempSync(join(tmpdir(), `${PREFIX}work-`));
  imagePath = join(work, "tiny.qcow2");
  // A tiny image: it need not boot, SeaBIOS just finds nothing to boot and waits.
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", imagePath, "64M"]);
});

afterAll(async () => {
  await pool?.remove();
  if (bridge) {
    try {
      execFileSync("ip", ["link", "del", bridge]);
    } catch {}
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("libvirt VM flow on a real libvirtd", () => {
  test("node info reports cores and memory", async () => {
    const n = await host.nodeInfo();
    expect(n.cpus).toBeGreaterThan(0);
    expect(n.memoryMiB).toBeGreaterThan(0);
  });

  test("register a base image; a duplicate is refused", async () => {
    const t0 = Date.now();
    const img = await importImage(host, { name: "tiny", os: "ubuntu", path: imagePath });
    console.log(`importImage (64 MiB qcow2): ${Date.now() - t0} ms`);
    expect(img).toMatchObject({ name: "tiny", os: "ubuntu", format: "qcow2", sizeBytes: 64 * 1024 * 1024 });
    expect((await listImages(host)).map((i) => i.name)).toEqual(["tiny"]);
    await expect(importImage(host, { name: "tiny", os: "ubuntu", path: imagePath })).rejects.toMatchObject({
      code: "IMAGE_EXISTS",
    });
  });

  test("compose → running → resize → reboot → stop → destroy, nothing left", async () => {
    const t0 = Date.now();
    const vm = await composeVm(
      host,
      {
        id: "vm1",
        tenant: "acme",
        hostname: "vm1",
        image: "tiny",
        vcpus: 1,
        maxVcpus: 2,
        memoryMiB: 128,
        maxMemoryMiB: 256,
        diskBytes: 256 * 1024 * 1024,
      },
      { prefix: PREFIX },
    );
    console.log(`composeVm (clone + seed ISO + define + start): ${Date.now() - t0} ms`);
    expect(vm.domain).toBe(`${PREFIX}vm1`);
    expect(vm.volumes).toEqual([`${PREFIX}vm1-disk0.qcow2`, `${PREFIX}vm1-seed.iso`]);

    // Seen by virsh itself, not only by our code.
    expect((await virshSys(["list", "--state-running", "--name"])).split("\n")).toContain(vm.domain);
    const live = parseDomainXml(await virshSys(["dumpxml", vm.domain]));
    expect(live).toMatchObject({
      virtType: "qemu",
      vcpus: 1,
      maxVcpus: 2,
      meta: { id: "vm1", tenant: "acme" },
    });
    expect(live.interfaces).toEqual([]);
    const disk = (await host.listVolumes()).find((v) => v.name === `${PREFIX}vm1-disk0.qcow2`);
    expect(disk?.format).toBe("qcow2");
    expect(disk?.capacityBytes).toBe(256 * 1024 * 1024);
    expect(disk?.backingPath).toBe(join(pool.dir, "fibrix-image.ubuntu.tiny.qcow2"));

    // The image now backs a clone: deleting it would break the VM.
    await expect(deleteImage(host, "tiny")).rejects.toMatchObject({ code: "IMAGE_IN_USE" });

    // Within the maximum: live (vcpu hotplug, balloon).
    await expect(host.setVcpus(vm.domain, 2)).resolves.toEqual({ applied: "live", rebootRequired: false });
    await expect(host.setMemory(vm.domain, 192)).resolves.toEqual({ applied: "live", rebootRequired: false });
    expect((await virshSys(["vcpucount", vm.domain, "--live", "--active"])).trim()).toBe("2");
    // Above the maximum: config only, for next boot.
    await expect(host.setVcpus(vm.domain, 3)).resolves.toEqual({ applied: "config", rebootRequired: true });
    await expect(host.setMemory(vm.domain, 320)).resolves.toEqual({
      applied: "config",
      rebootRequired: true,
    });
    const cfg = parseDomainXml(await virshSys(["dumpxml", "--inactive", vm.domain]));
    expect([cfg.vcpus, cfg.maxVcpus, cfg.memoryMiB, cfg.maxMemoryMiB]).toEqual([3, 3, 320, 320]);
    const summary = (await host.listDomains()).find((d) => d.name === vm.domain);
    expect(summary).toMatchObject({ state: "running", vcpus: 3, memoryMiB: 320, meta: { id: "vm1" } });

    // No guest OS answers ACPI here, so check the reboot reaches QEMU and the domain stays up.
    await host.rebootDomain(vm.domain);
    await host.rebootDomain(vm.domain, { hard: true });
    expect((await virshSys(["domstate", vm.domain])).trim()).toBe("running");

    // No NIC and no agent: no address, and no error.
    await expect(host.domainAddresses(vm.domain, ["lease"])).resolves.toEqual([]);

    // No OS to honour ACPI: the stop falls back to destroy after the grace period.
    await expect(host.stopDomain(vm.domain, { timeoutMs: 1500 })).resolves.toEqual({ forced: true });
    expect((await virshSys(["domstate", vm.domain])).trim()).toBe("shut off");
    await expect(host.stopDomain(vm.domain)).resolves.toEqual({ forced: false });
    // Stopped: a resize is config-only and needs no reboot.
    await expect(host.setVcpus(vm.domain, 1)).resolves.toEqual({ applied: "config", rebootRequired: false });

    await host.startDomain(vm.domain);
    const t1 = Date.now();
    const gone = await destroyVm(host, "vm1", { prefix: PREFIX });
    console.log(`destroyVm: ${Date.now() - t1} ms`);
    expect(gone.domainRemoved).toBe(true);
    expect(gone.volumesRemoved.sort()).toEqual([`${PREFIX}vm1-disk0.qcow2`, `${PREFIX}vm1-seed.iso`]);
    // Idempotent.
    await expect(destroyVm(host, "vm1", { prefix: PREFIX })).resolves.toEqual({
      domainRemoved: false,
      volumesRemoved: [],
    });

    expect(await leftovers(PREFIX, pool.name)).toEqual([]);
  });

  test("a compose that fails at start (unknown bridge) leaves nothing behind", async () => {
    const err = await composeVm(
      host,
      {
        id: "bad1",
        tenant: "acme",
        hostname: "bad1",
        image: "tiny",
        vcpus: 1,
        memoryMiB: 128,
        bridge: "fbxnobr0",
      },
      { prefix: PREFIX },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComposeError);
    expect(err).toMatchObject({ step: "start", leaked: [] });
    expect(await leftovers(PREFIX, pool.name)).toEqual([]);
    expect(await poolVolumes()).toEqual(["fibrix-image.ubuntu.tiny.qcow2"]);
  });

  test("a compose on a missing image fails before touching the host", async () => {
    await expect(
      composeVm(
        host,
        { id: "bad2", tenant: "a", hostname: "b", image: "nope", vcpus: 1, memoryMiB: 128 },
        { prefix: PREFIX },
      ),
    ).rejects.toMatchObject({ step: "image", code: "IMAGE_NOT_FOUND" });
    expect(await leftovers(PREFIX, pool.name)).toEqual([]);
  });

  test("a NIC on an isolated bridge of the test's own", async () => {
    bridge = `${PREFIX.slice(0, 10)}br`;
    execFileSync("ip", ["link", "add", "name", bridge, "type", "bridge"]);
    // No address of any family on it: nothing can leave through it.
    execFileSync("sysctl", ["-q", "-w", `net.ipv6.conf.${bridge}.disable_ipv6=1`]);
    execFileSync("ip", ["link", "set", bridge, "up"]);
    const vm = await composeVm(
      host,
      {
        id: "nic1",
        tenant: "acme",
        hostname: "nic1",
        image: "tiny",
        vcpus: 1,
        memoryMiB: 128,
        bridge,
        mac: "52:54:00:12:34:56",
      },
      { prefix: PREFIX },
    );
    const x = await virshSys(["dumpxml", vm.domain]);
    expect(parseDomainXml(x).interfaces).toEqual([
      // No tap name asked for: libvirt names the tap itself (vnetN).
      {
        type: "bridge",
        mac: "52:54:00:12:34:56",
        bridge,
        model: "virtio",
        target: expect.stringMatching(/^vnet\d+$/),
      },
    ]);
    expect(x).toContain("<rom bar='off'/>");
    expect(execFileSync("ip", ["-o", "addr", "show", "dev", bridge]).toString().trim()).toBe("");
    await destroyVm(host, "nic1", { prefix: PREFIX });
    expect(await leftovers(PREFIX, pool.name)).toEqual([]);
  });

  test("the image is deleted once no clone uses it; the pool is empty", async () => {
    await deleteImage(host, "tiny");
    await deleteImage(host, "tiny"); // idempotent
    expect(await poolVolumes()).toEqual([]);
  });
});
