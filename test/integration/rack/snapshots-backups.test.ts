/**
 * VM snapshots and backups end to end on a REAL libvirtd + QEMU (TCG), through the region's API
 * and a rack agent with a backup store of the test's own. The guest disk holds a real ext4
 * filesystem (made with mkfs.ext4 and debugfs, e2fsprogs) with a marker file; the marker is
 * changed on the VM's disk through QEMU's own block layer (qemu-io, the VM stopped) and read
 * back through the filesystem (debugfs on a raw export of the disk): snapshot → change →
 * revert → the first marker; backup → delete the VM → restore into a new VM → the marker.
 * Nothing of the test is left on the host afterwards: no domain, no volume, no internal
 * snapshot or snapshot metadata, no file in the backup store beyond retention.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { backupHooks, vmSnapshotHooks } from "../../../provider/pulumi/disk-objects";
import { setProgressSink } from "../../../provider/pulumi/progress";
import { virtualMachineHooks } from "../../../provider/pulumi/virtual-machine";
import { backupResource, vmSnapshotResource } from "../../../provider/terraform/resources/disk_objects";
import { FibrixClient } from "../../../sdk/client";
import { importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  leftovers,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { runCli } from "../../helpers/cli-run";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { makeRack, until } from "./rack-fixtures";

jest.setTimeout(600_000);

const PREFIX = `fxsb${process.pid}-`;
const MiB = 1024 * 1024;
let r: TestRegion;
let agent: RackAgent;
let daemon: LibvirtdHandle;
let pool: TestPool;
const work = mkdtempSync(join(tmpdir(), "fibrix-snap-"));
const backupDir = join(work, "backups");
let key: string;
let otherKey: string;
let poolId: string;
/** Byte offset of the marker file's data block in the filesystem (= on the virtual disk). */
let markerOffset: number;
const MARKER_LEN = 16;

const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const diskOf = (vmId: string) => join(pool.dir, `${PREFIX}${vmId}-disk0.qcow2`);

/** The marker file as the filesystem on the VM's disk holds it (-U: the VM may be running). */
function readMarker(vmId: string): string {
  const raw = join(work, `read-${vmId}.raw`);
  try {
    sh("qemu-img", ["convert", "-U", "-O", "raw", diskOf(vmId), raw]);
    return sh("debugfs", ["-R", "cat /marker", raw]);
  } finally {
    rmSync(raw, { force: true });
  }
}

/** Overwrites the marker's data with `byte` × 16 through QEMU's block layer (the VM stopped). */
function writeMarker(vmId: string, byte: string) {
  const hex = `0x${byte.charCodeAt(0).toString(16)}`;
  sh("qemu-io", ["-f", "qcow2", "-c", `write -P ${hex} ${markerOffset} ${MARKER_LEN}`, diskOf(vmId)]);
}

const get = (path: string, k = key) => http(r.api, "GET", path, { key: k });
const settle = <T extends { status: string }>(path: string, busy: string[], ms = 240_000) =>
  until(
    async () => (await get(path)).body as T,
    (o) => !busy.includes(o.status),
    ms,
  );
const vmSettled = (id: string) =>
  settle<{ status: string; statusReason: string }>(`/vms/${id}`, ["Creating", "Updating", "Deleting"]);

async function power(id: string, state: "on" | "off") {
  const res = await http(r.api, "PATCH", `/vms/${id}`, { key, body: { powerState: state } });
  expect(res.status).toBe(200);
  expect(await vmSettled(id)).toMatchObject({ status: state === "on" ? "Running" : "Stopped" });
}

