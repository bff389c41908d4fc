/**
 * The region's side of the rack protocol, driven over HTTP as a rack agent would: heartbeat
 * and config, leased claims, progress, results and their effects, and the watchdog's handling
 * of lost racks and stuck machines.
 */
import { Watchdog } from "../../../backend/region/watchdog";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";

let r: TestRegion;
let rackId: string;
let token: string;
let watchdog: Watchdog;

const inventory = {
  cores: 2,
  memoryMiB: 8192,
  storage: [{ name: "sda", sizeGiB: 250 }],
  nics: [{ name: "eth0", mac: "52:54:00:00:10:01" }],
  cpuModel: "Intel(R) Xeon(R) CPU 3070 @ 2.66GHz",
};

async function enlist(hostname: string, mac: string, commission = true): Promise<string> {
  const res = await http(r.api, "POST", "/machines", {
    body: {
      hostname,
      rackId,
      macs: [mac],
      power: { type: "ipmi", address: "127.0.0.1", port: 9623, user: "root", password: "calvin" },
      commission,
    },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const claim = async (max = 10) =>
  (await http(r.api, "POST", "/rack-agent/tasks/claim", { key: token, body: { max } })).body.tasks;
const report = (id: string, body: unknown) =>
  http(r.api, "POST", `/rack-agent/tasks/${id}/result`, { key: token, body });
const machine = async (id: string) => (await http(r.api, "GET", `/machines/${id}`)).body;

beforeAll(async () => {
  r = await startTestRegion();
  watchdog = new Watchdog(r.region.ctx, { busyTimeoutMs: 30 * 60_000, healthEveryMs: 0 });
  const regionId = (
    await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
  ).body.id;
  const rack = await http(r.api, "POST", "/racks", {
    body: {
      name: "rack-1",
      regionId,
      subnet: "10.20.0.0/24",
      dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
    },
  });
  rackId = rack.body.id;
  token = rack.body.enrollmentToken;
});
afterAll(async () => r.stop());

test("rack tokens open only the rack protocol, and only they open it", async () => {
  expect((await http(r.api, "GET", "/regions", { key: token })).status).toBe(403);
  expect(
    (await http(r.api, "POST", "/rack-agent/heartbeat", { body: { version: "x", hostname: "h" } })).status,
  ).toBe(403);
  expect(
    (
      await http(r.api, "POST", "/rack-agent/heartbeat", {
        key: "fbr_forged",
        body: { version: "x", hostname: "h" },
      })
    ).status,
  ).toBe(401);
});

test("heartbeat brings the rack Online and returns its boot config", async () => {
  const id = await enlist("pe860-hb", "52:54:00:00:10:01");
  const hb = await http(r.api, "POST", "/rack-agent/heartbeat", {
    key: token,
    body: { version: "0.1.0", hostname: "rack-host" },
  });
  expect(hb.status).toBe(200);
  expect(hb.body).toMatchObject({
    rackId,
    subnet: "10.20.0.0/24",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  expect(hb.body.machines).toContainEqual(
    expect.objectContaining({ id, hostname: "pe860-hb", macs: ["52:54:00:00:10:01"], boot: "commission" }),
  );
  const rack = (await http(r.api, "GET", `/racks/${rackId}`)).body;
  expect(rack.status).toBe("Online");
  expect(rack.lastHeartbeat).not.toBeNull();
});

test("commissioning: claimed once with the BMC password, progress keeps the lease, the report makes the machine Ready", async () => {
  const tasks = await claim();
  const t = tasks.find((x: any) => x.kind === "commission");
  expect(t.payload.power).toEqual({
    type: "ipmi",
    address: "127.0.0.1",
    port: 9623,
    user: "root",
    password: "calvin",
  });
  expect(t.attempt).toBe(1);
  expect(await claim()).toEqual([]); // leased: nobody else gets it
  expect((await report(t.id, { ok: true, progress: "PXE booting" })).status).toBe(204);
  const done = await report(t.id, {
    ok: true,
    result: { inventory, tests: [{ name: "memory", passed: true, detail: "ok" }] },
  });
  expect(done.status).toBe(204);
  const m = await machine(t.objectId);
  expect(m.status).toBe("Ready");
  expect(m.inventory).toEqual(inventory);
  expect((await report(t.id, { ok: true, result: {} })).status).toBe(409); // already finished
  const task = (await http(r.api, "GET", `/tasks/${t.id}`)).body;
  expect(task).toMatchObject({ status: "done", kind: "commission" });
  expect(JSON.stringify(task)).not.toContain("calvin");
  const events = (await http(r.api, "GET", `/events?object=${t.objectId}`)).body.items;
  expect(events.map((e: any) => e.kind)).toEqual(["enlisted", "transition", "progress", "transition"]);
  expect(events[3]).toMatchObject({ from: "Commissioning", to: "Ready", actor: `rack:${rackId}` });
});

test("failed hardware tests make FailedCommissioning with the reason", async () => {
  const id = await enlist("pe860-bad", "52:54:00:00:10:02");
  const t = (await claim()).find((x: any) => x.objectId === id);
  await report(t.id, {
    ok: true,
    result: { inventory, tests: [{ name: "memory", passed: false, detail: "pattern mismatch at 0x1f000" }] },
  });
  const m = await machine(id);
  expect(m.status).toBe("FailedCommissioning");
  expect(m.statusReason).toMatch(/memory: pattern mismatch/);
});

test("a rack that dies mid-task: the lease expires and the watchdog fails it with a reason", async () => {
  const id = await enlist("pe860-lost", "52:54:00:00:10:03");
  const t = (await claim()).find((x: any) => x.objectId === id);
  expect(t).toBeDefined();
  await watchdog.pass(Date.now() + 61_000);
  const m = await machine(id);
  expect(m.status).toBe("FailedCommissioning");
  expect(m.statusReason).toMatch(/RACK_LOST/);
  // A late report from the dead rack is refused: the task is no longer running.
  expect((await report(t.id, { ok: true, result: { inventory, tests: [] } })).status).toBe(409);
});

test("retryable work is re-queued after a lost lease and completed by the next claim", async () => {
  const id = await enlist("pe860-pw", "52:54:00:00:10:04", false);
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } });
  expect(q.status).toBe(202);
  await r.region.ctx.store.db
    .updateTable("tasks")
    .set({ maxAttempts: 2 })
    .where("id", "=", q.body.taskId)
    .execute();
  const first = (await claim()).find((x: any) => x.id === q.body.taskId);
  expect(first.attempt).toBe(1);
  await watchdog.pass(Date.now() + 61_000);
  const second = (await claim()).find((x: any) => x.id === q.body.taskId);
  expect(second.attempt).toBe(2);
  await report(second.id, { ok: true, result: { action: "on", powerState: "on" } });
  expect((await machine(id)).powerState).toBe("on");
});

test("a BMC refusing the password leaves a machine state that says so", async () => {
  const id = await enlist("pe860-auth", "52:54:00:00:10:05", false);
  const listed = async () =>
    (await http(r.api, "GET", "/machines?limit=1000")).body.items.find((m: any) => m.id === id).powerState;
  expect(await listed()).toBe("unknown"); // now cached in the list view cache
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "query" } });
  const t = (await claim()).find((x: any) => x.id === q.body.taskId);
  await report(t.id, {
    ok: false,
    error: { code: "AUTHENTICATION", message: "BMC 127.0.0.1:9623 refused the password" },
  });
  const m = await machine(id);
  expect(m.powerState).toBe("error");
  expect(m.powerError).toBe("AUTHENTICATION: BMC 127.0.0.1:9623 refused the password");
  expect(await listed()).toBe("error"); // the rack's result bumped the version: the list is fresh
  expect((await http(r.api, "GET", `/tasks/${q.body.taskId}`)).body.error.code).toBe("AUTHENTICATION");
});

