/**
 * Issue #4 at the region: 200 concurrent VM creates from 20 tenants against 50 small hosts
 * never double-book capacity (on SQLite and PostgreSQL), refusals explain themselves, and a
 * kill -9 of the region halfway loses no acknowledged VM and leaves every placed VM with the
 * rack task that will build it (so nothing is booked that no one will create or clean up).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../../../backend/region/store/database";
import { openStore } from "../../../backend/region/store/open";
import { http, registerImage, startRegionProcess, startTestRegion } from "../../helpers/region";
import { STORES } from "../../helpers/stores";

const HOSTS = 50;
const TENANTS = 20;
const CREATES = 200;
const CPU_RATIO = 2; // 2 cores × 2 = 4 vCPUs a host, 200 in all: less than the demand

interface Fixture {
  poolId: string;
  keys: string[];
}

async function setUp(api: string, db: Kysely<Database>): Promise<Fixture> {
  const ok = (res: { status: number; body: any }) => {
    if (res.status >= 300) throw new Error(JSON.stringify(res.body));
    return res.body;
  };
  const regions = [];
  for (const name of ["girona", "reus", "lleida"]) {
    regions.push(
      ok(await http(api, "POST", "/regions", { body: { name, dnsDomain: `${name}.fibrix.example` } })).id,
    );
  }
  const racks = [];
  for (let i = 0; i < regions.length; i++) {
    racks.push(
      ok(
        await http(api, "POST", "/racks", {
          body: {
            name: `rack-${i}`,
            regionId: regions[i],
            subnet: `10.${i}.0.0/16`,
            dhcpRange: { start: `10.${i}.1.1`, end: `10.${i}.9.9` },
          },
        }),
      ).id,
    );
  }
  const tenants: string[] = [];
  const keys: string[] = [];
  for (let t = 0; t < TENANTS; t++) {
    const id = ok(await http(api, "POST", "/tenants", { body: { name: `tenant-${t}` } })).id;
    tenants.push(id);
    keys.push(ok(await http(api, "POST", "/apikeys", { body: { name: "ci", tenantId: id } })).key);
  }
  const poolId = ok(
    await http(api, "POST", "/pools", { body: { name: "shared", cpuOvercommit: CPU_RATIO, tenants } }),
  ).id;
  // Before the hosts: no rack runs here to import it.
  await registerImage(api, "ubuntu-24.04", { os: "ubuntu" });
  for (let h = 0; h < HOSTS; h++) {
    const m = ok(
      await http(api, "POST", "/machines", {
        body: {
          hostname: `kvm-${h}`,
          rackId: racks[h % racks.length],
          macs: [`52:54:00:77:00:${h.toString(16).padStart(2, "0")}`],
          power: { type: "manual" },
          poolId,
          vmHost: true,
          commission: false,
        },
      }),
    );
    await db
      .updateTable("machines")
      .set({
        status: "Deployed",
        inventory: JSON.stringify({
          cores: 2,
          memoryMiB: 8192,
          storage: [{ name: "sda", sizeGiB: 250 }],
          nics: [],
        }),
        vmHostConfig: JSON.stringify({ uri: "test:///default" }),
      })
      .where("id", "=", m.id)
      .execute();
  }
  return { poolId, keys };
}

function request(i: number, poolId: string) {
  return {
    name: `vm-${i}`,
    poolId,
    image: "ubuntu-24.04",
    cores: 1 + (i % 2),
    memoryMiB: 1024 * (1 + (i % 3)),
    diskGiB: 20,
    ...(i % 10 === 0 ? { antiAffinityGroup: "tier3", spread: "region" } : {}),
  };
}

/** Per host: booked vCPU, memory and disk never exceed effective capacity. */
async function checkNoOverbooking(db: Kysely<Database>): Promise<{ placed: number; maxCores: number }> {
  const rows = await db
    .selectFrom("vms")
    .select((eb) => [
      "hostId",
      eb.fn.sum<number>("cores").as("cores"),
      eb.fn.sum<number>("memoryMib").as("mem"),
      eb.fn.sum<number>("diskGib").as("disk"),
      eb.fn.countAll<number>().as("n"),
    ])
    .where("hostId", "is not", null)
    .groupBy("hostId")
    .execute();
  const over = rows.filter(
    (r) => Number(r.cores) > 2 * CPU_RATIO || Number(r.mem) > 8192 || Number(r.disk) > 250,
  );
  expect(over).toEqual([]);
  return {
    placed: rows.reduce((s, r) => s + Number(r.n), 0),
    maxCores: Math.max(...rows.map((r) => Number(r.cores))),
  };
}

