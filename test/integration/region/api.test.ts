/**
 * Issue #2 acceptance on both stores: malformed input never gets a 5xx, tenants are isolated,
 * secrets never leave the region, ETags and idempotency keys work, lists paginate.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { STORES, type StoreUnderTest } from "../../helpers/stores";
import {
  FabricCreate,
  ImageCreate,
  MachineCreate,
  PoolCreate,
  RackCreate,
  RegionCreate,
  TenantCreate,
  VmCreate,
} from "../../../sdk/schema";
import { ApiKeyCreate } from "../../../sdk/schema/tenant";

const SCHEMAS: Record<string, { required?: string[]; properties?: Record<string, any> }> = {
  "/regions": RegionCreate,
  "/fabrics": FabricCreate,
  "/racks": RackCreate,
  "/pools": PoolCreate,
  "/machines": MachineCreate,
  "/vms": VmCreate,
  "/images": ImageCreate,
  "/tenants": TenantCreate,
  "/apikeys": ApiKeyCreate,
};

type Json = Record<string, unknown>;

/** Names that are not DNS labels, including injection attempts. */
const BAD_LABELS = [
  "UPPER",
  "with space",
  "-lead",
  "trail-",
  "a".repeat(64),
  "ünïcode",
  "",
  "a.b",
  "a_b",
  "line\nbreak",
  "tab\t",
  "emoji😀",
  "nul\u0000byte",
  "<script>",
  "'; drop table tenants;--",
  "%00",
  "../x",
];