async function snapshotsOnDisk(vmId: string): Promise<string> {
  return sh("qemu-img", ["snapshot", "-U", "-l", diskOf(vmId)]);
}

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  // The base image: a 64 MiB ext4 filesystem (4 KiB blocks) holding /marker = "A" × 16.
  const raw = join(work, "fs.raw");
  const img = join(work, "tinyfs.qcow2");
  const marker = join(work, "marker");
  writeFileSync(marker, "A".repeat(MARKER_LEN));
  sh("truncate", ["-s", "64M", raw]);
  sh("mkfs.ext4", ["-q", "-F", "-b", "4096", raw]);
  sh("debugfs", ["-w", "-R", `write ${marker} marker`, raw]);
  const block = Number(sh("debugfs", ["-R", "bmap /marker 0", raw]).trim());
  expect(block).toBeGreaterThan(0);
  markerOffset = block * 4096;
  sh("qemu-img", ["convert", "-O", "qcow2", raw, img]);
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "tinyfs",
    os: "other",
    path: img,
  });

  r = await startTestRegion();
  const rack = await makeRack(r, "rack-snap", 21);
  await registerImage(r.api, "tinyfs", { path: img });
  const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  const other = (await http(r.api, "POST", "/tenants", { body: { name: "globex" } })).body;
  key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  otherKey = (await http(r.api, "POST", "/apikeys", { body: { name: "ci2", tenantId: other.id } })).body.key;
  poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id, other.id] } }))
    .body.id;
  await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-s1",
    mac: "52:54:00:32:02:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });
  agent = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    // No OS in the image answers ACPI: a stop is forced after 2 s.
    deps: defaultDeps(PREFIX, { vmStopTimeoutMs: 2_000, backupDir }),
  });
  await agent.start();
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await r?.stop();
  await pool?.remove();
  rmSync(work, { recursive: true, force: true });
});

