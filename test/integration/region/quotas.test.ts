/**
 * Issue #12, quotas, against a real region over HTTP on SQLite and on a private PostgreSQL:
 * 200 concurrent creates from 20 tenants with small quotas never take a tenant past a limit
 * (counted per tenant from the store afterwards) and every refusal names its quota with its
 * figures; a resize past a quota is refused and changes nothing (version, size, no task).
 * The rack peer is test/helpers/protocol-rack.ts (the real rack protocol, as
 * rack-protocol.test.ts drives it), so a VM can be confirmed Running before it is resized.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../backend/region/store/database";
import { FibrixClient } from "../../../sdk/client";
import { QuotaExceededError } from "../../../sdk/errors";
import { QUOTA_FIELDS } from "../../../sdk/schema/quota";
import { ProtocolRack } from "../../helpers/protocol-rack";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { STORES } from "../../helpers/stores";

const TENANTS = 20;
const CREATES = 200;
const HOSTS = 30; // 240 vCPUs: more than the quotas let anyone ask for

const ok = (res: { status: number; body: any }) => {
  if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Small, varied limits: tenant-wide for all; some tenants also one in the pool. */
const wideLimits = (t: number) => ({
  vms: 3 + (t % 4),
  cores: 4 + (t % 5),
  memoryMiB: 3072 + 1024 * (t % 3),
});
const poolLimits = (t: number) => (t < 5 ? { vms: 1 } : t >= 15 ? { diskGiB: 20 } : null);
const request = (i: number, poolId: string) => ({
  name: `vm-${i}`,
  poolId,
  image: "ubuntu-24.04",
  cores: 1 + (i % 2),
  memoryMiB: 512 * (1 + (i % 3)),
  diskGiB: 10 + 10 * (i % 2),
});

async function holdings(db: Kysely<Database>, poolId?: string) {
  let q = db
    .selectFrom("vms")
    .select((eb) => [
      "tenantId",
      eb.fn.countAll<number>().as("vms"),
      eb.fn.sum<number>("cores").as("cores"),
      eb.fn.sum<number>("memoryMib").as("memoryMiB"),
      eb.fn.sum<number>("diskGib").as("diskGiB"),
    ])
    .where("hostId", "is not", null)
    .groupBy("tenantId");
  if (poolId) q = q.where("poolId", "=", poolId);
  const rows = await q.execute();
  return new Map(
    rows.map((r) => [
      r.tenantId,
      {
        vms: Number(r.vms),
        cores: Number(r.cores),
        memoryMiB: Number(r.memoryMiB),
        diskGiB: Number(r.diskGiB),
      },
    ]),
  );
}

