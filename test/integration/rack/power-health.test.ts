/**
 * Power and health through the real queue: a real region on loopback, lab PE860 BMCs speaking
 * IPMI 1.5 on 127.0.0.1, and the rack agent in-process. The region queues the task, the agent
 * claims it, talks to the BMC and reports; the machine's record shows the outcome.
 */
import { createSocket, type Socket } from "node:dgram";
import pino from "pino";
import { fullSensorRecord, PE860_SENSORS } from "../../../backend/lab/bmc/pe860-profile";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { ThresholdBit, conversionFactors } from "../../../backend/power/ipmi15/commands/sdr";
import { convertReading } from "../../../backend/power/ipmi15/sensor-conversion";
import { THRESHOLD_NAMES } from "../../../backend/rack/health-report";
import type { SensorReading } from "../../../sdk/schema/machine";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { runCli } from "../../helpers/cli-run";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";
import { enlistIpmi, makeRack, waitTask } from "./rack-fixtures";

let r: TestRegion;
let lab: LabBmcs;
let agent: RackAgent;
let rack: { id: string; enrollmentToken: string };
/** A UDP port that swallows every datagram: a BMC that died (hung) on its port. */
let blackHole: Socket;

beforeAll(async () => {
  r = await startTestRegion();
  lab = await startLabBmcs({
    count: 3,
    basePort: 0,
    user: "root",
    password: "calvin",
    timings: { onDelayMs: 50, offDelayMs: 50 },
  });
  blackHole = createSocket("udp4");
  await new Promise<void>((res) => blackHole.bind(0, "127.0.0.1", res));
  rack = await makeRack(r, "rack-power");
  agent = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    // A dead BMC should fail in seconds here, not the production 30 s.
    deps: defaultDeps("fxrp-", { powerPolicy: { deadlineMs: 3_000, retryDelaysMs: [200] } }),
  });
  await agent.start();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await lab?.close();
  blackHole?.close();
  await r?.stop();
});

test("the agent comes online; 'power on' reaches the PE860's BMC and the machine says 'on'", async () => {
  expect((await http(r.api, "GET", `/racks/${rack.id}`)).body.status).toBe("Online");
  const id = await enlistIpmi(r, rack.id, "pe860-01", "52:54:00:31:00:01", lab.bmcs[0]!.port);
  expect(lab.bmcs[0]!.bmc.power.state).toBe("off");
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } });
  expect(q.status).toBe(202);
  const t = await waitTask(r, q.body.taskId);
  expect(t).toMatchObject({ status: "done", result: { action: "on", powerState: "on" } });
  expect(lab.bmcs[0]!.bmc.power.state).toBe("on");
  expect((await http(r.api, "GET", `/machines/${id}`)).body).toMatchObject({ powerState: "on" });

  const boot = await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "bootdev", device: "pxe" } })).body
      .taskId,
  );
  expect(boot).toMatchObject({ status: "done", result: { action: "bootdev", powerState: "on" } });
  expect(lab.bmcs[0]!.bmc.power.bootFlags).toMatchObject({ valid: true, device: 1 }); // 1 = force PXE (v2.0 table 28-14)

  const off = await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "off" } })).body.taskId,
  );
  expect(off).toMatchObject({ status: "done", result: { powerState: "off" } });
  expect(lab.bmcs[0]!.bmc.power.state).toBe("off");
  expect((await http(r.api, "GET", `/machines/${id}`)).body.powerState).toBe("off");
});

test("a BMC refusing the password: the machine's powerState is 'error' with the auth failure", async () => {
  const id = await enlistIpmi(r, rack.id, "pe860-02", "52:54:00:31:00:02", lab.bmcs[1]!.port, "wrong-pass");
  const t = await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } })).body.taskId,
  );
  expect(t).toMatchObject({ status: "failed", error: { code: "POWER_AUTHENTICATION" } });
  expect(lab.bmcs[1]!.bmc.power.state).toBe("off");
  const m = (await http(r.api, "GET", `/machines/${id}`)).body;
  expect(m.powerState).toBe("error");
  expect(m.powerError).toMatch(/^POWER_AUTHENTICATION: .*password/);
});

test("a dead BMC (port closed, or a BMC that hangs): a timeout is recorded on the machine", async () => {
  const closed = await new Promise<number>((res) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
  const hung = (blackHole.address() as { port: number }).port;
  const ids = [
    await enlistIpmi(r, rack.id, "pe860-03", "52:54:00:31:00:03", closed),
    await enlistIpmi(r, rack.id, "pe860-05", "52:54:00:31:00:05", hung),
  ];
  const t0 = Date.now();
  // Both at once: the agent runs tasks of different machines concurrently.
  const tasks = await Promise.all(
    ids.map(async (id) =>
      waitTask(
        r,
        (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "query" } })).body.taskId,
      ),
    ),
  );
  const ms = Date.now() - t0;
  for (const [i, t] of tasks.entries()) {
    expect(t).toMatchObject({ status: "failed", error: { code: "POWER_TIMEOUT", retryable: true } });
    const m = (await http(r.api, "GET", `/machines/${ids[i]}`)).body;
    expect(m.powerState).toBe("error");
    expect(m.powerError).toMatch(/^POWER_TIMEOUT: .*no answer from 127\.0\.0\.1/);
  }
  expect(ms).toBeLessThan(8_000); // concurrent, not 2 × the deadline
  console.log(`dead BMCs: POWER_TIMEOUT on both after ${ms} ms (policy deadline 3 s, 2 s per exchange)`);
}, 30_000);

