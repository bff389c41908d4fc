/**
 * Tenant VMs end to end on a REAL libvirtd + QEMU (TCG): the region places a VM and queues
 * vm.create; the rack agent composes the domain on the VM host's storage pool; resize, power
 * and delete go the same way; reconcile cleans orphans and reports lost domains. VMs are tiny
 * (128 MiB, 1 vCPU, no NIC), everything on loopback and a pool of the test's own.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { Watchdog } from "../../../backend/region/watchdog";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  leftovers,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { makeRack, until } from "./rack-fixtures";

const PREFIX = `fxrv${process.pid}-`;
const GiB = 1024 ** 3;
let r: TestRegion;
let agent: RackAgent;
let daemon: LibvirtdHandle;
let pool: TestPool;
const work = mkdtempSync(join(tmpdir(), "fibrix-rack-vms-"));
let key: string;
let poolId: string;
let hostId: string;

const vmOf = (id: string) => http(r.api, "GET", `/vms/${id}`, { key });
const settled = (id: string, from: string) =>
  until(
    async () => (await vmOf(id)).body,
    (v) => v.status !== from,
    120_000,
  );
const capacityOf = async (vmId: string) =>
  Number(
    /Capacity:\s+(\d+)/.exec(
      await virshSys(["vol-info", "--pool", pool.name, "--bytes", `${PREFIX}${vmId}-disk0.qcow2`]),
    )?.[1],
  );

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const img = join(work, "tiny.qcow2");
  execFileSync("qemu-img", ["create", "-f", "qcow2", img, "64M"]);
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "tiny",
    os: "other",
    path: img,
  });

  r = await startTestRegion();
  const rack = await makeRack(r, "rack-vms");
  // In the catalogue before the host exists: the volume above is what an import would make.
  await registerImage(r.api, "tiny", { path: img });
  const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body.id;
  // The VM host as its deploy result leaves it: Deployed, with inventory and a libvirt config.
  hostId = await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-1",
    mac: "52:54:00:32:01:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });
  agent = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    // No OS in the tiny image answers ACPI: a stop is forced after 2 s.
    deps: defaultDeps(PREFIX, { vmStopTimeoutMs: 2_000 }),
  });
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await r?.stop();
  await pool?.remove();
  rmSync(work, { recursive: true, force: true });
});

test("a tenant's VM is created on libvirt, resized, stopped, started and deleted, leaving nothing", async () => {
  const t0 = Date.now();
  const created = await http(r.api, "POST", "/vms", {
    key,
    body: { name: "web-1", poolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 1 },
  });
  expect(created.status).toBe(201);
  const vm = created.body;
  expect(vm).toMatchObject({ status: "Creating", hostId });
  expect(await settled(vm.id, "Creating")).toMatchObject({ status: "Running", ip: null });
  const createMs = Date.now() - t0;
  expect((await virshSys(["list", "--name"])).split("\n")).toContain(`${PREFIX}${vm.id}`);
  expect(await virshSys(["domstate", `${PREFIX}${vm.id}`])).toMatch(/running/);
  expect(await capacityOf(vm.id)).toBe(1 * GiB);

  // Resize: more vCPUs and memory than the domain's maximum → next boot; the disk grows live.
  const t1 = Date.now();
  const resized = await http(r.api, "PATCH", `/vms/${vm.id}`, {
    key,
    body: { cores: 2, memoryMiB: 256, diskGiB: 2 },
  });
  expect(resized.body.status).toBe("Updating");
  expect(await settled(vm.id, "Updating")).toMatchObject({
    status: "Running",
    cores: 2,
    memoryMiB: 256,
    diskGiB: 2,
    statusReason: expect.stringMatching(/resized \((live|next-boot)\)/),
  });
  const resizeMs = Date.now() - t1;
  const xml = await virshSys(["dumpxml", "--inactive", `${PREFIX}${vm.id}`]);
  expect(xml).toMatch(/<vcpu[^>]*>2<\/vcpu>/);
  expect(xml).toMatch(/<memory unit='KiB'>262144<\/memory>/);
  expect(await capacityOf(vm.id)).toBe(2 * GiB);

  // Power off (forced after the ACPI timeout: no OS), then on again.
  const t2 = Date.now();
  await http(r.api, "PATCH", `/vms/${vm.id}`, { key, body: { powerState: "off" } });
  expect(await settled(vm.id, "Updating")).toMatchObject({ status: "Stopped", powerState: "off" });
  const stopMs = Date.now() - t2;
  expect(await virshSys(["domstate", `${PREFIX}${vm.id}`])).toMatch(/shut off/);
  await http(r.api, "PATCH", `/vms/${vm.id}`, { key, body: { powerState: "on" } });
  expect(await settled(vm.id, "Updating")).toMatchObject({ status: "Running", powerState: "on" });
  expect(await virshSys(["domstate", `${PREFIX}${vm.id}`])).toMatch(/running/);
  // Started with its new size.
  expect(await virshSys(["vcpucount", "--live", "--current", `${PREFIX}${vm.id}`])).toMatch(/^2\s*$/m);

  const t3 = Date.now();
  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
  await until(
    async () => (await vmOf(vm.id)).status,
    (s) => s === 404,
  );
  const deleteMs = Date.now() - t3;
  const left = (await leftovers(PREFIX, pool.name)).filter((n) => !n.startsWith(`${PREFIX}pool`));
  expect(left).toEqual([]);
  expect((await http(r.api, "GET", `/pools/${poolId}`)).body.used).toEqual({
    cores: 0,
    memoryMiB: 0,
    diskGiB: 0,
  });
  console.log(
    `VM via the rack on libvirtd (TCG): create ${createMs} ms, resize ${resizeMs} ms, stop ${stopMs} ms, delete ${deleteMs} ms`,
  );
}, 300_000);

test("a create the host cannot do (image missing) fails cleanly: VM Failed, capacity back, nothing left", async () => {
  // Registered, but its file does not exist: the build imports the base image first, and that
  // fails with the file's reason.
  await registerImage(r.api, "no-such-image", { path: join(work, "no-such-image.qcow2") });
  const vm = (
    await http(r.api, "POST", "/vms", {
      key,
      body: { name: "bad-1", poolId, image: "no-such-image", cores: 1, memoryMiB: 128, diskGiB: 1 },
    })
  ).body;
  const failed = await settled(vm.id, "Creating");
  expect(failed).toMatchObject({
    status: "Failed",
    statusReason: expect.stringMatching(/^INVALID_IMAGE: .*no-such-image\.qcow2.*No such file/),
  });
  expect((await http(r.api, "GET", `/pools/${poolId}`)).body.used).toEqual({
    cores: 0,
    memoryMiB: 0,
    diskGiB: 0,
  });
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(vm.id))).toEqual([]);
  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(204);
}, 120_000);

test("reconcile: an orphan domain and its volumes are cleaned; a VM whose domain vanished is marked Failed", async () => {
  const mk = async (name: string) => {
    const vm = (
      await http(r.api, "POST", "/vms", {
        key,
        body: { name, poolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 1 },
      })
    ).body;
    return settled(vm.id, "Creating");
  };
  const orphan = await mk("orphan-1");
  const lost = await mk("lost-1");
  expect([orphan.status, lost.status]).toEqual(["Running", "Running"]);
  // The region forgets one VM (its row is gone) and the other's domain disappears behind its back.
  await r.region.ctx.store.db.deleteFrom("vms").where("id", "=", orphan.id).execute();
  await virshSys(["destroy", `${PREFIX}${lost.id}`]);
  await virshSys(["undefine", `${PREFIX}${lost.id}`]);
  await new Watchdog(r.region.ctx, { healthEveryMs: 0 }).queueReconciles();
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
  expect(result.cleaned.domains).toEqual([`${PREFIX}${orphan.id}`]);
  expect((await vmOf(lost.id)).body).toMatchObject({
    status: "Failed",
    statusReason: expect.stringMatching(/missing on the host/),
  });
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(orphan.id))).toEqual([]);
  // The lost VM's leftovers (its volumes) go with its deletion.
  expect((await http(r.api, "DELETE", `/vms/${lost.id}`, { key })).status).toBe(202);
  await until(
    async () => (await vmOf(lost.id)).status,
    (s) => s === 404,
  );
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(lost.id))).toEqual([]);
}, 180_000);
