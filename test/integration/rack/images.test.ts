/**
 * Issue #4, base images end to end on a REAL libvirtd + QEMU (TCG): the operator registers an
 * image by path, the rack agent imports it into every VM host's storage pool (two pools of the
 * test's own stand for two hosts), the image turns ready, and a VM built on it runs. A file that
 * is not what it was registered as fails on the host with the reason; an image a host already
 * holds is success; an image in use cannot be deleted. Everything on loopback.
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
import { FibrixClient } from "../../../sdk/client";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { ADMIN_KEY, addVmHost, http, startTestRegion, type TestRegion } from "../../helpers/region";
import { makeRack, until } from "./rack-fixtures";

const PREFIX = `fxri${process.pid}-`;
let r: TestRegion;
let agent: RackAgent;
let daemon: LibvirtdHandle;
const pools: TestPool[] = [];
const hosts: string[] = [];
const work = mkdtempSync(join(tmpdir(), "fibrix-rack-images-"));
const tinyPath = join(work, "tiny.qcow2");
let key: string;
let poolId: string;
let admin: FibrixClient;

const volumes = async (pool: TestPool) => {
  await virshSys(["pool-refresh", pool.name]);
  return (await virshSys(["vol-list", "--pool", pool.name]))
    .split("\n")
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n.startsWith("fibrix-image."));
};

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pools.push(await createTestPool(`${PREFIX}a-`), await createTestPool(`${PREFIX}b-`));
  execFileSync("qemu-img", ["create", "-f", "qcow2", tinyPath, "64M"]);
  r = await startTestRegion();
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
  const rack = await makeRack(r, "rack-img");
  const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body.id;
  for (const [i, pool] of pools.entries()) {
    hosts.push(
      await addVmHost(r, {
        rackId: rack.id,
        poolId,
        hostname: `kvm-${i + 1}`,
        mac: `52:54:00:34:01:0${i + 1}`,
        uri: daemon.uri,
        storagePool: pool.name,
      }),
    );
  }
  agent = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    deps: defaultDeps(PREFIX, { vmStopTimeoutMs: 2_000 }),
  });
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await r?.stop();
  for (const p of pools) await p.remove();
  rmSync(work, { recursive: true, force: true });
});

test("an image registered by path is imported on every VM host, turns ready, and a VM built on it runs", async () => {
  const created = await http(r.api, "POST", "/images", {
    body: {
      name: "noble-24.04",
      os: "ubuntu",
      format: "qcow2",
      source: { path: tinyPath },
      description: "tiny",
    },
  });
  expect(created.status).toBe(201);
  expect(created.body.hosts.map((h: { status: string }) => h.status)).toEqual(["pending", "pending"]);
  const t0 = Date.now();
  const ready = await admin.images.waitForStatus(created.body.id, "ready", {
    timeoutMs: 120_000,
    intervalMs: 200,
  });
  console.log(`image import on 2 hosts (64 MiB qcow2): ${Date.now() - t0} ms`);
  expect(ready).toMatchObject({ status: "ready", statusReason: "on 2 VM host(s)" });
  expect(ready.hosts.map((h) => [h.hostId, h.reason]).sort()).toEqual(
    [...hosts].sort().map((h) => [h, "imported as fibrix-image.ubuntu.noble-24.04.qcow2"]),
  );
  for (const p of pools) expect(await volumes(p)).toEqual(["fibrix-image.ubuntu.noble-24.04.qcow2"]);

  // Tenants read the catalogue and build on it.
  const seen = await http(r.api, "GET", "/images", { key });
  expect(seen.body.items.map((i: { name: string }) => i.name)).toEqual(["noble-24.04"]);
  const vm = await http(r.api, "POST", "/vms", {
    key,
    body: { name: "web-1", poolId, image: "noble-24.04", cores: 1, memoryMiB: 128, diskGiB: 1 },
  });
  expect(vm.status).toBe(201);
  const running = await until(
    async () => (await http(r.api, "GET", `/vms/${vm.body.id}`, { key })).body,
    (v) => v.status !== "Creating",
    120_000,
  );
  expect(running.status).toBe("Running");
  expect(await virshSys(["domstate", `${PREFIX}${vm.body.id}`])).toMatch(/running/);

  // In use: the image stays until its last VM is gone.
  const refused = await http(r.api, "DELETE", `/images/${created.body.id}`);
  expect([refused.status, refused.body.detail]).toEqual([
    409,
    expect.stringMatching(/used by 1 VM\(s\): web-1/),
  ]);
  expect((await http(r.api, "DELETE", `/vms/${vm.body.id}`, { key })).status).toBe(202);
  await until(
    async () => (await http(r.api, "GET", `/vms/${vm.body.id}`, { key })).status,
    (s) => s === 404,
    120_000,
  );
  expect((await http(r.api, "DELETE", `/images/${created.body.id}`)).status).toBe(204);
  expect((await http(r.api, "GET", `/images/${created.body.id}`, { key })).status).toBe(404);
}, 240_000);

test("a file that is not what it was registered as fails with the host's reason; an image already there is success", async () => {
  const wrong = await admin.images.create({
    name: "claims-raw",
    os: "debian",
    format: "raw",
    source: { path: tinyPath },
  });
  await expect(
    admin.images.waitForStatus(wrong.id, "ready", { timeoutMs: 120_000, intervalMs: 200 }),
  ).rejects.toThrow(/image img_\w+ is failed/);
  // The waiter stops at the first failed host; the other one follows.
  const failed = await until(
    () => admin.images.get(wrong.id),
    (i) => i.hosts.every((h) => h.status === "failed"),
    120_000,
  );
  expect(failed.hosts.map((h) => [h.status, h.reason])).toEqual([
    ["failed", `INVALID_IMAGE: ${tinyPath} is a qcow2 file; the image is registered as raw`],
    ["failed", `INVALID_IMAGE: ${tinyPath} is a qcow2 file; the image is registered as raw`],
  ]);
  // Refused before anything was made (the catalogue's delete leaves hosts' volumes alone).
  for (const p of pools) expect(await volumes(p)).toEqual(["fibrix-image.ubuntu.noble-24.04.qcow2"]);

  // One host holds it already (imported by hand): that host is ready without a second upload.
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pools[0]!.name }), {
    name: "preloaded",
    os: "other",
    path: tinyPath,
  });
  const pre = await admin.images.create({ name: "preloaded", os: "other", source: { path: tinyPath } });
  const ready = await admin.images.waitForStatus(pre.id, "ready", { timeoutMs: 120_000, intervalMs: 200 });
  const reasonOf = (hostId: string) => ready.hosts.find((h) => h.hostId === hostId)?.reason;
  expect(reasonOf(hosts[0]!)).toBe("already on the host as fibrix-image.other.preloaded.qcow2");
  expect(reasonOf(hosts[1]!)).toBe("imported as fibrix-image.other.preloaded.qcow2");
}, 240_000);

test("a VM created right after its image is registered waits for the import instead of failing", async () => {
  const created = await http(r.api, "POST", "/images", {
    body: { name: "jammy", os: "ubuntu", format: "qcow2", source: { path: tinyPath } },
  });
  expect(created.status).toBe(201);
  // No wait for `ready`: the VM's build and the host's import race, one at a time per host.
  const vm = await http(r.api, "POST", "/vms", {
    key,
    body: { name: "early-1", poolId, image: "jammy", cores: 1, memoryMiB: 128, diskGiB: 1 },
  });
  expect(vm.status).toBe(201);
  const settled = await until(
    async () => (await http(r.api, "GET", `/vms/${vm.body.id}`, { key })).body,
    (v) => v.status !== "Creating",
    120_000,
  );
  expect({ status: settled.status, reason: settled.statusReason }).toMatchObject({ status: "Running" });
  const ready = await admin.images.waitForStatus(created.body.id, "ready", {
    timeoutMs: 120_000,
    intervalMs: 200,
  });
  expect(ready.status).toBe("ready");
  // One base volume per host, never two.
  for (const p of pools) expect((await volumes(p)).filter((v) => v.includes("jammy"))).toHaveLength(1);
  expect((await http(r.api, "DELETE", `/vms/${vm.body.id}`, { key })).status).toBe(202);
  await until(
    async () => (await http(r.api, "GET", `/vms/${vm.body.id}`, { key })).status,
    (s) => s === 404,
    120_000,
  );
  expect((await http(r.api, "DELETE", `/images/${created.body.id}`)).status).toBe(204);
}, 240_000);