test("health: a critical CPU temperature makes the machine critical, the sensor named; sensors and SEL listed", async () => {
  const id = await enlistIpmi(r, rack.id, "pe860-04", "52:54:00:31:00:04", lab.bmcs[2]!.port);
  lab.bmcs[2]!.bmc.sensors.inject("CPU Temp", "upper-critical");
  const t = await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "health" } })).body.taskId,
  );
  expect(t.status).toBe("done");
  const m = (await http(r.api, "GET", `/machines/${id}`)).body;
  expect(m.health.status).toBe("critical");
  expect(m.health.reasons.join("\n")).toMatch(/CPU Temp critical/);
  expect(m.powerState).toBe("off");
  const h = (await http(r.api, "GET", `/machines/${id}/health`)).body;
  expect(h.sensors.length).toBeGreaterThanOrEqual(12);
  expect(h.sensors.find((s: { name: string }) => s.name === "CPU Temp")).toMatchObject({
    kind: "temperature",
    status: "critical",
    unit: expect.stringMatching(/C/),
  });
  expect(h.sensors.find((s: { name: string }) => s.name === "FAN 1 RPM")).toMatchObject({
    kind: "fan",
    status: "ok",
  });
  // Thresholds, stored and served in units: the profile's raw bytes × M · 10^Rexp.
  const byName = new Map<string, SensorReading>(h.sensors.map((s: SensorReading) => [s.name, s]));
  expect(byName.get("CPU Temp")!.thresholds).toEqual({ upperNonCritical: 85, upperCritical: 90 });
  expect(byName.get("FAN 1 RPM")!.thresholds).toEqual({ lowerNonCritical: 1800, lowerCritical: 1500 });
  expect(byName.get("12V")!.thresholds).toEqual({ lowerCritical: 10.773, upperCritical: 13.167 });
  expect(byName.get("PS Status")).not.toHaveProperty("thresholds");
  for (const spec of PE860_SENSORS) {
    if (spec.kind !== "threshold") continue;
    const f = conversionFactors(fullSensorRecord(spec, 1));
    const want = Object.entries(THRESHOLD_NAMES)
      .filter(([n]) => spec.readable & ThresholdBit[n.toUpperCase() as keyof typeof ThresholdBit])
      .map(([n, api]) => [api, convertReading(spec.thresholds[n as keyof typeof spec.thresholds], f)]);
    expect([spec.name, byName.get(spec.name)!.thresholds]).toEqual([spec.name, Object.fromEntries(want)]);
  }
  // The CLI's table: ipmitool's threshold columns, and the state naming the threshold reached.
  const cli = await runCli(r.url, ["machines", "health", id]);
  expect(cli.code).toBe(0);
  const lines = cli.stdout.split("\n");
  expect(lines.find((l) => l.startsWith("SENSOR"))).toMatch(
    /VALUE\s+LNR\s+LC\s+LNC\s+UNC\s+UC\s+UNR\s+STATE$/,
  );
  expect(lines.find((l) => l.startsWith("CPU Temp"))).toMatch(
    /\s-\s+-\s+-\s+85\s+90\s+-\s+critical \(at or above upper critical 90 degrees C\)$/,
  );
  expect(lines.find((l) => l.startsWith("12V"))).toMatch(/\s-\s+10\.773\s+-\s+-\s+13\.167\s+-\s+ok$/);
  // The BMC logged the threshold crossing; the SEL entry names the sensor and is critical.
  expect(h.sel).toEqual(
    expect.arrayContaining([expect.objectContaining({ sensor: "CPU Temp", severity: "critical" })]),
  );

  // Cleared: the next poll is healthy again (the deassertion is informational).
  lab.bmcs[2]!.bmc.sensors.inject("CPU Temp", "normal");
  await waitTask(
    r,
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "health" } })).body.taskId,
  );
  const after = (await http(r.api, "GET", `/machines/${id}/health`)).body;
  expect(after.sensors.find((s: { name: string }) => s.name === "CPU Temp").status).toBe("ok");
  // The SEL still holds the critical crossing, so the machine stays critical and no health
  // event is written; the sensor's own recovery is one event (the first read had none to compare).
  expect(after.health.status).toBe("critical");
  const events = (await http(r.api, "GET", `/events?object=${id}`)).body.items as { kind: string }[];
  expect(events.filter((e) => e.kind === "sensor")).toEqual([
    expect.objectContaining({
      from: "critical",
      to: "ok",
      reason: expect.stringMatching(/^CPU Temp: \d+ degrees C$/),
    }),
  ]);
});

test("throughput: 40 machines' power queries through region, agent (8 at a time) and BMCs", async () => {
  const many = await startLabBmcs({ count: 40, basePort: 0, user: "root", password: "calvin" });
  try {
    const ids: string[] = [];
    for (const [i, b] of many.bmcs.entries()) {
      const mac = `52:54:00:35:00:${i.toString(16).padStart(2, "0")}`;
      ids.push(await enlistIpmi(r, rack.id, `pe860-t${i}`, mac, b.port));
    }
    const t0 = Date.now();
    const queued = await Promise.all(
      ids.map(
        async (id) =>
          (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "query" } })).body.taskId,
      ),
    );
    const tasks = await Promise.all(queued.map((t) => waitTask(r, t)));
    const ms = Date.now() - t0;
    expect(tasks.every((t) => t.status === "done" && t.result.powerState === "off")).toBe(true);
    console.log(
      `40 power queries via the queue: ${ms} ms (${((40 * 1000) / ms).toFixed(0)} tasks/s, concurrency 8)`,
    );
  } finally {
    await many.close();
  }
}, 60_000);