describe.each(STORES)("quotas on %s", (name, makeStore) => {
  const store = makeStore();
  let r: TestRegion;
  let regionId: string;
  beforeAll(async () => {
    r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
    regionId = ok(
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
    ).id;
    await registerImage(r.api, "ubuntu-24.04", { os: "ubuntu" });
  }, 120_000);
  afterAll(async () => {
    await r?.stop();
    await store.stop();
  });

  /** A rack with `pools` pools of `hosts` VM hosts each, granted to `tenants`. */
  async function rackWithPools(n: number, pools: number, hosts: number, tenants: string[]) {
    const rack = ok(
      await http(r.api, "POST", "/racks", {
        body: {
          name: `rack-${n}`,
          regionId,
          subnet: `10.${n}.0.0/16`,
          dhcpRange: { start: `10.${n}.1.1`, end: `10.${n}.9.9` },
        },
      }),
    );
    const poolIds: string[] = [];
    for (let p = 0; p < pools; p++) {
      const poolId = ok(
        await http(r.api, "POST", "/pools", { body: { name: `pool-${n}-${p}`, cpuOvercommit: 4, tenants } }),
      ).id as string;
      poolIds.push(poolId);
      for (let h = 0; h < hosts; h++) {
        await addVmHost(r, {
          rackId: rack.id,
          poolId,
          hostname: `kvm-${n}-${p}-${h}`,
          mac: `52:54:00:${n.toString(16).padStart(2, "0")}:${p.toString(16).padStart(2, "0")}:${h.toString(16).padStart(2, "0")}`,
        });
      }
    }
    return { rackId: rack.id as string, token: rack.enrollmentToken as string, poolIds };
  }

  async function tenant(tname: string) {
    const id = ok(await http(r.api, "POST", "/tenants", { body: { name: tname } })).id as string;
    const key = ok(await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: id } }))
      .key as string;
    return { id, key };
  }

  test(`${CREATES} concurrent creates from ${TENANTS} tenants with small quotas: 0 over quota, every refusal names its quota`, async () => {
    const tenants: { id: string; key: string }[] = [];
    for (let t = 0; t < TENANTS; t++) tenants.push(await tenant(`tenant-${t}`));
    // Two pools: placement locks one pool, so only the quota row's lock keeps a tenant's
    // creates in both pools from passing its tenant-wide limit together (PostgreSQL).
    const { poolIds } = await rackWithPools(
      1,
      2,
      HOSTS / 2,
      tenants.map((t) => t.id),
    );
    const poolId = poolIds[0]!;
    const quotas = new Map<string, any>();
    for (let t = 0; t < TENANTS; t++) {
      const tid = tenants[t]!.id;
      quotas.set(
        `${tid}/*`,
        ok(await http(r.api, "POST", "/quotas", { body: { tenantId: tid, ...wideLimits(t) } })),
      );
      const pl = poolLimits(t);
      if (pl)
        quotas.set(
          `${tid}/${poolId}`,
          ok(await http(r.api, "POST", "/quotas", { body: { tenantId: tid, poolId, ...pl } })),
        );
    }

    const results = await Promise.all(
      Array.from({ length: CREATES }, (_, i) =>
        http(r.api, "POST", "/vms", {
          key: tenants[i % TENANTS]!.key,
          body: request(i, poolIds[Math.floor(i / TENANTS) % 2]!),
        }).then((res) => ({
          i,
          ...res,
        })),
      ),
    );
    const created = results.filter((x) => x.status === 201);
    const refused = results.filter((x) => x.status !== 201);
    // The pool has room for every request: each refusal is a quota's.
    expect(
      refused.filter((x) => x.status !== 409 || x.body.code !== "QUOTA_EXCEEDED").map((x) => x.body),
    ).toEqual([]);
    const byQuota: Record<string, number> = {};
    for (const x of refused) {
      const q = x.body.quota;
      const t = tenants[x.i % TENANTS]!;
      expect(x.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(QUOTA_FIELDS).toContain(q.quota);
      expect(q.tenantId).toBe(t.id);
      expect(q.used + q.requested).toBeGreaterThan(q.limit);
      expect(q.requested).toBeGreaterThan(0);
      const quota = quotas.get(`${t.id}/${q.poolId ?? "*"}`);
      expect(q.quotaId).toBe(quota.id);
      expect(q.limit).toBe(quota[q.quota]);
      expect(x.body.detail).toContain(`quota ${q.quota} of tenant ${t.id}`);
      expect(x.body.detail).toContain(`limit ${q.limit}, in use ${q.used}, requested ${q.requested}`);
      const key = `${q.poolId ? "pool" : "tenant"}:${q.quota}`;
      byQuota[key] = (byQuota[key] ?? 0) + 1;
    }

    // Counted from the store: nobody over any limit.
    const db = r.region.ctx.store.db;
    const wide = await holdings(db);
    const inPool = await holdings(db, poolId);
    let over = 0;
    for (let t = 0; t < TENANTS; t++) {
      const tid = tenants[t]!.id;
      const h = wide.get(tid) ?? { vms: 0, cores: 0, memoryMiB: 0, diskGiB: 0 };
      for (const [f, limit] of Object.entries(wideLimits(t))) if (h[f as keyof typeof h] > limit) over++;
      const hp = inPool.get(tid) ?? { vms: 0, cores: 0, memoryMiB: 0, diskGiB: 0 };
      for (const [f, limit] of Object.entries(poolLimits(t) ?? {}))
        if (hp[f as keyof typeof hp] > limit) over++;
    }
    expect(over).toBe(0);
    expect([...wide.values()].reduce((s, h) => s + h.vms, 0)).toBe(created.length);
    expect(created.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    // A tenant reads its own quotas with what it holds; another's is not found; it cannot set one.
    const t0 = tenants[0]!;
    const mine = ok(await http(r.api, "GET", "/quotas", { key: t0.key })).items;
    expect(mine.map((q: any) => q.tenantId)).toEqual([t0.id, t0.id]);
    const wide0 = mine.find((q: any) => q.poolId === null);
    expect(wide0.used).toMatchObject(wide.get(t0.id)!);
    expect(wide0.used.vms).toBeLessThanOrEqual(wide0.vms);
    const other = quotas.get(`${tenants[1]!.id}/*`).id;
    expect((await http(r.api, "GET", `/quotas/${other}`, { key: t0.key })).status).toBe(404);
    expect(
      (await http(r.api, "POST", "/quotas", { key: t0.key, body: { tenantId: t0.id, vms: 100 } })).status,
    ).toBe(403);
    expect(
      (await http(r.api, "PATCH", `/quotas/${wide0.id}`, { key: t0.key, body: { vms: 100 } })).status,
    ).toBe(403);
    console.log(
      `${name}: ${CREATES} creates from ${TENANTS} tenants: ${created.length} created, ${refused.length} refused by quota ${JSON.stringify(byQuota)}, 0 over quota`,
    );
  }, 300_000);

  test("a resize past a quota is refused and changes nothing; one within it goes to the rack", async () => {
    const t = await tenant("resizer");
    const {
      poolIds: [poolId],
      token,
    } = await rackWithPools(2, 1, 2, [t.id]);
    const rack = new ProtocolRack(r.api, token);
    const quota = ok(
      await http(r.api, "POST", "/quotas", { body: { tenantId: t.id, cores: 3, memoryMiB: 4096 } }),
    );
    const vm = (n: string, cores: number) =>
      http(r.api, "POST", "/vms", {
        key: t.key,
        body: { name: n, poolId, image: "ubuntu-24.04", cores, memoryMiB: 1024, diskGiB: 10 },
      });
    const a = ok(await vm("big", 2));
    ok(await vm("small", 1)); // still Creating: it holds its core all the same
    await rack.confirm(a.id, "vm.create");
    const running = ok(await http(r.api, "GET", `/vms/${a.id}`, { key: t.key }));
    expect(running.status).toBe("Running");
    // A third VM would need a fourth core.
    const third = await vm("third", 1);
    expect([third.status, third.body.quota]).toEqual([
      409,
      { quota: "cores", quotaId: quota.id, tenantId: t.id, poolId: null, limit: 3, used: 3, requested: 1 },
    ]);

    // The SDK hands back the typed error with the same figures.
    const sdk = new FibrixClient({ endpoint: r.url, apiKey: t.key });
    const thrown = await sdk.vms
      .create({
        name: "fourth",
        poolId: poolId!,
        image: "ubuntu-24.04",
        cores: 1,
        memoryMiB: 512,
        diskGiB: 10,
      })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(QuotaExceededError);
    expect((thrown as QuotaExceededError).quota).toMatchObject({
      quota: "cores",
      limit: 3,
      used: 3,
      requested: 1,
    });

    const grow = await http(r.api, "PATCH", `/vms/${a.id}`, { key: t.key, body: { cores: 3 } });
    expect(grow.status).toBe(409);
    expect(grow.body).toMatchObject({
      code: "QUOTA_EXCEEDED",
      quota: { quota: "cores", limit: 3, used: 3, requested: 1, tenantId: t.id },
    });
    const after = ok(await http(r.api, "GET", `/vms/${a.id}`, { key: t.key }));
    expect(after).toEqual(running); // version, size, status: all as before
    const tasks = await r.region.ctx.store.db
      .selectFrom("tasks")
      .select("kind")
      .where("objectId", "=", a.id)
      .execute();
    expect(tasks.map((x) => x.kind)).toEqual(["vm.create"]);

    // Memory still has room (2048 held of 4096): that resize is taken and sent to the rack.
    const mem = await http(r.api, "PATCH", `/vms/${a.id}`, { key: t.key, body: { memoryMiB: 2048 } });
    expect([mem.status, mem.body.status, mem.body.version]).toEqual([200, "Updating", running.version + 1]);
    const tasks2 = await r.region.ctx.store.db
      .selectFrom("tasks")
      .select("kind")
      .where("objectId", "=", a.id)
      .execute();
    expect(tasks2.map((x) => x.kind).sort()).toEqual(["vm.create", "vm.update"]);
    // Lowering a limit below what is held stops growth but leaves the VMs alone.
    const lowered = ok(
      await http(r.api, "PATCH", `/quotas/${quota.id}`, { body: { cores: 1, memoryMiB: null } }),
    );
    expect([lowered.cores, lowered.memoryMiB, lowered.used.cores]).toEqual([1, null, 3]);
    console.log(
      `${name}: resize past the quota refused (${grow.body.detail}); VM unchanged at version ${after.version}`,
    );
  }, 120_000);

  test("quota inputs: unknown tenant or pool named, one quota per scope, bad limits named", async () => {
    const t = await tenant("inputs");
    const bad = await http(r.api, "POST", "/quotas", { body: { tenantId: "ten_00000000000000ff", vms: 1 } });
    expect([bad.status, bad.body.errors]).toEqual([
      400,
      [{ field: "/tenantId", reason: "tenant ten_00000000000000ff does not exist" }],
    ]);
    const badPool = await http(r.api, "POST", "/quotas", {
      body: { tenantId: t.id, poolId: "pol_00000000000000ff" },
    });
    expect([badPool.status, badPool.body.errors[0].field]).toEqual([400, "/poolId"]);
    const neg = await http(r.api, "POST", "/quotas", { body: { tenantId: t.id, cores: -1 } });
    expect([neg.status, neg.body.errors[0].field]).toEqual([400, "/cores"]);
    ok(await http(r.api, "POST", "/quotas", { body: { tenantId: t.id, vms: 1 } }));
    const twin = await http(r.api, "POST", "/quotas", { body: { tenantId: t.id, vms: 2 } });
    expect([twin.status, twin.body.code]).toEqual([409, "CONFLICT"]);
  });
});
