/** The SDK against a real region on loopback: CRUD, typed errors, safe retries, waiters. */
import { createServer, request as httpRequest, type Server } from "node:http";
import {
  ConflictError,
  FibrixClient,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "../../../sdk";
import { ADMIN_KEY, addVmHost, startTestRegion, type TestRegion } from "../../helpers/region";

let r: TestRegion;
let admin: FibrixClient;
const fast = { sleep: async () => undefined };

beforeAll(async () => {
  r = await startTestRegion();
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY, ...fast });
});
afterAll(async () => r.stop());

test("CRUD of every infrastructure resource, with typed errors", async () => {
  const region = await admin.regions.create({ name: "girona", dnsDomain: "girona.fibrix.example" });
  expect(await admin.regions.get(region.id)).toEqual(region);
  const updated = await admin.regions.update(
    region.id,
    { description: "Girona DC" },
    { ifMatch: region.version },
  );
  expect(updated.version).toBe(region.version + 1);
  await expect(
    admin.regions.update(region.id, { description: "x" }, { ifMatch: region.version }),
  ).rejects.toMatchObject({
    code: "PRECONDITION_FAILED",
  });
  const fabric = await admin.fabrics.create({ name: "fab-1", regionId: region.id });
  const rack = await admin.racks.create({
    name: "rack-1",
    regionId: region.id,
    fabricId: fabric.id,
    subnet: "10.20.0.0/24",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  expect(rack.enrollmentToken).toMatch(/^fbr_/);
  expect((await admin.racks.get(rack.id)) as object).not.toHaveProperty("enrollmentToken");
  const pool = await admin.pools.create({ name: "gold", cpuOvercommit: 2 });
  const m = await admin.machines.create({
    hostname: "pe860-01",
    rackId: rack.id,
    macs: ["52:54:00:00:00:01"],
    power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin" },
    poolId: pool.id,
    commission: false,
  });
  expect(m.power.passwordSet).toBe(true);
  expect((await admin.machines.list({ rack: rack.id })).items.map((x) => x.id)).toEqual([m.id]);
  expect((await admin.machines.listAll()).length).toBe(1);
  const bad = await admin.machines
    .create({ hostname: "Bad Host", rackId: rack.id, macs: ["zz"], power: { type: "manual" } })
    .catch((e) => e);
  expect(bad).toBeInstanceOf(ValidationError);
  expect((bad as ValidationError).errors.map((e) => e.field).sort()).toEqual(["/hostname", "/macs/0"]);
  await expect(admin.machines.get("mch_0000000000000000")).rejects.toBeInstanceOf(NotFoundError);
  await expect(admin.machines.action(m.id, "deploy")).rejects.toMatchObject({
    code: "ILLEGAL_TRANSITION",
    allowed: ["commission", "mark-broken"],
  });
  await expect(admin.regions.delete(region.id)).rejects.toBeInstanceOf(ConflictError);
  expect(await admin.machines.delete(m.id)).toBeUndefined();
  await admin.racks.delete(rack.id);
  await admin.fabrics.delete(fabric.id);
  await admin.pools.delete(pool.id);
  await admin.regions.delete(region.id);
  await expect(admin.regions.get(region.id)).rejects.toBeInstanceOf(NotFoundError);
  await expect(
    new FibrixClient({ endpoint: r.url, apiKey: "fbx_wrong", ...fast }).regions.list(),
  ).rejects.toBeInstanceOf(UnauthorizedError);
});

test("tenants, keys and VMs: a tenant client sees its own VM, waits for it, deletes it", async () => {
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
  await addVmHost(r, { rackId: rack.id, poolId: pool.id, hostname: "kvm-r", mac: "52:54:00:99:10:01" });
  const acme = new FibrixClient({ endpoint: r.url, apiKey: key.key, ...fast });
  await expect(acme.regions.create({ name: "x", dnsDomain: "x.example" })).rejects.toBeInstanceOf(
    ForbiddenError,
  );
  const vm = await acme.vms.create({
    name: "web-1",
    poolId: pool.id,
    image: "ubuntu-24.04",
    cores: 1,
    memoryMiB: 512,
    diskGiB: 10,
  });
  expect(vm.status).toBe("Creating");
  // Play the rack: report the VM created, while the SDK waits and reports progress.
  const seen: string[] = [];
  const waiting = acme.vms.waitForStatus(vm.id, "Running", {
    intervalMs: 20,
    timeoutMs: 10_000,
    onProgress: (v) => seen.push(v.status),
  });
  const claim = await fetch(`${r.api}/rack-agent/tasks/claim`, {
    method: "POST",
    headers: { authorization: `Bearer ${rack.enrollmentToken}`, "content-type": "application/json" },
    body: "{}",
  });
  const task = ((await claim.json()) as { tasks: { id: string; objectId: string }[] }).tasks.find(
    (t) => t.objectId === vm.id,
  )!;
  await fetch(`${r.api}/rack-agent/tasks/${task.id}/result`, {
    method: "POST",
    headers: { authorization: `Bearer ${rack.enrollmentToken}`, "content-type": "application/json" },
    body: JSON.stringify({ ok: true, result: { ip: "10.30.0.7" } }),
  });
  const running = await waiting;
  expect(running).toMatchObject({ status: "Running", ip: "10.30.0.7", fqdn: "web-1.reus.fibrix.example" });
  expect(seen).toEqual(["Creating", "Running"]);
  const deleting = await acme.vms.delete(vm.id);
  expect(deleting?.status).toBe("Deleting");
  await expect(
    acme.vms.waitForStatus(vm.id, "Running", { timeoutMs: 50, intervalMs: 10 }),
  ).rejects.toMatchObject({ code: "TIMEOUT" });
  const events = await acme.events({ object: vm.id });
  expect(events.map((e) => e.kind)).toEqual(["created", "created", "delete-requested"]);
});

describe("retries", () => {
  let proxy: Server;
  let failures = 0;
  let seen: { method: string; key: string | undefined }[] = [];
  let url: string;
  beforeAll(async () => {
    // A flaky hop in front of the region: the first `failures` requests get a 503.
    proxy = createServer((req, res) => {
      seen.push({ method: req.method!, key: req.headers["idempotency-key"] as string | undefined });
      if (failures > 0) {
        failures--;
        res.writeHead(503, { "content-type": "application/problem+json" });
        res.end(
          JSON.stringify({
            type: "x",
            title: "busy",
            status: 503,
            code: "UNAVAILABLE",
            detail: "try later",
            retryable: true,
          }),
        );
        return;
      }
      const target = new URL(r.url);
      const up = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode!, upRes.headers);
          upRes.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((res) => proxy.listen(0, "127.0.0.1", () => res()));
    url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => new Promise<void>((res) => proxy.close(() => res())));
  beforeEach(() => {
    seen = [];
  });

  test("a keyed create retried through two 503s makes exactly one object", async () => {
    failures = 2;
    const c = new FibrixClient({ endpoint: url, apiKey: ADMIN_KEY, ...fast });
    const t = await c.tenants.create({ name: "retry-co" }, { idempotencyKey: "idem-retry-co" });
    expect(seen.map((s) => s.key)).toEqual(["idem-retry-co", "idem-retry-co", "idem-retry-co"]);
    expect((await admin.tenants.listAll()).filter((x) => x.name === "retry-co").map((x) => x.id)).toEqual([
      t.id,
    ]);
  });

  test("an unkeyed, non-idempotent request is not retried; the budget of retries is bounded", async () => {
    failures = 1;
    const c = new FibrixClient({ endpoint: url, apiKey: ADMIN_KEY, ...fast });
    await expect(c.http.post("/tenants", { name: "once" })).rejects.toBeInstanceOf(UnavailableError);
    expect(seen).toHaveLength(1);
    failures = 100;
    await expect(
      new FibrixClient({ endpoint: url, apiKey: ADMIN_KEY, retries: 3, ...fast }).regions.list(),
    ).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    expect(seen).toHaveLength(1 + 4);
    failures = 0;
  });

  test("an unreachable region is UnavailableError, not a crash", async () => {
    const c = new FibrixClient({ endpoint: "http://127.0.0.1:9", apiKey: ADMIN_KEY, retries: 1, ...fast });
    await expect(c.regions.list()).rejects.toBeInstanceOf(UnavailableError);
    expect(() => FibrixClient.fromEnv({})).toThrow(/FIBRIX_ENDPOINT/);
  });
});