/** ≥ 50 malformed variants of a valid body: wrong types, missing and unknown fields, huge strings, non-JSON. */
function malformed(
  valid: Json,
  schema: { required?: string[]; properties?: Record<string, any> },
  extra: unknown[] = [],
): { label: string; raw: string }[] {
  const required = schema.required ?? [];
  const out: { label: string; raw: string }[] = [];
  const add = (label: string, body: unknown) => out.push({ label, raw: JSON.stringify(body) });
  for (const raw of ["{bad", "", "[]", "null", "42", '"text"', '{"a":', "\u0000", "[{}]", "true"]) {
    out.push({ label: `non-object ${JSON.stringify(raw)}`, raw });
  }
  add("unknown field", { ...valid, surprise: 1 });
  add("unknown field __proto__", JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(valid).slice(1)}`));
  add("empty object", {});
  add("array of the valid body", [valid]);
  add("wrapped body", { data: valid });
  add("500 unknown fields", {
    ...valid,
    ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i])),
  });
  add("deep nesting", JSON.parse(`${'{"a":'.repeat(200)}1${"}".repeat(200)}`));
  add(
    "field name in another case",
    Object.fromEntries(Object.entries(valid).map(([k, v]) => [k.toUpperCase(), v])),
  );
  out.push({ label: "trailing garbage", raw: `${JSON.stringify(valid)}x` });
  for (const [k, v] of Object.entries(valid)) {
    const { [k]: _drop, ...rest } = valid;
    if (required.includes(k)) add(`missing ${k}`, rest);
    const wrong: unknown[] =
      typeof v === "string"
        ? [12345, true, [], {}, null, "x".repeat(100_000)]
        : typeof v === "number"
          ? [
              "abc",
              true,
              [],
              {},
              null,
              -1,
              1e12,
              ...(schema.properties?.[k]?.type === "integer" ? [1.5] : []),
            ]
          : typeof v === "boolean"
            ? ["yes", 1, null, {}]
            : Array.isArray(v)
              ? ["x", 1, {}, null, [12345], Array(1000).fill("a")]
              : ["x", 1, [], null, { bogus: true }];
    for (const w of wrong) add(`${k}=${JSON.stringify(w).slice(0, 20)}`, { ...valid, [k]: w });
    if (schema.properties?.[k]?.pattern?.startsWith("^[a-z0-9]([a-z0-9-]"))
      for (const w of BAD_LABELS) add(`${k}=${JSON.stringify(w)}`, { ...valid, [k]: w });
  }
  for (const e of extra) add(`semantic ${JSON.stringify(e).slice(0, 60)}`, { ...valid, ...(e as Json) });
  return out;
}

describe.each(STORES)("region API on %s", (_name, makeStore) => {
  let store: StoreUnderTest;
  let r: TestRegion;
  let regionId: string;
  let rackId: string;
  let poolId: string;
  let tenantA: { id: string; key: string };
  let tenantB: { id: string; key: string };

  beforeAll(async () => {
    store = makeStore();
    r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
    regionId = (
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
    ).body.id;
    rackId = (
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-1",
          regionId,
          subnet: "10.20.0.0/24",
          dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
        },
      })
    ).body.id;
    const mk = async (name: string) => {
      const t = (await http(r.api, "POST", "/tenants", { body: { name } })).body;
      const k = (await http(r.api, "POST", "/apikeys", { body: { name: `${name}-ci`, tenantId: t.id } }))
        .body;
      return { id: t.id as string, key: k.key as string };
    };
    tenantA = await mk("acme");
    tenantB = await mk("globex");
    poolId = (
      await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenantA.id, tenantB.id] } })
    ).body.id;
    // Before the host: no rack runs here to import it.
    await registerImage(r.api, "ubuntu-24.04", { os: "ubuntu" });
    await addVmHost(r, { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:99:00:01" });
  }, 120_000);
  afterAll(async () => {
    await r?.stop();
    await store?.stop();
  });

  const endpoints = (): { path: string; valid: Json; key?: string; extra?: unknown[] }[] => [
    {
      path: "/regions",
      valid: { name: "reus", dnsDomain: "reus.fibrix.example", description: "d", dnsTtl: 300 },
      extra: [{ dnsDomain: "no_underscores.example" }, { name: "-bad" }, { dnsTtl: 1 }],
    },
    {
      path: "/fabrics",
      valid: { name: "fab", regionId, description: "d" },
      extra: [{ regionId: "rgn_0000000000000000" }],
    },
    {
      path: "/racks",
      valid: {
        name: "rack-x",
        regionId,
        subnet: "10.30.0.0/24",
        gateway: "10.30.0.1",
        dhcpRange: { start: "10.30.0.100", end: "10.30.0.200" },
        description: "d",
      },
      extra: [
        { subnet: "10.30.0.0/33" },
        { subnet: "300.1.1.0/24" },
        { subnet: "10.30.0.7/24" },
        { gateway: "10.99.0.1" },
        { dhcpRange: { start: "10.30.0.200", end: "10.30.0.100" } },
        { dhcpRange: { start: "10.30.0.1", end: "10.40.0.1" } },
      ],
    },
    {
      path: "/pools",
      valid: { name: "silver", description: "d", cpuOvercommit: 2, memoryOvercommit: 1, tenants: [] },
      extra: [{ cpuOvercommit: 0.5 }, { tenants: ["ten_0000000000000000"] }],
    },
    {
      path: "/machines",
      valid: {
        hostname: "pe860-x",
        rackId,
        macs: ["52:54:00:aa:bb:cc"],
        power: { type: "ipmi", address: "127.0.0.1", port: 623, user: "root", password: "calvin" },
        tags: ["pe860"],
        description: "d",
        commission: false,
      },
      extra: [
        { macs: ["52:54:00:aa:bb"] },
        { macs: ["zz:54:00:aa:bb:cc"] },
        { power: { type: "ipmi", address: "127.0.0.1", user: "root" } },
        { power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "x", uri: "qemu:///system" } },
        { power: { type: "carrier-pigeon" } },
        { power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "p", port: 70000 } },
        { rackId: "rck_0000000000000000" },
        { vmHost: true },
      ],
    },
    {
      path: "/vms",
      key: "A",
      valid: {
        name: "web-x",
        poolId,
        image: "ubuntu-24.04",
        cores: 1,
        memoryMiB: 512,
        diskGiB: 10,
        description: "d",
      },
      extra: [
        { cores: 0 },
        { memoryMiB: 64 },
        { image: "../etc/passwd" },
        { poolId: "pol_0000000000000000" },
        { spread: "galaxy" },
      ],
    },
    {
      // The name is registered already: a mutation that happens to be valid is still a 409.
      path: "/images",
      valid: {
        name: "ubuntu-24.04",
        os: "ubuntu",
        format: "qcow2",
        source: { path: "/srv/images/noble.qcow2" },
        description: "d",
      },
      extra: [
        { source: { path: "srv/images/noble.qcow2" } },
        { source: { path: "/srv/../etc/shadow" } },
        { source: { path: "/" } },
        { source: { url: "http://127.0.0.1/x.qcow2" } },
        { source: {} },
        { os: "beos" },
        { format: "vmdk" },
        { name: "../etc/passwd" },
        { name: "UPPER" },
        { name: "" },
      ],
    },
    {
      path: "/tenants",
      valid: { name: "initech", description: "d" },
      extra: [{ description: "x".repeat(1025) }],
    },
    {
      path: "/apikeys",
      valid: { name: "ci", role: "admin" },
      extra: [
        { role: "root" },
        { tenantId: "ten_0000000000000000" },
        { name: "" },
        { name: "x".repeat(129) },
        { role: "ADMIN" },
        { role: "Admin" },
        { role: "" },
        { role: "tenant " },
        { role: "tenant" },
        { tenantId: "ten_xyz" },
        { tenantId: "TEN_0000000000000000" },
        { tenantId: "ten_00000000000000000" },
        { tenantId: "" },
        { tenantId: "rgn_0000000000000000" },
        { role: "tenant", tenantId: "ten_0000000000000000" },
        { role: "admin", tenantId: "ten_0000000000000000" },
        { role: null, tenantId: null },
        { name: ["ci"] },
      ],
    },
  ];

  test("every create endpoint answers ≥ 50 malformed bodies with 4xx problem+json naming the field", async () => {
    for (const ep of endpoints()) {
      const key = ep.key === "A" ? tenantA.key : undefined;
      const cases = malformed(ep.valid, SCHEMAS[ep.path]!, ep.extra);
      expect([ep.path, cases.length >= 50, cases.length]).toEqual([ep.path, true, cases.length]);
      for (const c of cases) {
        const res = await http(r.api, "POST", ep.path, { raw: c.raw, key });
        const where = `${ep.path} ${c.label} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect({ where, ok: res.status >= 400 && res.status < 500 }).toEqual({ where, ok: true });
        expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(typeof res.body.code).toBe("string");
        expect(res.body.detail).toBeTruthy();
        if (res.status === 400)
          expect({ where, fields: (res.body.errors ?? []).length > 0 }).toEqual({ where, fields: true });
      }
    }
    // Wrong media type and oversize bodies are 4xx too; the server still serves afterwards.
    const text = await fetch(`${r.api}/regions`, {
      method: "POST",
      headers: { authorization: "Bearer fbx_test_admin_key_0123456789abcdef", "content-type": "text/plain" },
      body: "name=x",
    });
    expect(text.status).toBe(415);
    const huge = await http(r.api, "POST", "/regions", {
      raw: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect((await http(r.api, "GET", "/regions")).status).toBe(200);
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
  }, 120_000);

  test("tenant isolation: another tenant's VM is 404 for every verb; tenants cannot touch infrastructure", async () => {
    const vm = await http(r.api, "POST", "/vms", {
      key: tenantA.key,
      body: { name: "web-1", poolId, image: "ubuntu-24.04", cores: 1, memoryMiB: 512, diskGiB: 10 },
    });
    expect([vm.status, vm.body.detail]).toEqual([201, undefined]);
    const id = vm.body.id as string;
    expect(vm.body.tenantId).toBe(tenantA.id);
    for (const [m, body] of [
      ["GET", undefined],
      ["PATCH", { description: "mine now" }],
      ["DELETE", undefined],
    ] as const) {
      const res = await http(r.api, m, `/vms/${id}`, { key: tenantB.key, body });
      expect([m, res.status, res.body.code]).toEqual([m, 404, "NOT_FOUND"]);
    }
    expect((await http(r.api, "GET", "/vms", { key: tenantB.key })).body.items).toEqual([]);
    expect((await http(r.api, "GET", `/events?object=${id}`, { key: tenantB.key })).body.items).toEqual([]);
    expect(
      (await http(r.api, "GET", `/events?object=${id}`, { key: tenantA.key })).body.items.length,
    ).toBeGreaterThan(0);
    expect((await http(r.api, "GET", `/vms/${id}`, { key: tenantA.key })).status).toBe(200);
    // The VM is untouched by B's attempts.
    expect((await http(r.api, "GET", `/vms/${id}`)).body.description).toBe("");

    const creates: [string, Json][] = [
      ["/regions", { name: "evil", dnsDomain: "evil.example" }],
      [
        "/racks",
        {
          name: "evil",
          regionId,
          subnet: "10.99.0.0/24",
          dhcpRange: { start: "10.99.0.10", end: "10.99.0.20" },
        },
      ],
      ["/machines", { hostname: "evil", rackId, macs: ["52:54:00:ee:ee:ee"], power: { type: "manual" } }],
      ["/pools", { name: "evil" }],
      ["/fabrics", { name: "evil", regionId }],
      ["/tenants", { name: "evil" }],
    ];
    for (const [path, body] of creates) {
      const res = await http(r.api, "POST", path, { key: tenantB.key, body });
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect((await http(r.api, "GET", "/machines", { key: tenantB.key })).status).toBe(403);
    // Pools: only granted ones exist for a tenant.
    const hidden = (await http(r.api, "POST", "/pools", { body: { name: "private", tenants: [tenantA.id] } }))
      .body.id;
    expect((await http(r.api, "GET", `/pools/${hidden}`, { key: tenantB.key })).status).toBe(404);
    expect(
      (await http(r.api, "GET", "/pools", { key: tenantB.key })).body.items.map((p: Json) => p.id),
    ).not.toContain(hidden);
    const denied = await http(r.api, "POST", "/vms", {
      key: tenantB.key,
      body: { name: "sneaky", poolId: hidden, image: "ubuntu-24.04", cores: 1, memoryMiB: 512, diskGiB: 10 },
    });
    expect(denied.status).toBe(400);
    expect(denied.body.errors[0].field).toBe("/poolId");
    // A tenant key cannot mint an admin key.
    expect(
      (await http(r.api, "POST", "/apikeys", { key: tenantB.key, body: { name: "x", role: "admin" } }))
        .status,
    ).toBe(403);
    expect((await http(r.api, "GET", "/regions", { key: "" })).status).toBe(401);
    expect((await http(r.api, "GET", "/regions", { key: "fbx_not_a_key" })).status).toBe(401);
  });

  test("BMC passwords are sealed at rest and never returned", async () => {
    const secret = "Sup3r-s3cret-BMC";
    const m = await http(r.api, "POST", "/machines", {
      body: {
        hostname: "pe860-secret",
        rackId,
        macs: ["52:54:00:5e:c2:e7"],
        power: { type: "ipmi", address: "127.0.0.1", user: "root", password: secret },
        commission: false,
      },
    });
    expect(m.status).toBe(201);
    expect(m.body.power).toEqual({ type: "ipmi", address: "127.0.0.1", user: "root", passwordSet: true });
    for (const path of [`/machines/${m.body.id}`, "/machines", `/events?object=${m.body.id}`]) {
      expect(JSON.stringify((await http(r.api, "GET", path)).body)).not.toContain(secret);
    }
    const row = await r.region.ctx.store.db
      .selectFrom("machines")
      .select(["power", "powerSecret"])
      .where("id", "=", m.body.id)
      .executeTakeFirstOrThrow();
    expect(row.power).not.toContain(secret);
    expect(row.powerSecret).toMatch(/^v1:/);
    expect(r.region.ctx.secrets.open(row.powerSecret!)).toBe(secret);
    if (_name === "sqlite") {
      for (const f of readdirSync(r.dataDir).filter((x) => x.startsWith("region.sqlite"))) {
        expect(readFileSync(join(r.dataDir, f)).includes(Buffer.from(secret))).toBe(false);
      }
    }
    // Updating other power fields keeps the stored password.
    const upd = await http(r.api, "PATCH", `/machines/${m.body.id}`, {
      body: { power: { type: "ipmi", address: "127.0.0.2", user: "root" } },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.power.passwordSet).toBe(true);
  });

  test("ETag/If-Match guards updates; Idempotency-Key makes creates safe to retry", async () => {
    const g = await http(r.api, "GET", `/regions/${regionId}`);
    const etag = g.headers.get("etag")!;
    expect(etag).toBe(`"${g.body.version}"`);
    const stale = await http(r.api, "PATCH", `/regions/${regionId}`, {
      body: { description: "x" },
      headers: { "if-match": '"999"' },
    });
    expect(stale.status).toBe(412);
    const ok = await http(r.api, "PATCH", `/regions/${regionId}`, {
      body: { description: "Girona DC" },
      headers: { "if-match": etag },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(g.body.version + 1);
    expect(ok.headers.get("etag")).toBe(`"${g.body.version + 1}"`);

    const headers = { "idempotency-key": `idem-${_name}-tenant` };
    const first = await http(r.api, "POST", "/tenants", { body: { name: "wayne" }, headers });
    const again = await http(r.api, "POST", "/tenants", { body: { name: "wayne" }, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const all = (await http(r.api, "GET", "/tenants?limit=1000")).body.items.filter(
      (t: Json) => t.name === "wayne",
    );
    expect(all).toHaveLength(1);
    const other = await http(r.api, "POST", "/tenants", { body: { name: "stark" }, headers });
    expect([other.status, other.body.code]).toEqual([422, "IDEMPOTENCY_MISMATCH"]);
    // Without a key, a duplicate unique name is a clear 409.
    const dup = await http(r.api, "POST", "/tenants", { body: { name: "wayne" } });
    expect([dup.status, dup.body.code]).toEqual([409, "CONFLICT"]);
  });

  test("lists paginate with a cursor and filter", async () => {
    for (let i = 0; i < 25; i++) {
      const res = await http(r.api, "POST", "/machines", {
        body: {
          hostname: `page-${i}`,
          rackId,
          macs: [`52:54:00:10:00:${i.toString(16).padStart(2, "0")}`],
          power: { type: "manual" },
          tags: i % 2 ? ["odd"] : ["even"],
          commission: i % 5 !== 0,
        },
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/machines?limit=7&tag=odd${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await http(r.api, "GET", q);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...res.body.items.map((m: Json) => m.hostname));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, k) => `page-${2 * k + 1}`).sort());
    const fresh = (await http(r.api, "GET", "/machines?status=New&limit=100")).body.items.map(
      (m: Json) => m.hostname,
    );
    expect(fresh.filter((h: string) => h.startsWith("page-")).sort()).toEqual([
      "page-0",
      "page-10",
      "page-15",
      "page-20",
      "page-5",
    ]);
    expect((await http(r.api, "GET", "/machines?limit=0")).status).toBe(400);
    expect((await http(r.api, "GET", "/machines?status=Sleeping")).status).toBe(400);
  });

  test("lifecycle through the API: illegal action is 409 with the allowed list; every transition is an event", async () => {
    const m = (
      await http(r.api, "POST", "/machines", {
        body: {
          hostname: "life-1",
          rackId,
          macs: ["52:54:00:20:00:01"],
          power: { type: "manual" },
          commission: false,
        },
      })
    ).body;
    expect(m.status).toBe("New");
    const bad = await http(r.api, "POST", `/machines/${m.id}/actions/deploy`, { body: { reason: "go" } });
    expect(bad.status).toBe(409);
    expect(bad.body.allowed).toEqual(["commission", "mark-broken"]);
    const c = await http(r.api, "POST", `/machines/${m.id}/actions/commission`, {
      body: { reason: "new hardware" },
    });
    expect([c.status, c.body.status]).toEqual([200, "Commissioning"]);
    const b = await http(r.api, "POST", `/machines/${m.id}/actions/abort`);
    expect(b.body.status).toBe("New");
    const ev = (await http(r.api, "GET", `/events?object=${m.id}`)).body.items;
    expect(ev.map((e: Json) => [e.kind, e.from, e.to])).toEqual([
      ["enlisted", null, "New"],
      ["transition", "New", "Commissioning"],
      ["transition", "Commissioning", "New"],
    ]);
    expect(ev[1].actor).toBe("admin:env");
    expect(ev[1].reason).toBe("new hardware");
    // Region delete refuses while racks exist.
    const del = await http(r.api, "DELETE", `/regions/${regionId}`);
    expect([del.status, del.body.code]).toEqual([409, "CONFLICT"]);
    expect(del.body.detail).toMatch(/rack/);
  });

  test("OpenAPI document lists every resource; metrics and health answer", async () => {
    const doc = (await http(r.api, "GET", "/openapi.json", { key: "" })).body;
    expect(doc.openapi).toBe("3.0.3");
    for (const p of [
      "/api/v1/regions",
      "/api/v1/racks",
      "/api/v1/machines",
      "/api/v1/vms",
      "/api/v1/pools",
      "/api/v1/images",
      "/api/v1/tenants",
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/fibrix_machines\{status="New"\} \d+/);
    expect(metrics).toContain("fibrix_http_request_duration_seconds_bucket");
    const ready = await (await fetch(`${r.url}/readyz`)).json();
    expect(ready).toEqual({ status: "ready", store: _name });
    expect((await fetch(`${r.api}/docs`)).status).toBeLessThan(400);
  });
});
