/** `fibrix power …` run in-process against ipmi_sim (commander parses real argv). */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { powerCommand } from "../../../cli/commands/power";
import { type IpmiSimBmc, type IpmiSimFleet, startIpmiSims } from "../../helpers/ipmi-sim";

let fleet: IpmiSimFleet;
let bmc: IpmiSimBmc;
let dir: string;
let passwordFile: string;

beforeAll(async () => {
  fleet = await startIpmiSims({ count: 1, sensors: true });
  bmc = fleet.bmcs[0]!;
  dir = mkdtempSync(join(tmpdir(), "fibrix-power-cli-"));
  passwordFile = join(dir, "password");
  writeFileSync(passwordFile, "pass\n");
});

afterAll(async () => {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function fibrixPower(...args: string[]): Promise<{ out: string[]; err: string[]; code: number }> {
  const r = { out: [] as string[], err: [] as string[], code: -1 };
  const cmd = powerCommand({
    out: (l) => r.out.push(l),
    err: (l) => r.err.push(l),
    setExitCode: (c) => {
      r.code = c;
    },
  });
  await cmd.parseAsync(args, { from: "user" });
  return r;
}

const target = () => [
  "--address",
  bmc.host,
  "--port",
  String(bmc.port),
  "--user",
  "admin",
  "--password-file",
  passwordFile,
];

test("on, status, off: one line each, exit 0, BMC state follows", async () => {
  expect(await fibrixPower(...target(), "on")).toEqual({ out: ["power on: ok"], err: [], code: 0 });
  expect(bmc.power()).toBe("1");
  expect(await fibrixPower(...target(), "status")).toEqual({ out: ["power: on"], err: [], code: 0 });
  expect(await fibrixPower(...target(), "off")).toMatchObject({ out: ["power off: ok"], code: 0 });
  expect(bmc.power()).toBe("0");
});

test("--json status and bootdev pxe --persistent with straight password", async () => {
  const s = await fibrixPower(...target(), "--auth", "password", "--json", "status");
  expect(JSON.parse(s.out[0]!)).toEqual({ ok: true, type: "ipmi", power: "off" });
  const b = await fibrixPower(...target(), "--json", "bootdev", "pxe", "--persistent");
  expect(JSON.parse(b.out[0]!)).toEqual({ ok: true, type: "ipmi", bootDevice: "pxe", persistent: true });
  expect(bmc.boot()).toBe("pxe");
});

test("sensors and sel print one line per item", async () => {
  const s = await fibrixPower(...target(), "sensors");
  expect(s.code).toBe(0);
  expect(s.out).toHaveLength(4);
  expect(s.out[2]).toMatch(
    /^Fan1\s+Fan\s+1250 RPM\s+warning {2}LNR 500 LC 1000 LNC 1500 UNC 12000 UC 12500 UNR 12750$/,
  );
  expect(s.out[3]).toMatch(/^Intrusion\s+Physical Security\s+state 0x0\s+ok$/);
  const e = await fibrixPower(...target(), "sel");
  expect(e.out).toHaveLength(1);
  expect(e.out[0]).toMatch(/Temperature #1: Upper Critical going high \(asserted\)/);
});

test("errors: wrong password → exit 1 AUTHENTICATION; missing parameters → exit 2; dead port → exit 1 TIMEOUT", async () => {
  const wrong = join(dir, "wrong");
  writeFileSync(wrong, "nope");
  const a = await fibrixPower(
    "--address",
    bmc.host,
    "--port",
    String(bmc.port),
    "--user",
    "admin",
    "--password-file",
    wrong,
    "--timeout",
    "300",
    "status",
  );
  expect(a.code).toBe(1);
  expect(a.err[0]).toMatch(/^error POWER_AUTHENTICATION: incorrect password/);
  const m = await fibrixPower("--address", bmc.host, "status");
  expect(m).toMatchObject({ code: 2, out: [] });
  expect(m.err[0]).toMatch(/password: is required/);
  const t0 = Date.now();
  const d = await fibrixPower(
    "--address",
    "127.0.0.1",
    "--port",
    "9",
    "--user",
    "admin",
    "--password-file",
    passwordFile,
    "--timeout",
    "200",
    "--deadline",
    "600",
    "--json",
    "status",
  );
  expect(d.code).toBe(1);
  expect(JSON.parse(d.out[0]!)).toMatchObject({ ok: false, code: "POWER_TIMEOUT", retryable: true });
  expect(Date.now() - t0).toBeLessThan(1500);
  const bad = await fibrixPower(...target(), "bootdev", "floppy");
  expect(bad.code).toBe(2);
});

test("manual driver needs no address", async () => {
  expect(await fibrixPower("--type", "manual", "status")).toEqual({
    out: ["power: unknown"],
    err: [],
    code: 0,
  });
});
