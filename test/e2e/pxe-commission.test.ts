/**
 * The real PXE path, end to end (issue 6): a QEMU (TCG) machine on a tap in a network namespace
 * this test makes, powered through a lab IPMI 1.5 BMC on 127.0.0.1, is commissioned and then
 * deployed by the real region and the real rack agent with its boot services:
 *   iPXE ROM → DHCP from the rack's dnsmasq (in the netns) → boot.ipxe from the rack's HTTP boot
 *   server → ephemeral kernel + initramfs built from Debian packages → hardware report →
 *   New → Commissioning → Ready with an inventory matching the QEMU flags;
 *   deploy → image streamed onto the disk → BMC boot device disk → the machine boots from its
 *   own disk and reports → Deployed with its DHCP address.
 * The rack is the real `fibrix rack serve --boot` process. It is killed with SIGKILL in the middle
 * of the first commissioning: the machine ends FailedCommissioning with the reason once the
 * task's lease runs out, and a restarted rack (same work directory: its predecessor's dnsmasq and
 * relay are cleared) commissions it to Ready and deploys it.
 * Boot traffic exists only inside the namespace (10.77.0.0/24 lives nowhere else); the BMC and
 * the region are on loopback. Skips only when /dev/net/tun or `ip netns` is unavailable.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabBmcs, startLabBmcs } from "../../backend/lab/bmc/server";
import { startWolReceiver, type WolReceiver } from "../../backend/lab/wol/receiver";
import { buildDiskImage } from "../../backend/rack/boot/disk-image";
import { buildEphemeralEnv } from "../../backend/rack/boot/ephemeral-env";
import { DEFAULT_LEASE_MS } from "../../backend/region/tasks";
import { Watchdog } from "../../backend/region/watchdog";
import { createTestNetns, netnsUnavailable, type TestNetns } from "../helpers/netns";
import { QemuMachine } from "../helpers/qemu-machine";
import { http, startTestRegion, type TestRegion } from "../helpers/region";
import { own } from "../helpers/run-dirs";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`pxe-commission e2e skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const MAC = "52:54:00:77:00:10";
const BOOT_PORT = 8080;
const CACHE = join(__dirname, "../../.data/boot");
const FIBRIX = join(__dirname, "../../bin/fibrix.js");
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
let wol: WolReceiver | undefined;
let qemu: QemuMachine | undefined;
let rack: { id: string; enrollmentToken: string };
let machineId: string;
/** The rack agent processes, in start order, with what they printed. */
const racks: { child: ChildProcess; out: string[] }[] = [];

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
const eventsText = async () =>
  JSON.stringify((await http(r!.api, "GET", `/events?object=${machineId}`)).body);

/** PIDs of the dnsmasq processes inside the test's namespace. */
function dnsmasqInNs(): number[] {
  const pids = execFileSync("ip", ["netns", "pids", ns!.name], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  return pids.map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "dnsmasq";
    } catch {
      return false;
    }
  });
}

