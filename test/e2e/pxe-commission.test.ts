/**
 * The real PXE path, end to end (issue 6): a QEMU (TCG) machine on a tap in a network namespace
 * this test makes, powered through a lab IPMI 1.5 BMC on 127.0.0.1, is commissioned and then
 * deployed by the real region and the real rack agent with its boot services:
 *   iPXE ROM → DHCP from the rack's dnsmasq (in the netns) → boot.ipxe from the rack's HTTP boot
 *   server → ephemeral kernel + initramfs built from Debian packages → hardware report →
 *   New → Commissioning → Ready with an inventory matching the QEMU flags;
 *   deploy → image streamed onto the disk → BMC boot device disk → the machine boots from its
 *   own disk and reports → Deployed with its DHCP address.
 * Boot traffic exists only inside the namespace (10.77.0.0/24 lives nowhere else); the BMC and
 * the region are on loopback. Skips only when /dev/net/tun or `ip netns` is unavailable.
 */
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type LabBmcs, startLabBmcs } from "../../backend/lab/bmc/server";
import { RackAgent } from "../../backend/rack/agent";
import { buildDiskImage } from "../../backend/rack/boot/disk-image";
import { renderDnsmasqConfig } from "../../backend/rack/boot/dnsmasq-config";
import { DnsmasqProcess } from "../../backend/rack/boot/dnsmasq";
import { buildEphemeralEnv } from "../../backend/rack/boot/ephemeral-env";
import { BootHttpServer } from "../../backend/rack/boot/http-server";
import { type NetnsRelay, startNetnsRelay } from "../../backend/rack/boot/netns-relay";
import { BootServices } from "../../backend/rack/boot/services";
import { commissionExecutor } from "../../backend/rack/executors/commission";
import { defaultDeps } from "../../backend/rack/executors/deps";
import { deployExecutor } from "../../backend/rack/executors/deploy";
import { defaultExecutors } from "../../backend/rack/executors/index";
import { releaseExecutor } from "../../backend/rack/executors/release";
import type { RackConfig } from "../../sdk/schema/rack-agent";
import { createTestNetns, netnsUnavailable, type TestNetns } from "../helpers/netns";
import { QemuMachine } from "../helpers/qemu-machine";
import { http, startTestRegion, type TestRegion } from "../helpers/region";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`pxe-commission e2e skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const MAC = "52:54:00:77:00:10";
const BOOT_PORT = 8080;
const CACHE = join(__dirname, "../../.data/boot");
const phases: [string, number][] = [];
const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t = Date.now();
  const v = await fn();
  phases.push([name, Date.now() - t]);
  console.log(`phase ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return v;
};

let work: string;
let ns: TestNetns | undefined;
let r: TestRegion | undefined;
let lab: LabBmcs | undefined;
let agent: RackAgent | undefined;
let boot: BootServices | undefined;
let server: BootHttpServer | undefined;
let relay: NetnsRelay | undefined;
let dnsmasq: DnsmasqProcess | undefined;
let qemu: QemuMachine | undefined;
let rack: { id: string; enrollmentToken: string };
let machineId: string;
const dnsLog: string[] = [];
const REPORT_TIMEOUT_MS = Number(process.env.FIBRIX_PXE_TIMEOUT_MS ?? 300_000);

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) {
      throw new Error(
        `timed out; last: ${JSON.stringify(v)}\n--- console ---\n${qemu?.console().slice(-3000)}`,
      );
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}
const machine = async () => (await http(r!.api, "GET", `/machines/${machineId}`)).body;

