/**
 * FreeIPMI (ipmipower, ipmi-sensors, ipmi-sel; -D LAN = IPMI v1.5) accepts the lab BMCs.
 * FreeIPMI checks the auth code and sequence numbers of every response, so this is the strict
 * client. BMCs sit on distinct loopback addresses because ipmipower labels output by host.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fullSensorRecord, PE860_SENSORS } from "../../../backend/lab/bmc/pe860-profile";
import { type LabBmcs, loopbackAddresses, startLabBmcs } from "../../../backend/lab/bmc/server";
import { resolveThresholds } from "../../../backend/power/ipmi15/sensor-thresholds";
import { THRESHOLD_NAMES } from "../../../backend/rack/health-report";
import { FREEIPMI_PRECISION, ipmiSensors } from "../../helpers/ipmi-sensors";

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "127.0.71.1: on" lines → map host → word. */
function parseStatus(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.trim().split("\n")) {
    const i = line.indexOf(": ");
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2).trim());
  }
  return m;
}

describe("FreeIPMI against lab BMCs on distinct loopback addresses", () => {
  let lab: LabBmcs;
  let cacheDir: string;
  const addresses = loopbackAddresses(4, "127.0.71.1");
  let hosts: string;

  const ipmipower = (extra: string[], password = "s3cret", h = hosts) =>
    run("ipmipower", [
      "-D",
      "LAN",
      "-a",
      "MD5",
      "-u",
      "admin",
      "-p",
      password,
      "-h",
      h,
      "--session-timeout=3000",
      ...extra,
    ]);

  beforeAll(async () => {
    lab = await startLabBmcs({
      addresses,
      port: 0,
      user: "admin",
      password: "s3cret",
      auths: [2, 4],
      timings: { onDelayMs: 150, offDelayMs: 20 },
    });
    hosts = lab.bmcs.map((b) => `${b.host}:${b.port}`).join(",");
    cacheDir = mkdtempSync(join(tmpdir(), "lab-freeipmi-"));
  });

  afterAll(async () => {
    await lab.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test("ipmipower --stat reports each host's own power state", async () => {
    lab.bmcs[1]!.bmc.chassis("on");
    lab.bmcs[3]!.bmc.chassis("on");
    await sleep(200);
    const r = await ipmipower(["--stat"]);
    expect(r.code).toBe(0);
    const st = parseStatus(r.stdout);
    expect(st.size).toBe(4);
    for (const b of lab.bmcs) expect(st.get(b.host)).toBe(b.bmc.power.state);
  });

  test("ipmipower --on / --off drive every BMC; the lab state follows", async () => {
    const on = await ipmipower(["--on"]);
    const onMap = parseStatus(on.stdout);
    expect(onMap.size).toBe(4);
    expect([...onMap.values()].every((v) => v === "ok")).toBe(true);
    await sleep(200);
    for (const b of lab.bmcs) expect(b.bmc.power.state).toBe("on");
    const stat = parseStatus((await ipmipower(["--stat"])).stdout);
    expect(stat.size).toBe(4);
    expect([...stat.values()].every((v) => v === "on")).toBe(true);
    const off = await ipmipower(["--off"], "s3cret", `${lab.bmcs[0]!.host}:${lab.bmcs[0]!.port}`);
    expect(off.stdout).toContain("ok");
    await sleep(50);
    expect(lab.bmcs[0]!.bmc.power.state).toBe("off");
    expect(lab.bmcs[1]!.bmc.power.state).toBe("on");
  });

  test("ipmipower with a wrong password gets no session and changes nothing", async () => {
    const b = lab.bmcs[2]!;
    const before = b.bmc.power.state;
    const r = await ipmipower(["--off", "--retransmission-timeout=200"], "wrong", `${b.host}:${b.port}`);
    expect(r.stdout).toMatch(/password|timeout/i);
    expect(r.stdout).not.toContain(": ok");
    expect(b.bmc.power.state).toBe(before);
    expect(b.bmc.stats.authFailures).toBeGreaterThan(0);
  });

  test("ipmi-sensors reads the SDR and readings, and sees an injected critical fault", async () => {
    const b = lab.bmcs[0]!;
    b.bmc.sensors.inject("Ambient Temp", "upper-critical");
    const r = await run("ipmi-sensors", [
      "-D",
      "LAN",
      "-a",
      "MD5",
      "-u",
      "admin",
      "-p",
      "s3cret",
      "-h",
      `${b.host}:${b.port}`,
      "--quiet-cache",
      `--sdr-cache-directory=${cacheDir}`,
      "--comma-separated-output",
      "--no-header-output",
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    expect(rows).toHaveLength(b.bmc.sensors.specs.length);
    const ambient = rows.find((x) => x[1] === "Ambient Temp")!;
    expect(Number(ambient[3])).toBe(49);
    expect(ambient[5]).toMatch(/Upper Critical/);
    const v12 = rows.find((x) => x[1] === "12V")!;
    expect(Number(v12[3])).toBeCloseTo((63 * b.bmc.sensors.read(0x13)!.raw) / 1000, 2);
    expect(rows.find((x) => x[1] === "PS Status")![5]).toContain("Presence detected");
    b.bmc.sensors.inject("Ambient Temp", "normal");
  });

  test("ipmi-sensors --output-sensor-thresholds reads the PE860 profile's thresholds, in units", async () => {
    const b = lab.bmcs[1]!;
    const theirs = await ipmiSensors({ host: b.host, port: b.port, user: "admin", password: "s3cret" });
    let compared = 0;
    for (const spec of PE860_SENSORS) {
      const f = theirs.get(spec.name)!;
      if (spec.kind !== "threshold") {
        expect([spec.name, f.thresholds]).toEqual([spec.name, {}]);
        continue;
      }
      const rec = fullSensorRecord(spec, 1);
      const want = resolveThresholds(rec, {
        completionCode: 0,
        thresholds: { readableMask: spec.readable, values: spec.thresholds },
      });
      const got = f.thresholds as Record<string, number>;
      expect([spec.name, Object.keys(got).sort()]).toEqual([
        spec.name,
        Object.keys(want)
          .map((k) => THRESHOLD_NAMES[k as keyof typeof THRESHOLD_NAMES])
          .sort(),
      ]);
      for (const [k, v] of Object.entries(want)) {
        expect(Math.abs(got[THRESHOLD_NAMES[k as keyof typeof THRESHOLD_NAMES]]! - v)).toBeLessThanOrEqual(
          FREEIPMI_PRECISION,
        );
        compared++;
      }
    }
    expect(compared).toBe(26); // 3 temperatures (2+4+2), 4 fans × 2, 5 voltages × 2
  });

  test("ipmi-sel lists the same number of entries as the lab SEL", async () => {
    const b = lab.bmcs[3]!;
    const r = await run("ipmi-sel", [
      "-D",
      "LAN",
      "-a",
      "MD5",
      "-u",
      "admin",
      "-p",
      "s3cret",
      "-h",
      `${b.host}:${b.port}`,
      "--quiet-cache",
      `--sdr-cache-directory=${cacheDir}`,
      "--comma-separated-output",
      "--no-header-output",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(b.bmc.sel.records.length);
    expect(r.stdout).toContain("General Chassis Intrusion");
  });
});
