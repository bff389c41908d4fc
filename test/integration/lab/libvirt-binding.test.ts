/**
 * The lab BMC driving a real libvirt domain through virsh (the run's private libvirtd, TCG):
 * ipmitool's power on/off reach the domain, and a domain stopped behind the BMC's back shows
 * as off.
 */
import { execFile } from "node:child_process";
import { acquireLibvirtd, removeDomains } from "../../helpers/libvirtd";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { virshMachine } from "../../../backend/lab/bmc/virsh-binding";

let URI = "";
const DOMAIN = `fibrix-lab-bmc-${process.pid}`;

function sh(
  cmd: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const virsh = (...args: string[]) => sh("virsh", ["-c", URI, ...args]);
const domstate = async () => (await virsh("domstate", DOMAIN)).stdout.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(100);
  }
  return false;
}

describe("lab BMC bound to a libvirt domain (virsh)", () => {
  let dir: string;
  let lab: LabBmcs;
  let port: number;

  const ipmitool = (...args: string[]) =>
    sh("ipmitool", [
      "-I",
      "lan",
      "-H",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "admin",
      "-P",
      "pw",
      "-A",
      "MD5",
      ...args,
    ]);

  beforeAll(async () => {
    URI = (await acquireLibvirtd()).uri;
    dir = mkdtempSync(join(tmpdir(), "lab-libvirt-"));
    const xml = join(dir, "domain.xml");
    writeFileSync(
      xml,
      `<domain type='qemu'><name>${DOMAIN}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>` +
        `<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>` +
        `<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`,
    );
    const def = await virsh("define", xml);
    if (def.code !== 0) throw new Error(def.stderr);
    lab = await startLabBmcs({
      count: 1,
      basePort: 0,
      user: "admin",
      password: "pw",
      timings: { onDelayMs: 0, offDelayMs: 0 },
      binding: () => virshMachine(URI, DOMAIN),
    });
    port = lab.bmcs[0]!.port;
  });

  afterAll(async () => {
    await lab?.close();
    if (URI) await removeDomains(DOMAIN);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("ipmitool power on starts the domain; power off destroys it; status follows", async () => {
    const bmc = lab.bmcs[0]!.bmc;
    expect(await domstate()).toBe("shut off");
    expect((await ipmitool("chassis", "power", "status")).stdout).toContain("is off");
    expect((await ipmitool("chassis", "power", "on")).stdout).toContain("Up/On");
    expect(await waitFor(async () => (await domstate()) === "running", 20_000)).toBe(true);
    await bmc.idle();
    expect(bmc.stats.bindingErrors).toBe(0);
    expect((await ipmitool("chassis", "power", "status")).stdout).toContain("is on");
    expect((await ipmitool("chassis", "power", "off")).stdout).toContain("Down/Off");
    expect(await waitFor(async () => (await domstate()) === "shut off", 20_000)).toBe(true);
    expect((await ipmitool("chassis", "power", "status")).stdout).toContain("is off");
  });

  test("a domain destroyed behind the BMC's back reads as off (status asks libvirt)", async () => {
    const bmc = lab.bmcs[0]!.bmc;
    await ipmitool("chassis", "power", "on");
    expect(await waitFor(async () => (await domstate()) === "running", 20_000)).toBe(true);
    await bmc.idle();
    expect((await virsh("destroy", DOMAIN)).code).toBe(0);
    expect((await ipmitool("chassis", "power", "status")).stdout).toContain("is off");
    expect(bmc.power.state).toBe("off");
  });
});