describe.each(STORES)("VM capacity on %s", (_name, makeStore) => {
  const store = makeStore();
  afterAll(async () => store.stop());

  test(`${CREATES} concurrent creates from ${TENANTS} tenants on ${HOSTS} hosts: zero double-booking`, async () => {
    const r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
    try {
      const db = r.region.ctx.store.db;
      const { poolId, keys } = await setUp(r.api, db);
      const results = await Promise.all(
        Array.from({ length: CREATES }, (_, i) =>
          http(r.api, "POST", "/vms", { key: keys[i % TENANTS], body: request(i, poolId) }),
        ),
      );
      const created = results.filter((x) => x.status === 201);
      const refused = results.filter((x) => x.status === 409);
      expect(created.length + refused.length).toBe(CREATES);
      expect(
        refused.every((x) => x.body.code === "NO_CAPACITY" && /no host in pool shared/.test(x.body.detail)),
      ).toBe(true);
      const { placed, maxCores } = await checkNoOverbooking(db);
      expect(placed).toBe(created.length);
      expect(maxCores).toBeLessThanOrEqual(4);
      // The pool's view agrees with the rows.
      const pool = (await http(r.api, "GET", `/pools/${poolId}`)).body;
      expect(pool.capacity.cores).toBe(HOSTS * 2 * CPU_RATIO);
      expect(pool.used.cores).toBeLessThanOrEqual(pool.capacity.cores);
      // Anti-affinity "region": at most one member of each tenant's tier3 group per region.
      const members = await db
        .selectFrom("vms")
        .select(["tenantId", "regionId"])
        .where("antiAffinityGroup", "=", "tier3")
        .execute();
      const seen = new Set<string>();
      for (const m of members) {
        const k = `${m.tenantId}/${m.regionId}`;
        expect(seen.has(k)).toBe(false);
        seen.add(k);
      }
      // Each placed VM has exactly one vm.create task for its host's rack.
      const tasks = await db
        .selectFrom("tasks")
        .select(["objectId"])
        .where("kind", "=", "vm.create")
        .execute();
      expect(tasks.length).toBe(created.length);
      console.log(
        `${_name}: ${created.length} placed, ${refused.length} refused (pool full), max ${maxCores} vCPU on a host of 4`,
      );
    } finally {
      await r.stop();
    }
  }, 180_000);

  test("kill -9 halfway: every acknowledged VM exists with its task; still no double-booking", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fibrix-vmkill-"));
    const databaseUrl = await store.databaseUrl();
    const first = await startRegionProcess(dataDir, databaseUrl);
    const side = await openStore({ dataDir, databaseUrl });
    try {
      const { poolId, keys } = await setUp(first.api, side.db);
      const acked: string[] = [];
      let killed = false;
      await Promise.all(
        Array.from({ length: CREATES }, async (_, i) => {
          try {
            const res = await http(first.api, "POST", "/vms", {
              key: keys[i % TENANTS],
              body: request(i, poolId),
            });
            if (res.status === 201) acked.push(res.body.id);
          } catch {
            /* cut off by the kill */
          }
          if (!killed && acked.length >= 40) {
            killed = true;
            first.kill9();
          }
        }),
      );
      await first.stop();
      expect(killed).toBe(true);
      const second = await startRegionProcess(dataDir, databaseUrl);
      try {
        const present = new Set((await side.db.selectFrom("vms").select("id").execute()).map((v) => v.id));
        expect(acked.filter((id) => !present.has(id))).toEqual([]);
        await checkNoOverbooking(side.db);
        const withoutTask = await side.db
          .selectFrom("vms")
          .select("id")
          .where("hostId", "is not", null)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom("tasks")
                  .select("tasks.id")
                  .whereRef("tasks.objectId", "=", "vms.id")
                  .where("tasks.kind", "=", "vm.create"),
              ),
            ),
          )
          .execute();
        expect(withoutTask).toEqual([]);
        console.log(
          `${_name}: ${acked.length} VMs acknowledged before kill -9, ${present.size} present after restart`,
        );
      } finally {
        await second.stop();
      }
    } finally {
      await side.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