test("health reports: a critical sensor or SEL event marks the machine unhealthy, with reasons", async () => {
  const id = await enlist("pe860-hot", "52:54:00:00:10:06", false);
  const res = await http(r.api, "POST", `/rack-agent/machines/${id}/health`, {
    key: token,
    body: {
      powerState: "on",
      sensors: [
        { name: "CPU Temp", kind: "temperature", value: 97, unit: "C", status: "critical" },
        { name: "FAN 1 RPM", kind: "fan", value: 5400, unit: "RPM", status: "ok" },
      ],
      sel: [
        { id: 7, at: null, sensor: "PS Status", description: "Power Supply AC lost", severity: "critical" },
      ],
    },
  });
  expect(res.status).toBe(204);
  const m = await machine(id);
  expect(m.health.status).toBe("critical");
  expect(m.health.reasons).toEqual(["CPU Temp critical: 97 C", "SEL #7 PS Status: Power Supply AC lost"]);
  expect(m.powerState).toBe("on");
  const h = (await http(r.api, "GET", `/machines/${id}/health`)).body;
  expect(h.sensors.map((s: any) => s.name)).toEqual(["CPU Temp", "FAN 1 RPM"]);
  expect(h.sel).toHaveLength(1);
  const ev = (await http(r.api, "GET", `/events?object=${id}`)).body.items;
  expect(ev.find((e: any) => e.kind === "health")).toMatchObject({ from: "unknown", to: "critical" });
});

test("machines stuck in a busy state time out; silent racks go Offline", async () => {
  const id = await enlist("pe860-stuck", "52:54:00:00:10:07");
  await watchdog.pass(Date.now() + 31 * 60_000);
  const m = await machine(id);
  expect(m.status).toBe("FailedCommissioning");
  expect(m.statusReason).toMatch(/timed out in Commissioning/);
  expect((await http(r.api, "GET", `/racks/${rackId}`)).body.status).toBe("Offline");
  // Its queued work is cancelled with it: a rack coming back does not commission it anyway.
  expect((await claim()).filter((x: any) => x.objectId === id)).toEqual([]);
});

test("long poll returns as soon as work is queued", async () => {
  const id = await enlist("pe860-poll", "52:54:00:00:10:08", false);
  const started = Date.now();
  const polling = http(r.api, "POST", "/rack-agent/tasks/claim", { key: token, body: { waitMs: 10_000 } });
  await new Promise((res) => setTimeout(res, 200));
  await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "off" } });
  const got = (await polling).body.tasks;
  expect(got.map((t: any) => t.objectId)).toEqual([id]);
  expect(Date.now() - started).toBeLessThan(5000);
});