test("snapshot → change → revert; backup → delete the VM → restore: the first marker, nothing left", async () => {
  const created = await http(r.api, "POST", "/vms", {
    key,
    body: { name: "db-1", poolId, image: "tinyfs", cores: 1, memoryMiB: 128, diskGiB: 1 },
  });
  expect(created.status).toBe(201);
  const vm = created.body;
  expect(await vmSettled(vm.id)).toMatchObject({ status: "Running" });
  expect(readMarker(vm.id)).toBe("A".repeat(MARKER_LEN));

  // Another tenant cannot see, snapshot or back up this VM.
  expect(
    (await http(r.api, "POST", "/snapshots", { key: otherKey, body: { vmId: vm.id, name: "x" } })).status,
  ).toBe(404);
  expect((await http(r.api, "POST", "/backups", { key: otherKey, body: { vmId: vm.id } })).status).toBe(404);

  // A snapshot of the running guest (no guest agent here: crash-consistent, and it says so).
  const s1 = await http(r.api, "POST", "/snapshots", { key, body: { vmId: vm.id, name: "before" } });
  expect(s1.status).toBe(201);
  const snap = await settle<{ status: string; consistency: string }>(`/snapshots/${s1.body.id}`, [
    "Creating",
  ]);
  expect(snap).toMatchObject({ status: "Ready", consistency: "crash" });
  expect(await snapshotsOnDisk(vm.id)).toContain(s1.body.id);
  // No libvirt snapshot metadata is kept: the region is the catalogue.
  expect((await virshSys(["snapshot-list", `${PREFIX}${vm.id}`, "--name"])).trim()).toBe("");
  // Duplicate name → 409; another tenant's snapshot → 404.
  expect(
    (await http(r.api, "POST", "/snapshots", { key, body: { vmId: vm.id, name: "before" } })).status,
  ).toBe(409);
  expect((await get(`/snapshots/${s1.body.id}`, otherKey)).status).toBe(404);

  // Reverting a running VM is refused, naming its state.
  const refused = await http(r.api, "POST", `/snapshots/${s1.body.id}/revert`, { key });
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toMatch(/is Running; stop it/);

  await power(vm.id, "off");
  writeMarker(vm.id, "B");
  expect(readMarker(vm.id)).toBe("B".repeat(MARKER_LEN));
  const rev = await http(r.api, "POST", `/snapshots/${s1.body.id}/revert`, { key });
  expect(rev.status).toBe(202);
  expect(await settle(`/snapshots/${s1.body.id}`, ["Reverting"])).toMatchObject({
    status: "Ready",
    statusReason: expect.stringMatching(/reverted/),
  });
  expect(readMarker(vm.id)).toBe("A".repeat(MARKER_LEN));

  // A snapshot of the stopped VM too (libvirt's own internal snapshot, its metadata dropped), then deleted.
  const s2 = await http(r.api, "POST", "/snapshots", { key, body: { vmId: vm.id, name: "stopped" } });
  expect(await settle(`/snapshots/${s2.body.id}`, ["Creating"])).toMatchObject({
    status: "Ready",
    consistency: "crash",
  });
  expect(await snapshotsOnDisk(vm.id)).toContain(s2.body.id);
  expect((await http(r.api, "DELETE", `/snapshots/${s2.body.id}`, { key })).status).toBe(202);
  await until(
    async () => (await get(`/snapshots/${s2.body.id}`)).status,
    (s) => s === 404,
    120_000,
  );
  expect(await snapshotsOnDisk(vm.id)).not.toContain(s2.body.id);
  expect((await virshSys(["snapshot-list", `${PREFIX}${vm.id}`, "--name"])).trim()).toBe("");

  // Retention 0 is refused, naming the field.
  const bad = await http(r.api, "POST", "/backups", {
    key,
    body: { vmId: vm.id, retention: { keepLast: 0 } },
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.errors)).toContain("keepLast");

  // Backup 1 of the stopped VM (a converted copy), keep 2.
  const b1 = await http(r.api, "POST", "/backups", {
    key,
    body: { vmId: vm.id, retention: { keepLast: 2 } },
  });
  expect(b1.status).toBe(201);
  const bk1 = await settle<{ status: string } & Record<string, unknown>>(`/backups/${b1.body.id}`, [
    "Pending",
    "Running",
  ]);
  expect(bk1).toMatchObject({ status: "Ready", vmId: vm.id, image: "tinyfs", virtualSizeBytes: 1024 * MiB });
  console.log(
    `backup of a stopped 1 GiB disk: ${bk1.sizeBytes} bytes, ${bk1.throughputMiBps} MiB/s (${bk1.statusReason})`,
  );
  const manifest1 = JSON.parse(sh("cat", [join(backupDir, b1.body.id, "manifest.json")]));
  expect(manifest1).toMatchObject({
    backupId: b1.body.id,
    vmId: vm.id,
    vmName: "db-1",
    image: "tinyfs",
    sha256: bk1.sha256,
    sizeBytes: bk1.sizeBytes,
  });
  expect(sh("sha256sum", [join(backupDir, b1.body.id, "disk.qcow2")]).split(" ")[0]).toBe(bk1.sha256);
  // Self-contained: no backing file.
  expect(sh("qemu-img", ["info", join(backupDir, b1.body.id, "disk.qcow2")])).not.toMatch(/backing file/);

  // Backup 2 of the running VM (libvirt's backup job), keep 1: backup 1 is pruned, files and record.
  await power(vm.id, "on");
  const b2 = await http(r.api, "POST", "/backups", {
    key,
    body: { vmId: vm.id, retention: { keepLast: 1 } },
  });
  const bk2 = await settle<{ status: string } & Record<string, unknown>>(`/backups/${b2.body.id}`, [
    "Pending",
    "Running",
  ]);
  expect(bk2).toMatchObject({ status: "Ready", consistency: "crash" });
  console.log(
    `backup of a running 1 GiB disk: ${bk2.sizeBytes} bytes, ${bk2.throughputMiBps} MiB/s (${bk2.statusReason})`,
  );
  await until(
    async () => (await get(`/backups/${b1.body.id}`)).status,
    (s) => s === 404,
    120_000,
  );
  expect(readdirSync(backupDir)).toEqual([b2.body.id]);
  // Every temporary copy on the host is gone.
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes("backup"))).toEqual([]);

  // Delete the VM: its disk (and its snapshots) go; the backup stays.
  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
  await until(
    async () => (await get(`/vms/${vm.id}`)).status,
    (s) => s === 404,
    120_000,
  );
  expect((await get(`/snapshots/${s1.body.id}`)).status).toBe(404);
  expect(await leftovers(PREFIX, pool.name)).toEqual([]);

  // Restore into a new VM; a disk smaller than the backup's is refused, another tenant's backup is 404-like.
  const small = await http(r.api, "POST", "/vms", {
    key,
    body: {
      name: "db-small",
      poolId,
      image: "tinyfs",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 1,
      restoreFrom: b2.body.id,
    },
  });
  expect(small.status).toBe(201); // 1 GiB is the backup's own size: fine
  expect(await vmSettled(small.body.id)).toMatchObject({ status: "Running" });
  expect(readMarker(small.body.id)).toBe("A".repeat(MARKER_LEN));
  const foreign = await http(r.api, "POST", "/vms", {
    key: otherKey,
    body: {
      name: "steal",
      poolId,
      image: "tinyfs",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 1,
      restoreFrom: b2.body.id,
    },
  });
  expect(foreign.status).toBe(400);
  expect(JSON.stringify(foreign.body.errors)).toContain("/restoreFrom");
  const restored = await http(r.api, "POST", "/vms", {
    key,
    body: {
      name: "db-2",
      poolId,
      image: "tinyfs",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 2,
      powerState: "off",
      restoreFrom: b2.body.id,
    },
  });
  expect(restored.status).toBe(201);
  expect(await vmSettled(restored.body.id)).toMatchObject({ status: "Stopped" });
  expect(readMarker(restored.body.id)).toBe("A".repeat(MARKER_LEN));
  // Grown to the asked 2 GiB, self-contained (no backing image).
  const info = JSON.parse(sh("qemu-img", ["info", "-U", "--output=json", diskOf(restored.body.id)]));
  expect(info["virtual-size"]).toBe(2048 * MiB);
  expect(info["backing-filename"]).toBeUndefined();

  for (const id of [small.body.id, restored.body.id]) {
    expect((await http(r.api, "DELETE", `/vms/${id}`, { key })).status).toBe(202);
    await until(
      async () => (await get(`/vms/${id}`)).status,
      (s) => s === 404,
      120_000,
    );
  }
  expect((await http(r.api, "DELETE", `/backups/${b2.body.id}`, { key })).status).toBe(202);
  await until(
    async () => (await get(`/backups/${b2.body.id}`)).status,
    (s) => s === 404,
    120_000,
  );
  expect(readdirSync(backupDir)).toEqual([]);
  expect(await leftovers(PREFIX, pool.name)).toEqual([]);
  expect(existsSync(diskOf(vm.id))).toBe(false);
});

