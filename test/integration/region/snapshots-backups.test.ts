/**
 * The region's side of snapshots and backups on SQLite and PostgreSQL, the test playing the
 * rack over the rack protocol (as test/integration/region/rack-protocol.test.ts does; the
 * messages are those of backend/rack/executors/vm-snapshot.ts and vm-backup.ts): states and
 * their events, byte progress on the backup record, retention queueing backup.delete on the
 * rack that holds the files, the restore payload of a VM created from a backup, and every
 * refusal with its status and field. The real rack against a real libvirtd is
 * test/integration/rack/snapshots-backups.test.ts.
 */
import { STORES } from "../../helpers/stores";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";

describe.each(STORES)("snapshots and backups on %s", (_name, makeStore) => {
  const store = makeStore();
  let r: TestRegion;
  let token: string;
  let rackId: string;
  let key: string;
  let otherKey: string;
  let poolId: string;
  let tenantId: string;

  const claim = async () =>
    (await http(r.api, "POST", "/rack-agent/tasks/claim", { key: token, body: { max: 20 } })).body.tasks as {
      id: string;
      kind: string;
      objectId: string;
      payload: Record<string, unknown>;
    }[];
  const claimOne = async (kind: string) => {
    const tasks = await claim();
    const t = tasks.find((x) => x.kind === kind);
    if (!t) throw new Error(`no ${kind} task among ${tasks.map((x) => x.kind).join(", ")}`);
    return t;
  };
  const report = (id: string, body: unknown) =>
    http(r.api, "POST", `/rack-agent/tasks/${id}/result`, { key: token, body });
  const get = async (path: string, k = key) => (await http(r.api, "GET", path, { key: k })).body;

  beforeAll(async () => {
    r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
    const regionId = (
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
    ).body.id;
    const rack = (
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-1",
          regionId,
          subnet: "10.20.0.0/24",
          dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
        },
      })
    ).body;
    rackId = rack.id;
    token = rack.enrollmentToken;
    await registerImage(r.api, "tiny");
    const t1 = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
    tenantId = t1.id;
    const t2 = (await http(r.api, "POST", "/tenants", { body: { name: "globex" } })).body;
    key = (await http(r.api, "POST", "/apikeys", { body: { name: "k1", tenantId: t1.id } })).body.key;
    otherKey = (await http(r.api, "POST", "/apikeys", { body: { name: "k2", tenantId: t2.id } })).body.key;
    poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [t1.id, t2.id] } })).body
      .id;
    await addVmHost(r, { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:00:20:01" });
  }, 120_000);
  afterAll(async () => {
    await r?.stop();
    await store.stop();
  });

  async function runningVm(name: string): Promise<string> {
    const vm = (
      await http(r.api, "POST", "/vms", {
        key,
        body: { name, poolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 2 },
      })
    ).body;
    const t = await claimOne("vm.create");
    expect((await report(t.id, { ok: true, result: { domain: `x-${vm.id}`, ip: null } })).status).toBe(204);
    expect(await get(`/vms/${vm.id}`)).toMatchObject({ status: "Running" });
    return vm.id;
  }

  test("snapshot: create, refusals, revert only when Stopped, delete", async () => {
    const vmId = await runningVm("db-1");
    expect(
      (await http(r.api, "POST", "/snapshots", { key: otherKey, body: { vmId, name: "s" } })).status,
    ).toBe(404);
    const bad = await http(r.api, "POST", "/snapshots", { key, body: { vmId, name: "Not A Label" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain("/name");

    const s = (await http(r.api, "POST", "/snapshots", { key, body: { vmId, name: "s1" } })).body;
    expect(s).toMatchObject({ status: "Creating", vmId, consistency: null });
    // One disk operation at a time.
    const busy = await http(r.api, "POST", "/backups", { key, body: { vmId } });
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toMatch(new RegExp(`${s.id} creating`));
    const t = await claimOne("snapshot.create");
    expect(t.payload).toMatchObject({ vmId, snapshotId: s.id, host: { uri: "test:///default" } });
    await report(t.id, { ok: true, result: { consistency: "quiesced", domainState: "running" } });
    expect(await get(`/snapshots/${s.id}`)).toMatchObject({ status: "Ready", consistency: "quiesced" });
    expect((await http(r.api, "GET", `/snapshots/${s.id}`, { key: otherKey })).status).toBe(404);
    expect((await get(`/snapshots?vm=${vmId}`)).items.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await get("/snapshots", otherKey)).items).toEqual([]);

    const running = await http(r.api, "POST", `/snapshots/${s.id}/revert`, { key });
    expect(running.status).toBe(409);
    expect(running.body.detail).toMatch(/VM db-1 is Running; stop it/);
    await http(r.api, "PATCH", `/vms/${vmId}`, { key, body: { powerState: "off" } });
    const off = await claimOne("vm.power");
    await report(off.id, { ok: true, result: {} });
    expect((await http(r.api, "POST", `/snapshots/${s.id}/revert`, { key })).status).toBe(202);
    const rev = await claimOne("snapshot.revert");
    // A failed revert leaves the snapshot Ready, saying why.
    await report(rev.id, { ok: false, error: { code: "CONFLICT", message: "domain is running" } });
    expect(await get(`/snapshots/${s.id}`)).toMatchObject({
      status: "Ready",
      statusReason: "revert failed: CONFLICT: domain is running",
    });
    await http(r.api, "POST", `/snapshots/${s.id}/revert`, { key });
    await report((await claimOne("snapshot.revert")).id, { ok: true, result: { reverted: s.id } });
    expect(await get(`/snapshots/${s.id}`)).toMatchObject({
      status: "Ready",
      statusReason: expect.stringMatching(/^VM disk reverted at /),
    });

    expect((await http(r.api, "DELETE", `/snapshots/${s.id}`, { key })).status).toBe(202);
    await report((await claimOne("snapshot.delete")).id, { ok: true, result: { deleted: "deleted" } });
    expect((await http(r.api, "GET", `/snapshots/${s.id}`, { key })).status).toBe(404);
    const events = (await http(r.api, "GET", `/events?object=${s.id}`)).body.items.map(
      (e: { kind: string }) => e.kind,
    );
    expect(events).toEqual([
      "create-requested",
      "created",
      "revert-requested",
      "revert-failed",
      "revert-requested",
      "reverted",
      "delete-requested",
      "deleted",
    ]);
  });

  test("the snapshot quota is checked in the creating transaction", async () => {
    const vmId = await runningVm("quota-1");
    const quota = (await http(r.api, "POST", "/quotas", { body: { tenantId, snapshots: 1 } })).body;
    const s = (await http(r.api, "POST", "/snapshots", { key, body: { vmId, name: "q1" } })).body;
    await report((await claimOne("snapshot.create")).id, { ok: true, result: { consistency: "crash" } });
    const over = await http(r.api, "POST", "/snapshots", { key, body: { vmId, name: "q2" } });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({
      code: "QUOTA_EXCEEDED",
      quota: { quota: "snapshots", limit: 1, used: 1, requested: 1 },
    });
    expect((await get(`/snapshots?vm=${vmId}`)).items.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await http(r.api, "DELETE", `/quotas/${quota.id}`)).status).toBe(204);
    await http(r.api, "DELETE", `/snapshots/${s.id}`, { key });
    await report((await claimOne("snapshot.delete")).id, { ok: true, result: { deleted: "deleted" } });
  });

  test("backup: progress, manifest figures, retention, restore payload, delete", async () => {
    const vmId = await runningVm("db-2");
    expect(
      (await http(r.api, "POST", "/backups", { key, body: { vmId, retention: { keepLast: 0 } } })).status,
    ).toBe(400);
    expect(
      (await http(r.api, "POST", "/backups", { key, body: { vmId, retention: { keepDays: -1 } } })).status,
    ).toBe(400);

    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = (await http(r.api, "POST", "/backups", { key, body: { vmId, retention: { keepLast: 2 } } }))
        .body;
      expect(b).toMatchObject({
        status: "Pending",
        progress: { phase: "queued", bytesDone: 0, bytesTotal: 2 * 1024 ** 3 },
      });
      if (i === 0) {
        // No power change or resize under a running backup.
        const patch = await http(r.api, "PATCH", `/vms/${vmId}`, { key, body: { powerState: "off" } });
        expect(patch.status).toBe(409);
        expect(patch.body.detail).toMatch(new RegExp(`${b.id} pending; retry the power change`));
      }
      const t = await claimOne("backup.create");
      expect(t.payload).toMatchObject({ vmId, backupId: b.id, vmName: "db-2", image: "tiny" });
      await report(t.id, { ok: true, progress: "copy 1073741824/2147483648 bytes" });
      expect(await get(`/backups/${b.id}`)).toMatchObject({
        status: "Running",
        progress: { phase: "copy", bytesDone: 1073741824, bytesTotal: 2147483648 },
      });
      await report(t.id, { ok: true, progress: "running (3 s)" }); // a keep-alive changes no figures
      expect((await get(`/backups/${b.id}`)).progress.bytesDone).toBe(1073741824);
      const sha256 = `${i}`.repeat(64);
      await report(t.id, {
        ok: true,
        result: {
          path: `/srv/backups/${b.id}/disk.qcow2`,
          sizeBytes: 5_000_000_000 + i, // beyond 2^32: PostgreSQL bigint comes back as a number
          virtualSizeBytes: 2147483648,
          sha256,
          consistency: "crash",
          elapsedMs: 1000,
          throughputMiBps: 2048.5,
        },
      });
      expect(await get(`/backups/${b.id}`)).toMatchObject({
        status: "Ready",
        sha256,
        sizeBytes: 5_000_000_000 + i,
        virtualSizeBytes: 2147483648,
        throughputMiBps: 2048.5,
        progress: { phase: "done" },
        retention: { keepLast: 2, keepDays: null },
      });
      made.push(b.id);
    }
    // The third Ready one pruned the first: Deleting, with a backup.delete task on the rack holding it.
    expect(await get(`/backups/${made[0]}`)).toMatchObject({
      status: "Deleting",
      statusReason: `pruned by the retention of ${made[2]}`,
    });
    const prune = await claimOne("backup.delete");
    expect(prune).toMatchObject({ objectId: made[0], payload: { backupId: made[0] } });
    await report(prune.id, { ok: true, result: { removed: true } });
    expect((await http(r.api, "GET", `/backups/${made[0]}`, { key })).status).toBe(404);
    expect((await get(`/backups?vm=${vmId}`)).items.map((b: { id: string }) => b.id).sort()).toEqual(
      [made[1], made[2]].sort(),
    );
    expect((await http(r.api, "GET", `/backups/${made[1]}`, { key: otherKey })).status).toBe(404);

    // Restore: a disk smaller than the backup's is refused; another tenant's backup is not theirs.
    const small = await http(r.api, "POST", "/vms", {
      key,
      body: {
        name: "r-1",
        poolId,
        image: "tiny",
        cores: 1,
        memoryMiB: 128,
        diskGiB: 1,
        restoreFrom: made[2],
      },
    });
    expect(small.status).toBe(400);
    expect(small.body.errors).toEqual([
      { field: "/diskGiB", reason: "must be at least the backup's disk, 2 GiB" },
    ]);
    const theirs = await http(r.api, "POST", "/vms", {
      key: otherKey,
      body: {
        name: "r-2",
        poolId,
        image: "tiny",
        cores: 1,
        memoryMiB: 128,
        diskGiB: 2,
        restoreFrom: made[2],
      },
    });
    expect(theirs.status).toBe(400);
    expect(theirs.body.errors[0].field).toBe("/restoreFrom");
    const vm = await http(r.api, "POST", "/vms", {
      key,
      body: {
        name: "r-3",
        poolId,
        image: "tiny",
        cores: 1,
        memoryMiB: 128,
        diskGiB: 3,
        restoreFrom: made[2],
      },
    });
    expect(vm.status).toBe(201);
    expect(vm.body.restoreFrom).toBe(made[2]);
    const create = await claimOne("vm.create");
    expect(create.payload).toMatchObject({
      vmId: vm.body.id,
      diskGiB: 3,
      restoreFrom: {
        backupId: made[2],
        path: `/srv/backups/${made[2]}/disk.qcow2`,
        sha256: "2".repeat(64),
        os: "other",
      },
    });
    await report(create.id, {
      ok: false,
      error: { code: "BACKUP_MISSING", message: "not in this rack's backup store" },
    });

    // A backup in progress cannot be deleted; a ready one goes once its rack removed the files.
    const b = (await http(r.api, "POST", "/backups", { key, body: { vmId } })).body;
    expect((await http(r.api, "DELETE", `/backups/${b.id}`, { key })).status).toBe(409);
    await report((await claimOne("backup.create")).id, {
      ok: false,
      error: { code: "NO_BACKUP_STORE", message: "no --backup-dir" },
    });
    expect(await get(`/backups/${b.id}`)).toMatchObject({
      status: "Failed",
      statusReason: "NO_BACKUP_STORE: no --backup-dir",
    });
    for (const id of [b.id, made[1]!, made[2]!]) {
      expect((await http(r.api, "DELETE", `/backups/${id}`, { key })).status).toBe(202);
      const t = await claimOne("backup.delete");
      expect(t.objectId).toBe(id);
      await report(t.id, { ok: true, result: { removed: true } });
      expect((await http(r.api, "GET", `/backups/${id}`, { key })).status).toBe(404);
    }
  });
});