maybe("PXE commissioning and deployment of a QEMU PE860 through the real rack", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fibrix-pxe-"));
    chmodSync(work, 0o755); // dnsmasq drops to nobody and must reach its TFTP root and hosts file
    const env = await phase("build ephemeral environment", () => buildEphemeralEnv({ cacheDir: CACHE }));
    const images = join(work, "images");
    mkdirSync(images);
    await phase("build disk image", () => buildDiskImage({ env, out: join(CACHE, "fibrix-tiny.img") }));
    // The rack serves images from its own directory: link the cached image in.
    copyFileSync(join(CACHE, "fibrix-tiny.img"), join(images, "fibrix-tiny"));

    ns = createTestNetns(`fxpxe${process.pid}`, "10.77.0.1/24");
    const disk = join(work, "disk.raw");
    writeFileSync(disk, "");
    truncateSync(disk, 1024 ** 3); // 1 GiB, sparse
    qemu = new QemuMachine({
      netns: ns.name,
      tap: ns.tap,
      mac: MAC,
      disk,
      memoryMiB: 512,
      cores: 2,
      consoleLog: join(work, "console.log"),
    });
    lab = await startLabBmcs({
      count: 1,
      basePort: 0,
      user: "root",
      password: "calvin",
      binding: () => qemu,
      timings: { onDelayMs: 50, offDelayMs: 50 },
    });

    r = await startTestRegion();
    const regionId = (
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
    ).body.id;
    rack = (
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-pxe",
          regionId,
          subnet: "10.77.0.0/24",
          dhcpRange: { start: "10.77.0.100", end: "10.77.0.200" },
        },
      })
    ).body;

    const bootUrl = `http://${ns.address}:${BOOT_PORT}`;
    boot = new BootServices({
      baseUrl: bootUrl,
      kernelPath: env.kernel,
      initrdPath: env.initrd,
      imagesDir: images,
    });
    server = new BootHttpServer(boot);
    const sock = join(work, "boot.sock");
    await server.listen({ path: sock });
    relay = await startNetnsRelay({ netns: ns.name, host: ns.address, port: BOOT_PORT, socketPath: sock });
    dnsmasq = new DnsmasqProcess({
      workDir: join(work, "dnsmasq"),
      netns: ns.name,
      onLog: (l) => dnsLog.push(l),
    });
    let applying = Promise.resolve();
    const applyDhcp = (config: RackConfig) => {
      const cfg = renderDnsmasqConfig({
        config,
        interface: ns!.bridge,
        bootUrl,
        tftpRoot: dnsmasq!.paths.tftpRoot,
        leaseFile: dnsmasq!.paths.leases,
        hostsFile: dnsmasq!.paths.hosts,
        extraHosts: boot!.pendingHosts(),
      });
      applying = applying.then(() => dnsmasq!.apply(cfg).then(() => undefined));
      return applying;
    };
    const deps = defaultDeps(`fxpxe${process.pid}-`);
    agent = new RackAgent({
      region: r.url,
      token: rack.enrollmentToken,
      bootUrl,
      interface: ns.bridge,
      claimWaitMs: 500,
      keepAliveMs: 10_000,
      log: pino({ level: "silent" }),
      deps,
      executors: [
        ...defaultExecutors(deps),
        commissionExecutor(deps, boot, { reportTimeoutMs: REPORT_TIMEOUT_MS, progressEveryMs: 10_000 }),
        deployExecutor(deps, boot, { reportTimeoutMs: REPORT_TIMEOUT_MS, progressEveryMs: 10_000 }),
        releaseExecutor(deps),
      ],
      onConfig: (c) => boot!.setConfig(c),
    });
    boot.onChange(() => {
      const c = boot!.getConfig();
      if (c) void applyDhcp(c).catch((e) => console.error(`dnsmasq: ${e.message}`));
    });
    await agent.start();
    await until(
      async () => dnsmasq!.running,
      (v) => v,
      15_000,
    );
  }, 300_000);

  afterAll(async () => {
    console.log(
      `boot events: ${JSON.stringify(boot?.events)}\nqemu starts: ${JSON.stringify(qemu?.starts)}\ndnsmasq:\n${dnsLog.slice(-40).join("\n")}\n--- console ---\n${qemu?.console().slice(-4000)}`,
    );
    await agent?.stop().catch(() => undefined);
    boot?.close();
    await server?.close();
    await relay?.stop();
    await dnsmasq?.stop();
    await qemu?.powerOff(false);
    await lab?.close();
    ns?.remove();
    await r?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`phases:\n${phases.map(([n, ms]) => `  ${n}: ${(ms / 1000).toFixed(1)} s`).join("\n")}`);
  }, 60_000);

  test("New → Commissioning → Ready with an inventory that matches the QEMU machine", async () => {
    const res = await http(r!.api, "POST", "/machines", {
      body: {
        hostname: "pe860-pxe",
        rackId: rack.id,
        macs: [MAC],
        power: {
          type: "ipmi",
          address: "127.0.0.1",
          port: lab!.bmcs[0]!.port,
          user: "root",
          password: "calvin",
        },
      },
    });
    expect(res.status).toBe(201);
    machineId = res.body.id;
    expect(["New", "Commissioning"]).toContain(res.body.status);
    const m = await phase("commission (PXE → report → Ready)", () =>
      until(machine, (x) => !["New", "Commissioning"].includes(x.status), 400_000),
    );
    expect({ status: m.status, reason: m.statusReason }).toEqual({
      status: "Ready",
      reason: "commissioning passed",
    });
    expect(m.inventory.cores).toBe(2);
    expect(m.inventory.memoryMiB).toBeGreaterThanOrEqual(500);
    expect(m.inventory.memoryMiB).toBeLessThanOrEqual(512);
    expect(m.inventory.storage).toEqual([{ name: "vda", sizeGiB: 1 }]);
    expect(m.inventory.nics).toEqual([{ name: expect.any(String), mac: MAC }]);
    expect(m.inventory.cpuModel).toMatch(/QEMU|CPU/);
    expect(m.powerState).toBe("off");
    // The machine really went through PXE: iPXE asked for its script, got the commissioning env.
    expect(boot!.events).toContainEqual(
      expect.objectContaining({ mac: MAC, machineId, decision: "ephemeral", mode: "commission" }),
    );
    expect(qemu!.starts[0]?.device).toBe("pxe");
    // The rack powers the machine off as soon as the report is in, so the console may end there.
    expect(qemu!.console()).toMatch(
      /fibrix: mode commission[\s\S]*fibrix: interface eth0 address 10\.77\.0\.\d+/,
    );
    console.log(`inventory: ${JSON.stringify(m.inventory)}`);
    const events = (await http(r!.api, "GET", `/events?object=${machineId}`)).body;
    const reasons = JSON.stringify(events);
    // The executor's progress messages reached the region's event log while it waited.
    expect(reasons).toContain("powered on into the commissioning environment");
  }, 420_000);

  test("deploy → the image is written, the machine boots from its own disk → Deployed", async () => {
    expect(
      (await http(r!.api, "PATCH", `/machines/${machineId}`, { body: { deploy: { image: "fibrix-tiny" } } }))
        .status,
    ).toBe(200);
    const q = await http(r!.api, "POST", `/machines/${machineId}/actions/deploy`, { body: {} });
    expect([200, 202]).toContain(q.status);
    const m = await phase("deploy (PXE → image → disk boot → Deployed)", () =>
      until(machine, (x) => !["Ready", "Allocated", "Deploying"].includes(x.status), 400_000),
    );
    expect({ status: m.status, reason: m.statusReason }).toEqual({ status: "Deployed", reason: "deployed" });
    expect(m.ip).toMatch(/^10\.77\.0\.(1\d\d|200)$/);
    expect(qemu!.starts.map((s) => s.device).slice(-2)).toEqual(["pxe", "disk"]);
    const out = qemu!.console();
    expect(out).toMatch(/fibrix: reported deploy/);
    expect(out).toMatch(/fibrix: booted from disk vda/);
    expect(out).toMatch(/fibrix: reported booted/);
    expect(lab!.bmcs[0]!.bmc.power.state).toBe("on");
  }, 420_000);
});