/** `fibrix …args` in-process against the test region, with the tenant's key. */
const fibrix = (args: string[]) => runCli(r.url, args, { FIBRIX_API_KEY: key });

test("fibrix vms backup of a 10 GiB sparse disk shows progress and its throughput; fibrix backups restore", async () => {
  const created = await http(r.api, "POST", "/vms", {
    key,
    body: { name: "big-1", poolId, image: "tinyfs", cores: 1, memoryMiB: 128, diskGiB: 10 },
  });
  expect(created.status).toBe(201);
  const vm = created.body;
  expect(await vmSettled(vm.id)).toMatchObject({ status: "Running" });

  const backup = await fibrix(["vms", "backup", vm.id, "--keep-last", "1"]);
  console.log(`fibrix vms backup (10 GiB sparse disk, running VM):\n${backup.stdout}`);
  expect(backup).toMatchObject({ code: 0, stderr: "" });
  expect(backup.stdout).toMatch(/^backup bkp_[0-9a-f]{16} of big-1: Pending\n/);
  expect(backup.stdout).toMatch(
    /Ready \(crash\): 10240 MiB of disk → [\d.]+ MiB file, [\d.]+ s, [\d.]+ MiB\/s\n$/,
  );
  const id = /bkp_[0-9a-f]{16}/.exec(backup.stdout)![0];
  const b = (await get(`/backups/${id}`)).body;
  expect(b).toMatchObject({ status: "Ready", virtualSizeBytes: 10 * 1024 * MiB });
  expect(b.throughputMiBps).toBeGreaterThan(0);
  console.log(`10 GiB sparse disk: backup file ${b.sizeBytes} bytes, ${b.throughputMiBps} MiB/s`);

  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
  await until(
    async () => (await get(`/vms/${vm.id}`)).status,
    (s) => s === 404,
    120_000,
  );

  const restore = await fibrix([
    "backups",
    "restore",
    id,
    "--name",
    "big-2",
    "--pool",
    poolId,
    "--memory",
    "128",
    "--power",
    "off",
  ]);
  console.log(`fibrix backups restore:\n${restore.stdout}`);
  expect(restore).toMatchObject({ code: 0, stderr: "" });
  expect(restore.stdout).toMatch(/restoring bkp_[0-9a-f]{16} \(big-1\) into VM vm_[0-9a-f]{16} \(big-2\)/);
  expect(restore.stdout).toMatch(/restore +[\d.]+\/[\d.]+ MiB \(100 %\)/);
  expect(restore.stdout).toMatch(/restored 10240\.0\/10240\.0 MiB \(100 %\) of disk .* MiB\/s/);
  const newId = /into VM (vm_[0-9a-f]{16})/.exec(restore.stdout)![1]!;
  expect((await get(`/vms/${newId}`)).body).toMatchObject({ status: "Stopped", diskGiB: 10 });
  expect(readMarker(newId)).toBe("A".repeat(MARKER_LEN));

  expect((await http(r.api, "DELETE", `/vms/${newId}`, { key })).status).toBe(202);
  await until(
    async () => (await get(`/vms/${newId}`)).status,
    (s) => s === 404,
    120_000,
  );
  const del = await fibrix(["backups", "delete", id]);
  expect(del).toMatchObject({ code: 0, stdout: `deleted ${id}\n` });
  expect(readdirSync(backupDir)).toEqual([]);
  expect(await leftovers(PREFIX, pool.name)).toEqual([]);
});

