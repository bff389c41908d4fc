/**
 * Issue #4, base images, at the region on both stores: operators register images by path,
 * tenants read the shared catalogue, bad input is a 4xx naming the field, VMs may only name
 * registered images, an image in use cannot be deleted, and every VM host — known at
 * registration or deployed as a VM host later — gets an image.import task whose result
 * (reported here through the real rack protocol) becomes that host's status.
 */
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { STORES, type StoreUnderTest } from "../../helpers/stores";

describe.each(STORES)("image catalogue on %s", (_name, makeStore) => {
  let store: StoreUnderTest;
  let r: TestRegion;
  let rack: { id: string; enrollmentToken: string };
  let poolId: string;
  let tenantKey: string;

  const asRack = (method: string, path: string, body?: unknown) =>
    http(r.api, method, path, { key: rack.enrollmentToken, ...(body !== undefined ? { body } : {}) });
  const claim = async () =>
    (await asRack("POST", "/rack-agent/tasks/claim", { max: 100 })).body.tasks as any[];
  const report = (id: string, body: unknown) => asRack("POST", `/rack-agent/tasks/${id}/result`, body);
  const image = (
    body: Record<string, unknown>,
    opts: { key?: string; headers?: Record<string, string> } = {},
  ) => http(r.api, "POST", "/images", { body, ...opts });
  const valid = (name: string) => ({
    name,
    os: "ubuntu",
    format: "qcow2",
    source: { path: `/srv/images/${name}.qcow2` },
  });

  beforeAll(async () => {
    store = makeStore();
    r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
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
    const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
    tenantKey = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body
      .key;
    poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body.id;
  }, 120_000);
  afterAll(async () => {
    await r?.stop();
    await store?.stop();
  });

  test("register (idempotent), read as a tenant, refuse duplicates, bad input and tenants", async () => {
    const first = await image(valid("noble-24.04"), { headers: { "idempotency-key": "img-1" } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^img_[0-9a-f]{16}$/),
      name: "noble-24.04",
      os: "ubuntu",
      format: "qcow2",
      source: { path: "/srv/images/noble-24.04.qcow2" },
      description: "",
      status: "pending",
      statusReason: "no VM host yet",
      hosts: [],
      version: 1,
    });
    expect(first.headers.get("etag")).toBe('"1"');
    const again = await image(valid("noble-24.04"), { headers: { "idempotency-key": "img-1" } });
    expect([again.status, again.body.id]).toEqual([201, first.body.id]);

    const dup = await image({ ...valid("noble-24.04"), os: "debian" });
    expect([dup.status, dup.body.code]).toEqual([409, "CONFLICT"]);
    expect(dup.body.detail).toMatch(/noble-24\.04 already exists/);

    const bad: [Record<string, unknown>, string][] = [
      [{ ...valid("x1"), source: { path: "images/x1.qcow2" } }, "/source/path"],
      [{ ...valid("x1"), source: { path: "/srv/../etc/shadow" } }, "/source/path"],
      [{ ...valid("x1"), os: "beos" }, "/os"],
      [{ ...valid("x1"), format: "vmdk" }, "/format"],
      [{ ...valid("x1"), name: "Bad Name" }, "/name"],
    ];
    for (const [body, field] of bad) {
      const res = await image(body);
      expect([res.status, res.headers.get("content-type")]).toEqual([
        400,
        expect.stringMatching(/problem\+json/),
      ]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }

    const tenantCreate = await image(valid("x2"), { key: tenantKey });
    expect([tenantCreate.status, tenantCreate.body.code]).toEqual([403, "FORBIDDEN"]);
    const list = await http(r.api, "GET", "/images", { key: tenantKey });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(["noble-24.04"]);
    const one = await http(r.api, "GET", `/images/${first.body.id}`, { key: tenantKey });
    expect([one.status, one.body.name]).toEqual([200, "noble-24.04"]);
    expect((await http(r.api, "DELETE", `/images/${first.body.id}`, { key: tenantKey })).status).toBe(403);
    expect((await http(r.api, "GET", "/images/img_0000000000000000")).status).toBe(404);
  });

  test("every VM host gets an import; the rack's answer is the host's status", async () => {
    const hostId = await addVmHost(r, {
      rackId: rack.id,
      poolId,
      hostname: "kvm-1",
      mac: "52:54:00:98:00:01",
    });
    const img = await registerImage(r.api, "jammy", { os: "ubuntu", path: "/srv/images/jammy.qcow2" });
    expect(img.hosts).toEqual([expect.objectContaining({ hostId, status: "pending" })]);
    const tasks = (await claim()).filter((t) => t.kind === "image.import");
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      objectId: img.id,
      payload: {
        imageId: img.id,
        machineId: hostId,
        host: { uri: "test:///default", storagePool: "default" },
        name: "jammy",
        os: "ubuntu",
        format: "qcow2",
        path: "/srv/images/jammy.qcow2",
      },
    });
    expect(
      (await report(tasks[0].id, { ok: false, error: { code: "INVALID_IMAGE", message: "no such file" } }))
        .status,
    ).toBe(204);
    const failed = (await http(r.api, "GET", `/images/${img.id}`)).body;
    expect(failed).toMatchObject({
      status: "failed",
      statusReason: `${hostId}: INVALID_IMAGE: no such file`,
      hosts: [{ hostId, status: "failed", reason: "INVALID_IMAGE: no such file" }],
      version: 2,
    });

    // A second image on the same host, answered with success.
    const ok = await registerImage(r.api, "bookworm", {
      os: "debian",
      format: "raw",
      path: "/srv/images/bookworm.img",
    });
    const [t2] = (await claim()).filter((t) => t.kind === "image.import");
    expect(t2.payload).toMatchObject({ name: "bookworm", os: "debian", format: "raw", machineId: hostId });
    await report(t2.id, { ok: true, result: { volume: "fibrix-image.debian.bookworm.raw", existed: false } });
    expect((await http(r.api, "GET", `/images/${ok.id}`)).body).toMatchObject({
      status: "ready",
      statusReason: "on 1 VM host(s)",
      hosts: [{ hostId, status: "ready", reason: "imported as fibrix-image.debian.bookworm.raw" }],
    });
  });

  test("a machine deployed as a VM host gets every catalogue image", async () => {
    const m = await http(r.api, "POST", "/machines", {
      body: {
        hostname: "kvm-2",
        rackId: rack.id,
        macs: ["52:54:00:98:00:02"],
        power: { type: "manual" },
        poolId,
        vmHost: true,
        commission: false,
      },
    });
    await r.region.ctx.store.db
      .updateTable("machines")
      .set({
        status: "Ready",
        inventory: JSON.stringify({
          cores: 2,
          memoryMiB: 4096,
          storage: [{ name: "sda", sizeGiB: 100 }],
          nics: [],
        }),
      })
      .where("id", "=", m.body.id)
      .execute();
    expect((await http(r.api, "POST", `/machines/${m.body.id}/actions/deploy`, { body: {} })).status).toBe(
      200,
    );
    const deploy = (await claim()).find((t) => t.kind === "deploy" && t.objectId === m.body.id);
    expect(deploy).toBeDefined();
    await report(deploy.id, { ok: true, result: { vmHostConfig: { uri: "test:///default" } } });
    expect((await http(r.api, "GET", `/machines/${m.body.id}`)).body.status).toBe("Deployed");
    const imports = (await claim()).filter((t) => t.kind === "image.import");
    const names = (await http(r.api, "GET", "/images")).body.items
      .map((i: { name: string }) => i.name)
      .sort();
    expect(imports.map((t) => t.payload.machineId)).toEqual(names.map(() => m.body.id));
    expect(imports.map((t) => t.payload.name).sort()).toEqual(names);
    for (const t of imports) await report(t.id, { ok: true, result: { volume: "v", existed: true } });
    const bookworm = (await http(r.api, "GET", "/images")).body.items.find(
      (i: { name: string }) => i.name === "bookworm",
    );
    expect(bookworm.hosts.find((h: { hostId: string }) => h.hostId === m.body.id)).toMatchObject({
      status: "ready",
      reason: "already on the host as v",
    });
  });

  test("VMs name registered images only; an image in use is not deleted", async () => {
    const unknown = await http(r.api, "POST", "/vms", {
      key: tenantKey,
      body: { name: "web-0", poolId, image: "plan9", cores: 1, memoryMiB: 512, diskGiB: 10 },
    });
    expect([unknown.status, unknown.body.errors]).toEqual([
      400,
      [{ field: "/image", reason: "unknown image plan9; registered: bookworm, jammy, noble-24.04" }],
    ]);
    const vm = await http(r.api, "POST", "/vms", {
      key: tenantKey,
      body: { name: "web-1", poolId, image: "jammy", cores: 1, memoryMiB: 512, diskGiB: 10 },
    });
    expect(vm.status).toBe(201);
    const jammy = (await http(r.api, "GET", "/images")).body.items.find(
      (i: { name: string }) => i.name === "jammy",
    );
    const refused = await http(r.api, "DELETE", `/images/${jammy.id}`);
    expect([refused.status, refused.body.code]).toEqual([409, "CONFLICT"]);
    expect(refused.body.detail).toMatch(/used by 1 VM\(s\): web-1/);
    // The VM goes (its rack confirms the teardown), then the image can.
    expect((await http(r.api, "DELETE", `/vms/${vm.body.id}`, { key: tenantKey })).status).toBe(202);
    const del = (await claim()).find((t) => t.kind === "vm.delete" && t.objectId === vm.body.id);
    expect((await report(del.id, { ok: true, result: {} })).status).toBe(204);
    expect((await http(r.api, "GET", `/vms/${vm.body.id}`, { key: tenantKey })).status).toBe(404);
    expect((await http(r.api, "DELETE", `/images/${jammy.id}`)).status).toBe(204);
    expect((await http(r.api, "GET", `/images/${jammy.id}`)).status).toBe(404);
  });
});
