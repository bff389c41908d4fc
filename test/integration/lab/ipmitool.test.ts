/**
 * An independent client (ipmitool 1.8, -I lan = IPMI v1.5) accepts the lab BMC: its answers
 * must agree with the lab's state handles, for MD5 and straight-password sessions.
 */
import { execFile } from "node:child_process";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { Ipmi15Client } from "../../../backend/power/ipmi15/client";
import { THRESHOLD_BITS } from "../../../backend/power/ipmi15/sensor-thresholds";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ipmitool(
  port: number,
  args: string[],
  opts: { auth?: string; password?: string; user?: string } = {},
): Promise<Run> {
  const argv = [
    "-I",
    "lan",
    "-H",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    opts.user ?? "admin",
    "-P",
    opts.password ?? "s3cret",
    "-A",
    opts.auth ?? "MD5",
    "-R",
    "2",
    "-N",
    "1",
    ...args,
  ];
  return new Promise((resolve) => {
    execFile("ipmitool", argv, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ipmitool -I lan against lab BMCs", () => {
  let lab: LabBmcs;

  beforeAll(async () => {
    lab = await startLabBmcs({
      count: 2,
      host: "127.0.0.1",
      basePort: 0,
      user: "admin",
      password: "s3cret",
      auths: [2, 4],
      timings: { onDelayMs: 200, offDelayMs: 20, cycleIntervalMs: 300 },
    });
  });

  afterAll(async () => {
    await lab.close();
  });

  test.each(["MD5", "PASSWORD"])(
    "chassis power status/on/off with -A %s follow the lab state",
    async (auth) => {
      const { port, bmc } = lab.bmcs[0]!;
      bmc.chassis("off");
      await sleep(50);
      expect((await ipmitool(port, ["chassis", "power", "status"], { auth })).stdout).toContain(
        "Chassis Power is off",
      );
      const on = await ipmitool(port, ["chassis", "power", "on"], { auth });
      expect(on.code).toBe(0);
      expect(on.stdout).toContain("Up/On");
      expect(bmc.power.transition?.target).toBe("on");
      await sleep(250);
      expect(bmc.power.state).toBe("on");
      expect((await ipmitool(port, ["chassis", "power", "status"], { auth })).stdout).toContain(
        "Chassis Power is on",
      );
      const off = await ipmitool(port, ["chassis", "power", "off"], { auth });
      expect(off.stdout).toContain("Down/Off");
      await sleep(50);
      expect(bmc.power.state).toBe("off");
      expect((await ipmitool(port, ["chassis", "power", "status"], { auth })).stdout).toContain(
        "Chassis Power is off",
      );
    },
  );

  test("chassis power cycle: off, then on again; refused (0xD5) while off", async () => {
    const { port, bmc } = lab.bmcs[1]!;
    const refused = await ipmitool(port, ["chassis", "power", "cycle"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not supported in present state/i);
    bmc.chassis("on");
    await sleep(250);
    const bootsBefore = bmc.power.boots.length;
    const cycle = await ipmitool(port, ["chassis", "power", "cycle"]);
    expect(cycle.stdout).toContain("Cycle");
    await sleep(60);
    expect(bmc.power.state).toBe("off");
    await sleep(600);
    expect(bmc.power.state).toBe("on");
    expect(bmc.power.boots.length).toBe(bootsBefore + 1);
  });

  test("chassis bootdev pxe sets a one-time PXE override that the next boot consumes", async () => {
    const { port, bmc } = lab.bmcs[0]!;
    bmc.chassis("off");
    await sleep(50);
    const r = await ipmitool(port, ["chassis", "bootdev", "pxe"]);
    expect(r.stdout).toContain("Set Boot Device to pxe");
    expect(bmc.power.bootFlags).toMatchObject({ valid: true, persistent: false, device: 1 });
    const get = await ipmitool(port, ["chassis", "bootparam", "get", "5"]);
    expect(get.stdout).toContain("Force PXE");
    expect(get.stdout).toContain("Boot Flag Valid");
    await ipmitool(port, ["chassis", "power", "on"]);
    await sleep(300);
    expect(bmc.power.boots.at(-1)).toMatchObject({ device: "pxe", cause: "power-on" });
    expect(bmc.power.bootFlags.valid).toBe(false);
  });

  test("mc info reports the PE860 device id (Dell, IPMI 1.5)", async () => {
    const r = await ipmitool(lab.bmcs[0]!.port, ["mc", "info"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Manufacturer ID\s+: 674/);
    expect(r.stdout).toMatch(/IPMI Version\s+: 1\.5/);
    expect(r.stdout).toMatch(/Firmware Revision\s+: 1\.50/);
  });

  test("sdr list shows every PE860 sensor; an injected fault shows as critical", async () => {
    const { port, bmc } = lab.bmcs[1]!;
    const r = await ipmitool(port, ["sdr", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    for (const spec of bmc.sensors.specs) {
      expect(lines.some((l) => l.startsWith(spec.name))).toBe(true);
    }
    const fan = lines.find((l) => l.startsWith("FAN 1 RPM"))!;
    const rpm = Number(/\|\s*(\d+) RPM/.exec(fan)![1]);
    expect(rpm / 75).toBeCloseTo(bmc.sensors.read(0x30)!.raw, -1);
    bmc.sensors.inject("CPU Temp", "upper-critical");
    const hot = await ipmitool(port, ["sdr", "list"]);
    expect(hot.stdout).toMatch(/CPU Temp\s+\| 92 degrees C\s+\| cr/);
    bmc.sensors.inject("CPU Temp", "normal");
  });

  test("ipmitool sensor shows the thresholds our client reads from the same BMC", async () => {
    const { port } = lab.bmcs[1]!;
    const r = await ipmitool(port, ["sensor"]);
    expect(r.code).toBe(0);
    // "name | reading | unit | status | LNR | LC | LNC | UNC | UC | UNR", 3 decimals, "na" for none.
    const theirs = new Map(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("|").map((c) => c.trim()))
        .map((c) => [c[0]!, c.slice(4, 10)] as const),
    );
    const client = new Ipmi15Client({ host: "127.0.0.1", port, username: "admin", password: "s3cret" });
    const ours = await client.sensors().finally(() => client.close());
    expect([...theirs.keys()].sort()).toEqual(ours.map((s) => s.name).sort());
    let compared = 0;
    for (const s of ours) {
      const cols = theirs.get(s.name)!;
      THRESHOLD_BITS.forEach(([n], i) => {
        const mine = s.thresholds?.[n];
        if (cols[i] === "na") expect([s.name, n, mine]).toEqual([s.name, n, undefined]);
        else {
          expect(Math.abs(Number(cols[i]) - mine!)).toBeLessThanOrEqual(0.0005 + 1e-9);
          compared++;
        }
      });
    }
    expect(compared).toBe(26);
  });

  test("sel list shows the log, including the events a fault appended", async () => {
    const { port, bmc } = lab.bmcs[0]!;
    bmc.sensors.inject("FAN 2 RPM", "lower-critical");
    const r = await ipmitool(port, ["sel", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(bmc.sel.records.length);
    expect(r.stdout).toContain("Log area reset/cleared");
    expect(r.stdout).toMatch(/Fan #0x31 \| Lower Critical going low/);
    bmc.sensors.inject("FAN 2 RPM", "normal");
    const clear = await ipmitool(port, ["sel", "clear"]);
    expect(clear.code).toBe(0);
    expect(bmc.sel.records).toHaveLength(1); // "log area reset/cleared", as a real BMC logs
    expect((await ipmitool(port, ["sel", "list"])).stdout).toMatch(/^\s+\d+ \|.*Log area reset\/cleared/);
  });

  test("a wrong password is refused (no session, counted as an auth failure)", async () => {
    const { port, bmc } = lab.bmcs[0]!;
    const before = bmc.stats.authFailures;
    const r = await ipmitool(port, ["chassis", "power", "status"], { password: "wrong" });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("Chassis Power is");
    expect(bmc.stats.authFailures).toBeGreaterThan(before);
    const u = await ipmitool(port, ["chassis", "power", "status"], { user: "mallory" });
    expect(u.code).not.toBe(0);
    expect(u.stderr).toMatch(/Invalid user name/);
  });
});