test("Pulumi and Terraform faces: VmSnapshot, Backup and a VirtualMachine restored from it, really on libvirt", async () => {
  const env = { endpoint: process.env.FIBRIX_ENDPOINT, apiKey: process.env.FIBRIX_API_KEY };
  process.env.FIBRIX_ENDPOINT = r.url;
  process.env.FIBRIX_API_KEY = key;
  const progress: string[] = [];
  const prevSink = setProgressSink((m) => progress.push(m));
  try {
    const vm = (
      await http(r.api, "POST", "/vms", {
        key,
        body: { name: "iac-1", poolId, image: "tinyfs", cores: 1, memoryMiB: 128, diskGiB: 1 },
      })
    ).body;
    expect(await vmSettled(vm.id)).toMatchObject({ status: "Running" });

    // Pulumi: check names the field, create waits for Ready, read by id alone (import), delete waits.
    const bad = await vmSnapshotHooks.check({}, { vmId: vm.id, name: "Not A Label" });
    expect(bad.failures?.map((f) => f.property)).toEqual(["name"]);
    const snap = await vmSnapshotHooks.create({
      vmId: vm.id,
      name: "pulumi-snap",
      createKeySeed: "stack/VmSnapshot/s",
    });
    expect(snap.outs ?? {}).toMatchObject({ status: "Ready", consistency: "crash", vmId: vm.id });
    expect((await vmSnapshotHooks.read(snap.id)).inputs).toEqual({
      vmId: vm.id,
      name: "pulumi-snap",
      description: "",
    });
    expect(
      await vmSnapshotHooks.diff(snap.id, snap.outs ?? {}, { vmId: vm.id, name: "other" }),
    ).toMatchObject({
      replaces: ["name"],
    });
    await vmSnapshotHooks.delete(snap.id, snap.outs ?? {});
    expect((await get(`/snapshots/${snap.id}`)).status).toBe(404);

    const bk = await backupHooks.create({
      vmId: vm.id,
      retention: { keepLast: 1 },
      createKeySeed: "stack/Backup/b",
    });
    expect(bk.outs ?? {}).toMatchObject({
      status: "Ready",
      vmId: vm.id,
      retention: { keepLast: 1, keepDays: null },
    });
    expect(progress.join("\n")).toMatch(/Backup bkp_[0-9a-f]{16}: (Running|Ready)/);

    const restored = await virtualMachineHooks.create({
      name: "iac-2",
      poolId,
      image: "tinyfs",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 1,
      powerState: "off",
      restoreFrom: bk.id,
      timeoutSeconds: 240,
      createKeySeed: "stack/VirtualMachine/iac-2",
    });
    expect(restored.outs).toMatchObject({ status: "Stopped" });
    expect(readMarker(restored.id)).toBe("A".repeat(MARKER_LEN));
    expect(
      await virtualMachineHooks.diff(restored.id, restored.outs, {
        ...restored.outs,
        restoreFrom: "bkp_0000000000000000",
      } as never),
    ).toMatchObject({
      replaces: expect.arrayContaining(["restoreFrom"]),
    });
    await virtualMachineHooks.delete(restored.id, restored.outs as never);

    // Terraform: the same objects through the plugin's resources (the adapter Terraform's gRPC calls reach).
    const ctx = {
      client: new FibrixClient({ endpoint: r.url, apiKey: key }),
      signal: new AbortController().signal,
      waitTimeoutMs: 240_000,
    };
    const tfSnap = await vmSnapshotResource.create(ctx, { vm_id: vm.id, name: "tf-snap" }, "tf-key-snap-1");
    expect(tfSnap).toMatchObject({ status: "Ready", vm_id: vm.id, consistency: "crash" });
    expect(await vmSnapshotResource.read(ctx, tfSnap)).toMatchObject({ id: tfSnap.id, name: "tf-snap" });
    await vmSnapshotResource.delete(ctx, tfSnap);
    expect(await vmSnapshotResource.read(ctx, tfSnap)).toBeNull();
    const tfBackup = await backupResource.create(ctx, { vm_id: vm.id }, "tf-key-backup-1");
    expect(tfBackup).toMatchObject({ status: "Ready", vm_id: vm.id });
    expect(tfBackup.sha256).toMatch(/^[0-9a-f]{64}$/);
    // keepLast 1 of the Pulumi backup: it pruned nothing then; this one has no retention, so both stay.
    expect(readdirSync(backupDir).sort()).toEqual([bk.id, String(tfBackup.id)].sort());
    await backupResource.delete(ctx, tfBackup);
    await backupHooks.delete(bk.id, bk.outs ?? {});
    expect(readdirSync(backupDir)).toEqual([]);

    expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
    await until(
      async () => (await get(`/vms/${vm.id}`)).status,
      (s) => s === 404,
      120_000,
    );
    expect(await leftovers(PREFIX, pool.name)).toEqual([]);

    // The API document lists the new paths.
    const doc = (await http(r.api, "GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/snapshots",
        "/api/v1/snapshots/{id}",
        "/api/v1/snapshots/{id}/revert",
        "/api/v1/backups",
        "/api/v1/backups/{id}",
      ]),
    );
  } finally {
    setProgressSink(prevSink);
    if (env.endpoint === undefined) delete process.env.FIBRIX_ENDPOINT;
    else process.env.FIBRIX_ENDPOINT = env.endpoint;
    if (env.apiKey === undefined) delete process.env.FIBRIX_API_KEY;
    else process.env.FIBRIX_API_KEY = env.apiKey;
  }
});

