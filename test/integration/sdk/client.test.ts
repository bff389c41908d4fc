/** The SDK against a real region on loopback: CRUD of every resource, typed errors, idempotent creates, waiters. */
import {
  ConflictError,
  FibrixClient,
  FibrixError,
  ForbiddenError,
  type Machine,
  NotFoundError,
  PreconditionFailedError,
  UnauthorizedError,
  ValidationError,
  WaitFailedError,
  WaitTimeoutError,
} from "../../../sdk";
import { ADMIN_KEY, addVmHost, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";

let r: TestRegion;
let admin: FibrixClient;

beforeAll(async () => {
  r = await startTestRegion();
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
});
afterAll(async () => r.stop());

/** Plays the rack for one task of `objectId`: claims it and reports `result`. */
async function rackReports(token: string, objectId: string, result: Record<string, unknown>): Promise<void> {
  const call = (path: string, body: unknown) =>
    fetch(`${r.api}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 50; i++) {
    const claimed = (await (await call("/rack-agent/tasks/claim", { waitMs: 200 })).json()) as {
      tasks: { id: string; objectId: string }[];
    };
    const task = claimed.tasks.find((t) => t.objectId === objectId);
    if (task) {
      const res = await call(`/rack-agent/tasks/${task.id}/result`, { ok: true, result });
      if (!res.ok) throw new Error(`result: HTTP ${res.status} ${await res.text()}`);
      return;
    }
  }
  throw new Error(`no task for ${objectId}`);
}

test("regions, fabrics, racks, pools, machines: create, get, list, update, delete", async () => {
  const region = await admin.regions.create({ name: "girona", dnsDomain: "girona.fibrix.example" });
  expect(region).toMatchObject({ name: "girona", nameservers: ["ns1.girona.fibrix.example"], version: 1 });
  expect(await admin.regions.get(region.id)).toEqual(region);
  const updated = await admin.regions.update(
    region.id,
    { description: "Girona DC" },
    { ifMatch: region.version },
  );
  expect(updated).toMatchObject({ description: "Girona DC", version: 2 });
  // A stale version is refused, not silently overwritten.
  await expect(admin.regions.update(region.id, { description: "x" }, { ifMatch: 1 })).rejects.toBeInstanceOf(
    PreconditionFailedError,
  );

  const fabric = await admin.fabrics.create({ name: "fab-1", regionId: region.id });
  expect((await admin.fabrics.update(fabric.id, { description: "L2" })).description).toBe("L2");
  expect((await admin.fabrics.listAll({ region: region.id })).map((f) => f.id)).toEqual([fabric.id]);

  const rack = await admin.racks.create({
    name: "rack-1",
    regionId: region.id,
    fabricId: fabric.id,
    subnet: "10.20.0.0/24",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  expect(rack.enrollmentToken).toMatch(/^fbr_/);
  expect(await admin.racks.get(rack.id)).not.toHaveProperty("enrollmentToken");
  expect(
    (await admin.racks.update(rack.id, { dhcpRange: { start: "10.20.0.50", end: "10.20.0.90" } })).dhcpRange,
  ).toEqual({ start: "10.20.0.50", end: "10.20.0.90" });
  expect((await admin.racks.list({ region: region.id, status: "Pending" })).items.map((x) => x.id)).toEqual([
    rack.id,
  ]);

  const pool = await admin.pools.create({ name: "gold", cpuOvercommit: 2 });
  expect((await admin.pools.update(pool.id, { memoryOvercommit: 1.5 })).memoryOvercommit).toBe(1.5);

  const machines: Machine[] = [];
  for (let i = 1; i <= 3; i++) {
    machines.push(
      await admin.machines.create({
        hostname: `pe860-0${i}`,
        rackId: rack.id,
        macs: [`52:54:00:00:00:0${i}`],
        power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin" },
        poolId: pool.id,
        tags: ["pe860"],
        commission: false,
      }),
    );
  }
  const m = machines[0]!;
  expect(m.power).toMatchObject({ type: "ipmi", passwordSet: true });
  expect(m.power).not.toHaveProperty("password");
  // Pages follow nextCursor.
  const first = await admin.machines.list({ rack: rack.id, limit: 2 });
  expect(first.items).toHaveLength(2);
  expect(first.nextCursor).not.toBeNull();
  const all = [];
  for await (const x of admin.machines.iterate({ rack: rack.id }, 2)) all.push(x.id);
  expect(all).toEqual(machines.map((x) => x.id).sort());
  expect(await admin.machines.listAll({ tag: "pe860", status: "New" })).toHaveLength(3);
  expect(await admin.machines.listAll({ status: "Ready" })).toHaveLength(0);
  const tagged = await admin.machines.update(m.id, { tags: ["pe860", "row-a"] }, { ifMatch: m.version });
  expect(tagged.tags).toEqual(["pe860", "row-a"]);
  expect((await admin.machines.health(m.id)).health.status).toBe("unknown");

  // Deleting in dependency order; the region refuses to orphan anything.
  await expect(admin.regions.delete(region.id)).rejects.toBeInstanceOf(ConflictError);
  await expect(admin.racks.delete(rack.id)).rejects.toBeInstanceOf(ConflictError);
  for (const x of machines) await admin.machines.delete(x.id);
  await expect(admin.machines.get(m.id)).rejects.toBeInstanceOf(NotFoundError);
  await admin.racks.delete(rack.id);
  await admin.fabrics.delete(fabric.id);
  await admin.pools.delete(pool.id);
  await admin.regions.delete(region.id);
  await admin.regions.waitForDeletion(region.id, { timeoutMs: 1000 });
  await expect(admin.regions.get(region.id)).rejects.toBeInstanceOf(NotFoundError);

  const kinds = (await admin.events.list({ object: m.id })).map((e) => e.kind);
  expect(kinds).toEqual(["enlisted", "updated", "deleted"]);
  const machineEvents = await admin.events.listAll({ type: "machine" });
  expect(machineEvents.filter((e) => e.kind === "enlisted")).toHaveLength(3);
  const last = machineEvents[machineEvents.length - 2]!;
  expect((await admin.events.list({ type: "machine", after: last.id })).length).toBe(1);
});

test("typed errors: field paths, not found, illegal transitions, bad keys, wrong role", async () => {
  const bad = await admin.machines
    .create({ hostname: "Bad Host", rackId: "rck_0000000000000000", macs: ["zz"], power: { type: "manual" } })
    .catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(ValidationError);
  expect(bad).toMatchObject({ code: "VALIDATION", status: 400, retryable: false });
  expect((bad as ValidationError).errors.map((e) => e.field).sort()).toEqual(["/hostname", "/macs/0"]);

  await expect(admin.machines.get("mch_0000000000000000")).rejects.toThrow(
    new NotFoundError("machine mch_0000000000000000 not found"),
  );

  const region = await admin.regions.create({ name: "lleida", dnsDomain: "lleida.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-l",
    regionId: region.id,
    subnet: "10.40.0.0/24",
    dhcpRange: { start: "10.40.0.100", end: "10.40.0.200" },
  });
  const m = await admin.machines.create({
    hostname: "pe860-l1",
    rackId: rack.id,
    macs: ["52:54:00:40:00:01"],
    power: { type: "manual" },
    commission: false,
  });
  const illegal = await admin.machines.action(m.id, "deploy").catch((e: unknown) => e);
  expect(illegal).toBeInstanceOf(ConflictError);
  expect(illegal).toMatchObject({ code: "ILLEGAL_TRANSITION", allowed: ["commission", "mark-broken"] });

  await expect(
    new FibrixClient({ endpoint: r.url, apiKey: "fbx_wrong" }).regions.list(),
  ).rejects.toBeInstanceOf(UnauthorizedError);
  const tenant = await admin.tenants.create({ name: "lleida-co" });
  const key = await admin.apiKeys.create({ name: "ci", tenantId: tenant.id });
  const tenantClient = new FibrixClient({ endpoint: r.url, apiKey: key.key });
  await expect(tenantClient.machines.list()).rejects.toBeInstanceOf(ForbiddenError);
  await expect(tenantClient.regions.create({ name: "x", dnsDomain: "x.example" })).rejects.toBeInstanceOf(
    ForbiddenError,
  );
  // Every one of them is a FibrixError with a code, for providers' diagnostics.
  expect(illegal).toBeInstanceOf(FibrixError);
});

test("a create repeated with the same key answers the same object; another body is refused", async () => {
  const body = { name: "same-co", description: "once" };
  const a = await admin.tenants.create(body, { idempotencyKey: "idem-same-co" });
  const b = await admin.tenants.create(body, { idempotencyKey: "idem-same-co" });
  expect(b.id).toBe(a.id);
  expect((await admin.tenants.listAll()).filter((t) => t.name === "same-co")).toHaveLength(1);
  await expect(
    admin.tenants.create({ name: "other-co" }, { idempotencyKey: "idem-same-co" }),
  ).rejects.toMatchObject({ code: "IDEMPOTENCY_MISMATCH", status: 422 });
  // Without a key of yours, each create gets a fresh one: two calls, two objects.
  const c = await admin.tenants.create({ name: "twice-co" });
  await expect(admin.tenants.create({ name: "twice-co" })).rejects.toBeInstanceOf(ConflictError);
  expect(c.name).toBe("twice-co");
});

test("tenants and API keys: list, revoke; a revoked key is unauthorized", async () => {
  const t = await admin.tenants.create({ name: "keys-co" });
  expect(await admin.tenants.get(t.id)).toEqual(t);
  const k = await admin.apiKeys.create({ name: "deploy", tenantId: t.id });
  expect(k).toMatchObject({ role: "tenant", tenantId: t.id, key: expect.stringMatching(/^fbx_/) });
  expect((await admin.apiKeys.listAll()).find((x) => x.id === k.id)).not.toHaveProperty("key");
  const own = new FibrixClient({ endpoint: r.url, apiKey: k.key });
  expect(await own.vms.listAll()).toEqual([]);
  await admin.apiKeys.delete(k.id);
  // The region caches keys for up to 5 s; wait for the revocation to bite.
  await expect(
    (async () => {
      for (let i = 0; i < 60; i++) {
        await own.vms.list();
        await new Promise((res) => setTimeout(res, 100));
      }
    })(),
  ).rejects.toBeInstanceOf(UnauthorizedError);
  await admin.tenants.delete(t.id);
  await expect(admin.tenants.get(t.id)).rejects.toBeInstanceOf(NotFoundError);
});

test("VMs: a tenant creates, waits with progress, updates and deletes; an operator creates for a tenant", async () => {
  const region = await admin.regions.create({ name: "reus", dnsDomain: "reus.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-r",
    regionId: region.id,
    subnet: "10.30.0.0/24",
    dhcpRange: { start: "10.30.0.100", end: "10.30.0.200" },
  });
  const tenant = await admin.tenants.create({ name: "acme" });
  const key = await admin.apiKeys.create({ name: "ci", tenantId: tenant.id });
  const pool = await admin.pools.create({ name: "silver", tenants: [tenant.id] });
  await registerImage(r.api, "ubuntu-24.04", { os: "ubuntu" });
  await addVmHost(r, { rackId: rack.id, poolId: pool.id, hostname: "kvm-r", mac: "52:54:00:99:10:01" });
  const acme = new FibrixClient({ endpoint: r.url, apiKey: key.key });
  const spec = { poolId: pool.id, image: "ubuntu-24.04", cores: 1, memoryMiB: 512, diskGiB: 10 };
  const vm = await acme.vms.create({ name: "web-1", ...spec });
  expect(vm).toMatchObject({ status: "Creating", tenantId: tenant.id });

  const seen: string[] = [];
  const waiting = acme.vms.waitForStatus(vm.id, "Running", {
    intervalMs: 20,
    timeoutMs: 20_000,
    onProgress: (v) => seen.push(v.status),
  });
  await rackReports(rack.enrollmentToken, vm.id, { ip: "10.30.0.7" });
  const running = await waiting;
  expect(running).toMatchObject({ status: "Running", ip: "10.30.0.7", fqdn: "web-1.reus.fibrix.example" });
  expect(seen).toEqual(["Creating", "Running"]);
  expect((await acme.vms.listAll({ status: "Running" })).map((v) => v.id)).toEqual([vm.id]);
  expect(
    (await acme.vms.update(vm.id, { description: "front" }, { ifMatch: running.version })).description,
  ).toBe("front");

  // An operator creates on the tenant's behalf with `tenant`.
  const ops = await admin.vms.create({ name: "web-2", ...spec }, { tenant: tenant.id });
  expect(ops.tenantId).toBe(tenant.id);
  expect((await admin.vms.listAll({ owner: tenant.id })).map((v) => v.name).sort()).toEqual([
    "web-1",
    "web-2",
  ]);

  const deleting = await acme.vms.delete(vm.id);
  expect(deleting?.status).toBe("Deleting");
  const gone = acme.vms.waitForDeletion(vm.id, { intervalMs: 20, timeoutMs: 20_000 });
  await rackReports(rack.enrollmentToken, vm.id, {});
  await gone;
  // (A tenant's key sees events of its existing VMs only: the region joins on the vms table.)
  expect((await admin.events.list({ object: vm.id })).map((e) => e.kind)).toEqual(
    expect.arrayContaining(["created", "delete-requested", "deleted"]),
  );
});

test("machine waiters: progress through real actions, failure states, timeouts", async () => {
  const region = await admin.regions.create({ name: "vic", dnsDomain: "vic.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-v",
    regionId: region.id,
    subnet: "10.50.0.0/24",
    dhcpRange: { start: "10.50.0.100", end: "10.50.0.200" },
  });
  const m = await admin.machines.create({
    hostname: "pe860-v1",
    rackId: rack.id,
    macs: ["52:54:00:50:00:01"],
    power: { type: "manual" },
    commission: false,
  });
  // Each observed state triggers the next action, so every state is seen exactly once.
  const next: [string, Parameters<FibrixClient["machines"]["action"]>[1]][] = [
    ["New", "commission"],
    ["Commissioning", "abort"],
    ["New", "mark-broken"],
    ["Broken", "mark-fixed"],
  ];
  const seen: string[] = [];
  const acted: Promise<unknown>[] = [];
  const ready = await admin.machines.waitForStatus(m.id, "Ready", {
    intervalMs: 20,
    timeoutMs: 20_000,
    failOn: [],
    onProgress: (x) => {
      seen.push(x.status);
      const step = next[seen.length - 1];
      if (step && step[0] === x.status)
        acted.push(admin.machines.action(m.id, step[1], { reason: `step ${seen.length}` }));
    },
  });
  await Promise.all(acted);
  expect(seen).toEqual(["New", "Commissioning", "New", "Broken", "Ready"]);
  expect(ready.status).toBe("Ready");

  await admin.machines.action(m.id, "mark-broken", { reason: "fan 2 dead" });
  const failed = await admin.machines
    .waitForStatus(m.id, ["Deployed", "Ready"], { intervalMs: 20 })
    .catch((e) => e);
  expect(failed).toBeInstanceOf(WaitFailedError);
  expect(failed).toMatchObject({ code: "CONFLICT", message: `machine ${m.id} is Broken (fan 2 dead)` });

  const timedOut = await admin.machines
    .waitForStatus(m.id, "Ready", { failOn: [], intervalMs: 20, timeoutMs: 150 })
    .catch((e) => e);
  expect(timedOut).toBeInstanceOf(WaitTimeoutError);
  expect(timedOut).toMatchObject({ code: "TIMEOUT", lastSeen: "Broken (fan 2 dead)" });
  expect(timedOut.message).toMatch(/did not reach Ready.*last status seen: Broken \(fan 2 dead\)/);
});

test("fromEnv names what is missing", () => {
  expect(() => FibrixClient.fromEnv({})).toThrow(/FIBRIX_ENDPOINT and FIBRIX_API_KEY/);
  expect(() => FibrixClient.fromEnv({ FIBRIX_ENDPOINT: r.url })).toThrow(/set FIBRIX_API_KEY/);
  const c = FibrixClient.fromEnv({ FIBRIX_ENDPOINT: r.url, FIBRIX_API_KEY: ADMIN_KEY });
  expect(c.http.defaults.baseURL).toBe(`${r.url}/api/v1`);
});
