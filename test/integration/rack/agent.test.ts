/**
 * The rack agent with its real peers: a real region on loopback, lab PE860 BMCs speaking
 * IPMI 1.5, and a real libvirtd + QEMU (TCG) as a VM host. Power and health go through the
 * region's queue to the BMCs; a tenant's VM is really created, resized and deleted; a task left
 * by a dead rack is finished by the next one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import { Watchdog } from "../../../backend/region/watchdog";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  leftovers,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { addVmHost, http, startTestRegion, type TestRegion } from "../../helpers/region";

const PREFIX = `fxr${process.pid}-`;
let r: TestRegion;
let lab: LabBmcs;
let agent: RackAgent;
let rack: { id: string; enrollmentToken: string };
let daemon: LibvirtdHandle;
let pool: TestPool;
const work = mkdtempSync(join(tmpdir(), "fibrix-rack-"));
let tenantKey: string;
let vmPoolId: string;
let hostId: string;

const startAgent = () =>
  new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 300,
    vmPrefix: PREFIX,
    log: pino({ level: "silent" }),
  });

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
const task = (id: string) =>
  until(
    async () => (await http(r.api, "GET", `/tasks/${id}`)).body,
    (t) => ["done", "failed"].includes(t.status),
  );

async function enlist(hostname: string, mac: string, bmc: number, password = "calvin"): Promise<string> {
  const res = await http(r.api, "POST", "/machines", {
    body: {
      hostname,
      rackId: rack.id,
      macs: [mac],
      power: { type: "ipmi", address: "127.0.0.1", port: lab.bmcs[bmc]!.port, user: "root", password },
      commission: false,
    },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  r = await startTestRegion();
  lab = await startLabBmcs({
    count: 3,
    basePort: 0,
    user: "root",
    password: "calvin",
    timings: { onDelayMs: 50, offDelayMs: 50 },
  });
  const regionId = (
    await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
  ).body.id;
  rack = (
    await http(r.api, "POST", "/racks", {
      body: {
        name: "rack-1",
        regionId,
        subnet: "10.20.0.0/24",
        dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
      },
    })
  ).body;
  agent = startAgent();
  await agent.start();
}, 60_000);
afterAll(async () => {
  await agent?.stop();
  await lab?.close();
  await pool?.remove();
  await daemon?.release();
  await r?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("the agent comes online and powers a PE860 on through its BMC", async () => {
  expect((await http(r.api, "GET", `/racks/${rack.id}`)).body.status).toBe("Online");
  const id = await enlist("pe860-01", "52:54:00:30:00:01", 0);
  expect(lab.bmcs[0]!.bmc.power.state).toBe("off");
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } });
  const t = await task(q.body.taskId);
  expect(t).toMatchObject({ status: "done", result: { action: "on", powerState: "on" } });
  expect(lab.bmcs[0]!.bmc.power.state).toBe("on");
  expect((await http(r.api, "GET", `/machines/${id}`)).body.powerState).toBe("on");
  const boot = await task(
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "bootdev", device: "pxe" } })).body
      .taskId,
  );
  expect(boot.status).toBe("done");
  expect(lab.bmcs[0]!.bmc.power.bootFlags).toMatchObject({ valid: true, device: 1 }); // 1 = force PXE (v2.0 table 28-14)
});

test("a BMC refusing the password leaves the machine in a state that says so", async () => {
  const id = await enlist("pe860-02", "52:54:00:30:00:02", 1, "wrong-password");
  const t = await task(
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "query" } })).body.taskId,
  );
  expect(t.status).toBe("failed");
  expect(t.error.code).toMatch(/AUTH/);
  const m = (await http(r.api, "GET", `/machines/${id}`)).body;
  expect(m.powerState).toBe("error");
  expect(m.powerError).toMatch(/AUTH/);
}, 60_000);

test("health: a critical CPU temperature on the BMC makes the machine unhealthy, with the sensor named", async () => {
  const id = await enlist("pe860-03", "52:54:00:30:00:03", 2);
  lab.bmcs[2]!.bmc.sensors.inject("CPU Temp", "upper-critical");
  const t = await task(
    (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "health" } })).body.taskId,
  );
  expect(t.status).toBe("done");
  const m = (await http(r.api, "GET", `/machines/${id}`)).body;
  expect(m.health.status).toBe("critical");
  expect(m.health.reasons.join("\n")).toMatch(/CPU Temp critical/);
  const h = (await http(r.api, "GET", `/machines/${id}/health`)).body;
  expect(h.sensors.length).toBeGreaterThanOrEqual(12);
  expect(h.sensors.find((s: { name: string }) => s.name === "FAN 1 RPM")).toMatchObject({
    kind: "fan",
    status: "ok",
  });
  expect(h.sel.some((e: { severity: string }) => e.severity === "critical")).toBe(true);
});

test("a tenant's VM is really created on libvirt, resized and deleted, leaving nothing", async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const img = join(work, "tiny.qcow2");
  execFileSync("qemu-img", ["create", "-f", "qcow2", img, "64M"]);
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "tiny",
    os: "other",
    path: img,
  });
  const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  const key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  const poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body
    .id;
  tenantKey = key;
  vmPoolId = poolId;
  hostId = await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-1",
    mac: "52:54:00:30:01:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });
  const vm = (
    await http(r.api, "POST", "/vms", {
      key,
      body: { name: "web-1", poolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 1 },
    })
  ).body;
  expect(vm.status).toBe("Creating");
  const running = await until(
    async () => (await http(r.api, "GET", `/vms/${vm.id}`, { key })).body,
    (v) => v.status !== "Creating",
  );
  expect(running.status).toBe("Running");
  expect(await virshSys(["domstate", `${PREFIX}${vm.id}`])).toMatch(/running/);

  const resized = await http(r.api, "PATCH", `/vms/${vm.id}`, { key, body: { cores: 2, memoryMiB: 256 } });
  expect(resized.body.status).toBe("Updating");
  const after = await until(
    async () => (await http(r.api, "GET", `/vms/${vm.id}`, { key })).body,
    (v) => v.status !== "Updating",
  );
  expect(after).toMatchObject({ status: "Running", cores: 2, memoryMiB: 256 });
  expect(await virshSys(["dumpxml", "--inactive", `${PREFIX}${vm.id}`])).toMatch(/<vcpu[^>]*>\d+<\/vcpu>/);

  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
  await until(
    async () => (await http(r.api, "GET", `/vms/${vm.id}`, { key })).status,
    (s) => s === 404,
  );
  const left = (await leftovers(PREFIX, pool.name)).filter((n) => !n.startsWith(`${PREFIX}pool`));
  expect(left).toEqual([]);
  expect((await http(r.api, "GET", `/pools/${poolId}`)).body.used).toEqual({
    cores: 0,
    memoryMiB: 0,
    diskGiB: 0,
  });
}, 180_000);

test("reconcile: an orphan domain and its volumes are cleaned; a VM whose domain vanished is marked Failed", async () => {
  const mk = async (name: string) => {
    const vm = (
      await http(r.api, "POST", "/vms", {
        key: tenantKey,
        body: { name, poolId: vmPoolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 1 },
      })
    ).body;
    expect([vm.status, vm.detail]).toEqual(["Creating", undefined]);
    return until(
      async () => (await http(r.api, "GET", `/vms/${vm.id}`, { key: tenantKey })).body,
      (v) => v.status === "Running",
    );
  };
  const orphan = await mk("orphan-1");
  const lost = await mk("lost-1");
  // The region forgets one VM (its row is gone) and the other's domain disappears behind its back.
  await r.region.ctx.store.db.deleteFrom("vms").where("id", "=", orphan.id).execute();
  await virshSys(["destroy", `${PREFIX}${lost.id}`]);
  await virshSys(["undefine", `${PREFIX}${lost.id}`]);
  const wd = new Watchdog(r.region.ctx, { healthEveryMs: 0 });
  await wd.queueReconciles();
  const t = await until(
    async () =>
      r.region.ctx.store.db
        .selectFrom("tasks")
        .selectAll()
        .where("kind", "=", "host.reconcile")
        .where("objectId", "=", hostId)
        .executeTakeFirst(),
    (x) => x?.status === "done",
  );
  const result = JSON.parse(t!.result!);
  expect(result.diff.missingDomains).toEqual([{ id: lost.id }]);
  expect(result.diff.orphanDomains).toEqual([{ name: `${PREFIX}${orphan.id}` }]);
  expect((await http(r.api, "GET", `/vms/${lost.id}`, { key: tenantKey })).body).toMatchObject({
    status: "Failed",
    statusReason: expect.stringMatching(/missing on the host/),
  });
  const left = (await leftovers(PREFIX, pool.name)).filter((n) => n.includes(orphan.id));
  expect(left).toEqual([]);
  // The lost VM's leftovers (its volumes) go with its deletion.
  expect((await http(r.api, "DELETE", `/vms/${lost.id}`, { key: tenantKey })).status).toBe(202);
  await until(
    async () => (await http(r.api, "GET", `/vms/${lost.id}`, { key: tenantKey })).status,
    (s) => s === 404,
  );
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(lost.id))).toEqual([]);
}, 180_000);

test("a task left by a dead rack is finished by the next agent", async () => {
  await agent.stop();
  const id = await enlist("pe860-04", "52:54:00:30:00:04", 0);
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "off" } });
  await r.region.ctx.store.db
    .updateTable("tasks")
    .set({ maxAttempts: 2 })
    .where("id", "=", q.body.taskId)
    .execute();
  // The dying rack claims the task and is never heard of again.
  const claimed = await http(r.api, "POST", "/rack-agent/tasks/claim", {
    key: rack.enrollmentToken,
    body: {},
  });
  expect(claimed.body.tasks.map((t: { id: string }) => t.id)).toEqual([q.body.taskId]);
  await new Watchdog(r.region.ctx, { healthEveryMs: 0 }).pass(Date.now() + 61_000);
  agent = startAgent();
  await agent.start();
  const t = await task(q.body.taskId);
  expect(t).toMatchObject({ status: "done", attempt: 2, result: { powerState: "off" } });
  expect(lab.bmcs[0]!.bmc.power.state).toBe("off");
});