test("a disk holding 128 MiB of incompressible data: progress of every phase, restore progress, the data intact", async () => {
  const DATA = 128 * MiB;
  const AT = 256 * MiB; // past the 64 MiB filesystem
  const data = join(work, "random.bin");
  sh("dd", ["if=/dev/urandom", `of=${data}`, "bs=1M", "count=128", "status=none"]);
  const want = sh("sha256sum", [data]).split(" ")[0];
  const vm = (
    await http(r.api, "POST", "/vms", {
      key,
      body: {
        name: "data-1",
        poolId,
        image: "tinyfs",
        cores: 1,
        memoryMiB: 128,
        diskGiB: 1,
        powerState: "off",
      },
    })
  ).body;
  expect(await vmSettled(vm.id)).toMatchObject({ status: "Stopped" });
  sh("qemu-io", ["-f", "qcow2", "-c", `write -s ${data} ${AT} ${DATA}`, diskOf(vm.id)]);
  await power(vm.id, "on");
  const regionOf = (vmId: string) => {
    const raw = join(work, `region-${vmId}.raw`);
    try {
      sh("qemu-img", ["convert", "-U", "-O", "raw", diskOf(vmId), raw]);
      sh("dd", [
        `if=${raw}`,
        `of=${raw}.part`,
        "bs=1M",
        `skip=${AT / MiB}`,
        `count=${DATA / MiB}`,
        "status=none",
      ]);
      return sh("sha256sum", [`${raw}.part`]).split(" ")[0];
    } finally {
      rmSync(raw, { force: true });
      rmSync(`${raw}.part`, { force: true });
    }
  };
  expect(regionOf(vm.id)).toBe(want);

  const backup = await fibrix(["vms", "backup", vm.id]);
  console.log(`fibrix vms backup (1 GiB disk, 128 MiB of random data, running VM):\n${backup.stdout}`);
  expect(backup.code).toBe(0);
  expect(backup.stdout).toMatch(/ compress +[\d.]+\/1024\.0 MiB/);
  const id = /bkp_[0-9a-f]{16}/.exec(backup.stdout)![0];
  const b = (await get(`/backups/${id}`)).body;
  expect(b.sizeBytes).toBeGreaterThan(DATA); // random data does not compress
  // The record saw the phases as the rack reported them (its events keep the progress lines).
  const phases = new Set(
    (await http(r.api, "GET", `/events?object=${id}&limit=1000`)).body.items
      .map((e: { reason: string }) => /^(\w+) \d+\/\d+ bytes$/.exec(e.reason)?.[1])
      .filter(Boolean),
  );
  expect([...phases]).toEqual(expect.arrayContaining(["copy", "download", "compress", "done"]));

  const restore = await fibrix([
    "backups",
    "restore",
    id,
    "--name",
    "data-2",
    "--pool",
    poolId,
    "--memory",
    "128",
    "--power",
    "off",
  ]);
  console.log(
    `fibrix backups restore (${(b.sizeBytes / MiB).toFixed(1)} MiB backup):\n${restore.stdout.split("\nid ")[0]}`,
  );
  expect(restore.code).toBe(0);
  expect(restore.stdout).toMatch(/ verify +0\.0\//);
  expect(restore.stdout).toMatch(/restored 1024\.0\/1024\.0 MiB \(100 %\) of disk .* MiB\/s/);
  const newId = /into VM (vm_[0-9a-f]{16})/.exec(restore.stdout)![1]!;
  expect(regionOf(newId)).toBe(want);
  expect(readMarker(newId)).toBe("A".repeat(MARKER_LEN));

  for (const v of [vm.id, newId]) {
    expect((await http(r.api, "DELETE", `/vms/${v}`, { key })).status).toBe(202);
    await until(
      async () => (await get(`/vms/${v}`)).status,
      (s) => s === 404,
      120_000,
    );
  }
  expect((await fibrix(["backups", "delete", id])).code).toBe(0);
  expect(readdirSync(backupDir)).toEqual([]);
  expect(await leftovers(PREFIX, pool.name)).toEqual([]);
});

/**
 * The real Terraform CLI (skipped when none is on PATH) with the provider through dev_overrides,
 * set up as test/integration/terraform/terraform-cli.test.ts does (no registry reachable).
 */
const terraformBin = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v terraform || command -v tofu"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
})();
const withTerraform = terraformBin ? test : test.skip;