/** `fibrix rack serve --boot` in lab mode, as an operator would run it; resolves when it runs. */
async function startRackProcess(): Promise<{ child: ChildProcess; out: string[] }> {
  const child = spawn(
    process.execPath,
    [
      FIBRIX,
      "rack",
      "serve",
      "--region",
      r!.url,
      "--token",
      rack.enrollmentToken,
      "--boot",
      "--interface",
      ns!.bridge,
      "--boot-url",
      `http://${ns!.address}:${BOOT_PORT}`,
      "--data",
      join(work, "rack"),
      "--images",
      join(work, "images"),
      "--boot-cache",
      CACHE,
      "--lab-netns",
      ns!.name,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const entry = { child, out: [] as string[] };
  racks.push(entry);
  if (child.pid !== undefined) own("pid", child.pid);
  child.stdout!.on("data", (d) => entry.out.push(String(d)));
  child.stderr!.on("data", (d) => entry.out.push(String(d)));
  await until(
    async () => entry.out.join(""),
    (o) => /rack agent running for rack/.test(o) || child.exitCode !== null,
    120_000,
  );
  if (child.exitCode !== null) throw new Error(`rack serve exited ${child.exitCode}: ${entry.out.join("")}`);
  // Its first heartbeat's config starts dnsmasq in the namespace.
  await until(
    async () => dnsmasqInNs(),
    (p) => p.length === 1,
    20_000,
  );
  return entry;
}

maybe("PXE commissioning and deployment of a QEMU PE860 through the real rack", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fibrix-pxe-"));
    chmodSync(work, 0o755); // dnsmasq drops to nobody and must reach its TFTP root and hosts file
    const env = await phase("build ephemeral environment", () => buildEphemeralEnv({ cacheDir: CACHE }));
    const images = join(work, "images");
    mkdirSync(images);
    await phase("build disk image", () => buildDiskImage({ env, out: join(CACHE, "fibrix-tiny.img") }));
    // The rack serves images from its own directory: copy the cached image in.
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
    // The same machine's network card, for the Wake-on-LAN test (magic packets to loopback).
    wol = await startWolReceiver({ machines: { [MAC]: qemu } });

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
    await phase("start `fibrix rack serve --boot`", () => startRackProcess());
  }, 300_000);

  afterAll(async () => {
    const last = racks[racks.length - 1];
    console.log(
      `qemu starts: ${JSON.stringify(qemu?.starts)}\nrack output:\n${last?.out.join("").slice(-3000)}\n--- console ---\n${qemu?.console().slice(-4000)}`,
    );
    for (const { child } of racks) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await new Promise((res) => child.once("exit", res));
      }
    }
    await qemu?.powerOff(false);
    await lab?.close();
    await wol?.close();
    ns?.remove();
    await r?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`phases:\n${phases.map(([n, ms]) => `  ${n}: ${(ms / 1000).toFixed(1)} s`).join("\n")}`);
  }, 60_000);

  test("the rack is killed mid-commissioning: FailedCommissioning with the reason after the lease", async () => {
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
    // Mid-commissioning: the rack set PXE, powered the machine on and waits for its report
    // (the machine needs tens of seconds under TCG to get there: the kill comes well before).
    await phase("commission until the machine is powered into PXE", () =>
      until(eventsText, (t) => t.includes("powered on into the commissioning environment"), 120_000),
    );
    expect((await machine()).status).toBe("Commissioning");
    expect(qemu!.starts.map((x) => x.device)).toEqual(["pxe"]);
    const first = racks[0]!;
    first.child.kill("SIGKILL");
    await new Promise((res) => first.child.once("exit", res));

    // The region's watchdog, once the lease has run out (its clock moved past it).
    await new Watchdog(r!.region.ctx, { healthEveryMs: 0, reconcileEveryMs: 0 }).pass(
      Date.now() + DEFAULT_LEASE_MS + 1_000,
    );
    const m = await machine();
    expect(m.status).toBe("FailedCommissioning");
    expect(m.statusReason).toMatch(/stopped reporting/);
    // The killed rack left its dnsmasq running in the namespace: the next rack must clear it.
    expect(dnsmasqInNs()).toHaveLength(1);
  }, 420_000);

  test("a restarted rack resumes: commission again → Ready with an inventory that matches QEMU", async () => {
    const stale = dnsmasqInNs();
    await phase("restart `fibrix rack serve --boot`", () => startRackProcess());
    expect(dnsmasqInNs()).not.toEqual(stale); // exactly one, and a new one
    const q = await http(r!.api, "POST", `/machines/${machineId}/actions/commission`, { body: {} });
    expect([200, 202]).toContain(q.status);
    const m = await phase("commission (PXE → report → Ready)", () =>
      until(machine, (x) => !["FailedCommissioning", "New", "Commissioning"].includes(x.status), 400_000),
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
    // Both attempts really went through PXE (the second one power-cycled into it).
    expect(qemu!.starts.map((x) => x.device)).toEqual(["pxe", "pxe"]);
    expect(qemu!.console()).toMatch(
      /fibrix: mode commission[\s\S]*fibrix: interface eth0 address 10\.77\.0\.\d+/,
    );
    console.log(`inventory: ${JSON.stringify(m.inventory)}`);
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

  test("a machine without a BMC: Wake-on-LAN commissions and deploys it", async () => {
    // Released (powered off by its BMC), then managed by Wake-on-LAN alone: no boot device, no
    // power off, no status. Its firmware boots from the network first.
    const rel = await http(r!.api, "POST", `/machines/${machineId}/actions/release`, { body: {} });
    expect([200, 202]).toContain(rel.status);
    await until(machine, (x) => x.status === "Ready", 120_000);
    const patched = await http(r!.api, "PATCH", `/machines/${machineId}`, {
      body: { power: { type: "wol", broadcast: "127.0.0.1", port: wol!.port } },
    });
    expect(patched.status).toBe(200);
    const starts = qemu!.starts.length;

    const c = await http(r!.api, "POST", `/machines/${machineId}/actions/commission`, { body: {} });
    expect(c.body.status).toBe("Commissioning");
    const ready = await phase("WoL commission (magic packet → PXE → report → Ready)", () =>
      until(machine, (x) => x.status !== "Commissioning", 400_000),
    );
    expect({ status: ready.status, reason: ready.statusReason }).toEqual({
      status: "Ready",
      reason: "commissioning passed",
    });
    expect(wol!.woken).toContain(MAC);
    expect(qemu!.starts.slice(starts).map((x) => x.device)).toEqual(["pxe"]);
    // The environment powered itself off: the rack has no way to.
    await until(
      () => qemu!.state(),
      (st) => st === "off",
      60_000,
    );

    await http(r!.api, "POST", `/machines/${machineId}/actions/deploy`, { body: {} });
    const m = await phase(
      "WoL deploy (PXE → image → wake again → iPXE sends it to its disk → Deployed)",
      () => until(machine, (x) => !["Ready", "Allocated", "Deploying"].includes(x.status), 400_000),
    );
    expect({ status: m.status, reason: m.statusReason }).toEqual({ status: "Deployed", reason: "deployed" });
    // Woken twice: into the deploy environment, then into the deployed system (network first,
    // and the rack's iPXE script exits to the disk).
    expect(qemu!.starts.slice(starts + 1).map((x) => x.device)).toEqual(["pxe", "pxe"]);
    expect(qemu!.console()).toMatch(/fibrix: booted from disk vda[\s\S]*$/);
  }, 900_000);
});