withTerraform(
  "terraform apply / plan / destroy of fibrix_vm_snapshot, fibrix_backup and a VM restored from it",
  async () => {
    const ROOT = join(__dirname, "../../..");
    const dir = mkdtempSync(join(tmpdir(), "fibrix-tf-snap-"));
    const plugins = join(dir, "plugins");
    const tfWork = join(dir, "work");
    mkdirSync(plugins);
    mkdirSync(tfWork);
    const plugin = join(plugins, "terraform-provider-fibrix");
    writeFileSync(
      plugin,
      `#!/bin/sh\nexec "${process.execPath}" -r "${join(ROOT, "test/integration/terraform/ts-register.js")}" "${join(ROOT, "provider/terraform/main.ts")}"\n`,
    );
    chmodSync(plugin, 0o755);
    writeFileSync(
      join(dir, "terraformrc"),
      `provider_installation {\n  dev_overrides {\n    "fibrix/fibrix" = "${plugins}"\n  }\n  direct { exclude = ["*/*"] }\n}\n`,
    );
    const tf = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve, reject) => {
        const child = spawn(terraformBin, args, {
          cwd: tfWork,
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            TF_CLI_CONFIG_FILE: join(dir, "terraformrc"),
            TF_IN_AUTOMATION: "1",
            TF_INPUT: "0",
            CHECKPOINT_DISABLE: "1",
            HTTPS_PROXY: "http://127.0.0.1:9",
            HTTP_PROXY: "http://127.0.0.1:9",
            NO_PROXY: "127.0.0.1,localhost",
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => {
          out += String(d);
        });
        child.stderr.on("data", (d) => {
          out += String(d);
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.on("error", reject);
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, out });
        });
      });
    try {
      const vm = (
        await http(r.api, "POST", "/vms", {
          key,
          body: {
            name: "tf-1",
            poolId,
            image: "tinyfs",
            cores: 1,
            memoryMiB: 128,
            diskGiB: 1,
            powerState: "off",
          },
        })
      ).body;
      expect(await vmSettled(vm.id)).toMatchObject({ status: "Stopped" });
      writeFileSync(
        join(tfWork, "main.tf"),
        `terraform {
  required_providers {
    fibrix = { source = "fibrix/fibrix" }
  }
}
provider "fibrix" {
  endpoint = "${r.url}"
  api_key  = "${key}"
}
resource "fibrix_vm_snapshot" "before" {
  vm_id = "${vm.id}"
  name  = "before"
}
resource "fibrix_backup" "nightly" {
  vm_id      = "${vm.id}"
  retention  = { keep_last = 3 }
  depends_on = [fibrix_vm_snapshot.before]
}
resource "fibrix_virtual_machine" "restored" {
  name         = "tf-2"
  pool_id      = "${poolId}"
  image        = "tinyfs"
  cores        = 1
  memory_mib   = 128
  disk_gib     = 1
  power_state  = "off"
  restore_from = fibrix_backup.nightly.id
}
output "consistency" { value = fibrix_vm_snapshot.before.consistency }
output "sha256" { value = fibrix_backup.nightly.sha256 }
output "restored" { value = fibrix_virtual_machine.restored.id }
`,
      );
      const apply = await tf(["apply", "-auto-approve", "-no-color"]);
      if (apply.code !== 0) throw new Error(apply.out);
      const outputs = JSON.parse((await tf(["output", "-json"])).out);
      expect(outputs.consistency.value).toBe("crash");
      expect(outputs.sha256.value).toMatch(/^[0-9a-f]{64}$/);
      expect(readMarker(outputs.restored.value)).toBe("A".repeat(MARKER_LEN));
      // Read and plan agree: no drift.
      const plan = await tf(["plan", "-detailed-exitcode", "-no-color"]);
      expect({ code: plan.code, out: plan.code === 0 ? "" : plan.out }).toEqual({ code: 0, out: "" });
      const destroy = await tf(["destroy", "-auto-approve", "-no-color"]);
      if (destroy.code !== 0) throw new Error(destroy.out);
      expect((await get(`/snapshots?vm=${vm.id}`)).body.items).toEqual([]);
      expect((await get(`/vms/${outputs.restored.value}`)).status).toBe(404);
      expect(readdirSync(backupDir)).toEqual([]);
      expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
      await until(
        async () => (await get(`/vms/${vm.id}`)).status,
        (s) => s === 404,
        120_000,
      );
      expect(await leftovers(PREFIX, pool.name)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
