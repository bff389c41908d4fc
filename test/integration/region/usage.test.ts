/**
 * Issue #12, usage metering, against a real region over HTTP on SQLite and on a private
 * PostgreSQL, with a controlled clock: a known VM timeline whose changes the rack confirms
 * (test/helpers/protocol-rack.ts plays the rack over the real rack protocol, as
 * rack-protocol.test.ts does) gives exact resource-seconds, hourly and daily buckets add up
 * to them, the CSV export says the same as the JSON, and the per-tenant metrics agree. Then
 * the same timeline on a region child process killed with kill -9 twice between changes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../../backend/region/clock";
import { openStore } from "../../../backend/region/store/open";
import { ProtocolRack } from "../../helpers/protocol-rack";
import { addVmHost, http, registerImage, startRegionProcess, startTestRegion } from "../../helpers/region";
import { STORES } from "../../helpers/stores";

const ok = (res: { status: number; body: any }) => {
  if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

// Ten minutes before midnight: the timeline crosses an hour and a day boundary.
const T0 = Date.parse("2026-12-01T23:50:00Z");
const S = 1000;
const MIDNIGHT = T0 + 600 * S;

/**
 * Billed: running 2 cores / 2048 MiB / 20 GiB over [10 s, 100 s); running 4 / 4096 / 30 over
 * [100, 250); stopped (disk only) 30 GiB over [250, 400); running 4 / 4096 / 30 over [400, 1000).
 */
const EXPECTED = {
  coreSeconds: 90 * 2 + 150 * 4 + 600 * 4,
  memoryMiBSeconds: 90 * 2048 + 150 * 4096 + 600 * 4096,
  diskGiBSeconds: 90 * 20 + 150 * 30 + 150 * 30 + 600 * 30,
  publicIpSeconds: 0,
};
// Before midnight (600 s): [10,100) 2 cores, [100,250) 4, [400,600) 4; after: [600,1000) 4.
const BEFORE_MIDNIGHT = { coreSeconds: 180 + 600 + 800, diskGiBSeconds: 1800 + 4500 + 4500 + 6000 };

interface Setup {
  api: string;
  tenantId: string;
  key: string;
  poolId: string;
  rack: ProtocolRack;
}

async function setUp(
  api: string,
  addHost: (rackId: string, poolId: string) => Promise<void>,
): Promise<Setup> {
  const regionId = ok(
    await http(api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
  ).id;
  const rack = ok(
    await http(api, "POST", "/racks", {
      body: {
        name: "rack-1",
        regionId,
        subnet: "10.20.0.0/24",
        dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
      },
    }),
  );
  const tenantId = ok(await http(api, "POST", "/tenants", { body: { name: "acme" } })).id;
  const key = ok(await http(api, "POST", "/apikeys", { body: { name: "ci", tenantId } })).key;
  const poolId = ok(await http(api, "POST", "/pools", { body: { name: "shared", tenants: [tenantId] } })).id;
  await registerImage(api, "ubuntu-24.04", { os: "ubuntu" });
  await addHost(rack.id, poolId);
  return { api, tenantId, key, poolId, rack: new ProtocolRack(api, rack.enrollmentToken) };
}

/** One step of the timeline: the clock is set, then the request or the rack's confirmation. */
type Step = { at: number; run: (s: Setup, vm: { id: string }) => Promise<void> };

const patch = (s: Setup, vm: { id: string }, body: object) =>
  http(s.api, "PATCH", `/vms/${vm.id}`, { key: s.key, body }).then(ok);

const TIMELINE: Step[] = [
  { at: 10, run: (s, vm) => s.rack.confirm(vm.id, "vm.create") },
  // Requested at +90, confirmed at +100: billed from the confirmation.
  { at: 90, run: (s, vm) => patch(s, vm, { cores: 4, memoryMiB: 4096, diskGiB: 30 }) },
  { at: 100, run: (s, vm) => s.rack.confirm(vm.id, "vm.update") },
  { at: 240, run: (s, vm) => patch(s, vm, { powerState: "off" }) },
  { at: 250, run: (s, vm) => s.rack.confirm(vm.id, "vm.power") },
  { at: 390, run: (s, vm) => patch(s, vm, { powerState: "on" }) },
  { at: 400, run: (s, vm) => s.rack.confirm(vm.id, "vm.power") },
  { at: 900, run: (s, vm) => http(s.api, "DELETE", `/vms/${vm.id}`, { key: s.key }).then(ok) },
  { at: 1000, run: (s, vm) => s.rack.confirm(vm.id, "vm.delete") },
];

async function createVm(s: Setup) {
  return ok(
    await http(s.api, "POST", "/vms", {
      key: s.key,
      body: { name: "web", poolId: s.poolId, image: "ubuntu-24.04", cores: 2, memoryMiB: 2048, diskGiB: 20 },
    }),
  ) as { id: string };
}

const usage = (s: Setup, q: string, key?: string) =>
  http(s.api, "GET", `/usage?${q}`, key ? { key } : {}).then((r) => ({ ...r }));
const period = (g: string) =>
  `from=${new Date(T0 - 3600 * S).toISOString()}&to=${new Date(T0 + 7200 * S).toISOString()}&granularity=${g}`;

/** Every figure the timeline must give, through JSON, CSV and the metrics. */
async function checkTotals(s: Setup, vmId: string, label: string) {
  const hourly = ok(await usage(s, period("hour"), s.key));
  const daily = ok(await usage(s, period("day")));
  expect(hourly.totals).toEqual(EXPECTED);
  expect(daily.totals).toEqual(EXPECTED);
  for (const r of [hourly, daily]) {
    const summed = r.items.reduce((a: number, l: any) => a + l.coreSeconds, 0);
    expect(summed).toBe(EXPECTED.coreSeconds);
    expect(
      r.items.every((l: any) => l.vmId === vmId && l.tenantId === s.tenantId && l.vmName === "web"),
    ).toBe(true);
  }
  expect(hourly.items.map((l: any) => [l.bucketStart, l.coreSeconds, l.diskGiBSeconds])).toEqual([
    [
      new Date(MIDNIGHT - 3600 * S).toISOString(),
      BEFORE_MIDNIGHT.coreSeconds,
      BEFORE_MIDNIGHT.diskGiBSeconds,
    ],
    [
      new Date(MIDNIGHT).toISOString(),
      EXPECTED.coreSeconds - BEFORE_MIDNIGHT.coreSeconds,
      EXPECTED.diskGiBSeconds - BEFORE_MIDNIGHT.diskGiBSeconds,
    ],
  ]);
  // Daily buckets are clipped to the period: [T0 - 1 h, midnight) and [midnight, T0 + 2 h).
  expect(daily.items.map((l: any) => [l.bucketStart, l.bucketEnd, l.coreSeconds])).toEqual([
    [new Date(T0 - 3600 * S).toISOString(), new Date(MIDNIGHT).toISOString(), BEFORE_MIDNIGHT.coreSeconds],
    [new Date(MIDNIGHT).toISOString(), new Date(T0 + 7200 * S).toISOString(), 1600],
  ]);

  // The billing export: the same lines, by format=csv and by Accept.
  const csv = await usage(s, `${period("hour")}&format=csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
  const byAccept = await http(s.api, "GET", `/usage?${period("hour")}`, { headers: { accept: "text/csv" } });
  expect(byAccept.body).toBe(csv.body);
  const rows = String(csv.body)
    .trimEnd()
    .split("\r\n")
    .map((l) => l.split(","));
  expect(rows[0]).toEqual([
    "tenant_id",
    "vm_id",
    "vm_name",
    "pool_id",
    "bucket_start",
    "bucket_end",
    "core_seconds",
    "memory_mib_seconds",
    "disk_gib_seconds",
    "public_ip_seconds",
  ]);
  expect(rows.slice(1)).toEqual(
    hourly.items.map((l: any) =>
      [
        l.tenantId,
        l.vmId,
        l.vmName,
        l.poolId,
        l.bucketStart,
        l.bucketEnd,
        l.coreSeconds,
        l.memoryMiBSeconds,
        l.diskGiBSeconds,
        l.publicIpSeconds,
      ].map(String),
    ),
  );

  const metrics = String((await http(s.api.replace(/\/api\/v1$/, ""), "GET", "/metrics", { key: "" })).body);
  const metric = (name: string) =>
    Number(metrics.match(new RegExp(`^${name}\\{tenant="${s.tenantId}"\\} (\\S+)$`, "m"))?.[1] ?? Number.NaN);
  expect(metric("fibrix_tenant_core_seconds_total")).toBe(EXPECTED.coreSeconds);
  expect(metric("fibrix_tenant_memory_mib_seconds_total")).toBe(EXPECTED.memoryMiBSeconds);
  expect(metric("fibrix_tenant_disk_gib_seconds_total")).toBe(EXPECTED.diskGiBSeconds);
  console.log(
    `${label}: core-s ${hourly.totals.coreSeconds}, MiB-s ${hourly.totals.memoryMiBSeconds}, GiB-s ${hourly.totals.diskGiBSeconds}, address-s ${hourly.totals.publicIpSeconds}; ${hourly.items.length} hourly and ${daily.items.length} daily lines add up; ${rows.length - 1} CSV rows equal the JSON`,
  );
}

describe.each(STORES)("usage metering on %s", (name, makeStore) => {
  const store = makeStore();
  afterAll(async () => store.stop());

  test("a known timeline on a controlled clock: exact seconds, buckets adding up, CSV = JSON, metrics", async () => {
    let now = T0;
    const clock: Clock = { now: () => now };
    const r = await startTestRegion({ databaseUrl: await store.databaseUrl(), clock });
    try {
      const s = await setUp(r.api, async (rackId, poolId) => {
        await addVmHost(r, { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:00:20:01" });
      });
      const vm = await createVm(s);
      for (const step of TIMELINE) {
        now = T0 + step.at * S;
        await step.run(s, vm);
        if (step.at === 400) {
          // Mid-run, at +500: the open interval counts up to now, and the VM holds its size.
          now = T0 + 500 * S;
          const mid = ok(await usage(s, period("day"), s.key));
          expect(mid.totals.coreSeconds).toBe(180 + 600 + 100 * 4);
          const metrics = String((await http(r.url, "GET", "/metrics", { key: "" })).body);
          expect(metrics).toContain(`fibrix_tenant_allocated_cores{tenant="${s.tenantId}"} 4`);
          expect(metrics).toContain(`fibrix_tenant_allocated_memory_mib{tenant="${s.tenantId}"} 4096`);
        }
      }
      now = T0 + 5000 * S; // long after: nothing more is billed
      await checkTotals(s, vm.id, `${name}`);

      // Tenants read only their own usage; bad periods are named.
      const other = ok(await http(r.api, "POST", "/tenants", { body: { name: "other" } })).id;
      expect((await usage(s, `${period("day")}&tenant=${other}`, s.key)).status).toBe(404);
      expect(ok(await usage(s, `${period("day")}&tenant=${other}`)).items).toEqual([]);
      const bad = async (q: string) => {
        const res = await usage(s, q);
        return [res.status, res.body.errors?.map((e: any) => e.field)];
      };
      expect(await bad("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z")).toEqual([400, ["query:from"]]);
      expect(await bad("from=2026-12-01T00:00:00Z&to=2026-12-32T00:00:00Z")).toEqual([400, ["query:to"]]);
      expect(await bad("from=2026-11-01T00:00:00Z&to=2026-12-03T00:00:00Z&granularity=hour")).toEqual([
        400,
        ["query:to"],
      ]);
      expect(await bad("from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&granularity=week")).toEqual([
        400,
        ["query:granularity"],
      ]);
      expect(await bad("to=2026-12-02T00:00:00Z")).toEqual([400, ["query:from"]]);
      expect(await bad(`${period("day")}&format=xml`)).toEqual([400, ["query:format"]]);
    } finally {
      await r.stop();
    }
  }, 120_000);

  test("the ledger refuses a second open interval for one VM (what two racing replicas would make)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fibrix-usage-ledger-"));
    const st = await openStore({ dataDir, databaseUrl: await store.databaseUrl() });
    try {
      const db = st.db;
      const open = {
        vmId: "vm_00000000000000aa",
        vmName: "x",
        tenantId: "ten_00000000000000aa",
        poolId: "pol_00000000000000aa",
        state: "running",
        cores: 1,
        memoryMib: 1,
        diskGib: 1,
        publicIps: 0,
        startMs: T0,
        endMs: null,
      };
      await db.deleteFrom("usageIntervals").where("vmId", "=", open.vmId).execute();
      await db
        .insertInto("usageIntervals")
        .values({ ...open, id: "usg_00000000000000a1" })
        .execute();
      // Compared by message: better-sqlite3's native side keeps the SqliteError class of the first
      // test file a jest worker loaded it in, so in later files it is not this realm's Error.
      const refused = await db
        .insertInto("usageIntervals")
        .values({ ...open, id: "usg_00000000000000a2" })
        .execute()
        .then(
          () => "accepted",
          (e: unknown) => String((e as { message?: unknown }).message ?? e),
        );
      expect(refused).toMatch(/UNIQUE|duplicate key/);
      // A closed one beside the open one is fine: that is every change's history.
      await db
        .insertInto("usageIntervals")
        .values({ ...open, id: "usg_00000000000000a3", startMs: T0 - 1000, endMs: T0 })
        .execute();
    } finally {
      await st.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // Replicas share PostgreSQL; SQLite is one process's file.
  (name === "postgres" ? test : test.skip)(
    "two replicas on one database: changes confirmed through either, both report the same exact totals",
    async () => {
      let now = T0;
      const clock: Clock = { now: () => now };
      const databaseUrl = await store.databaseUrl();
      const a = await startTestRegion({ databaseUrl, clock });
      const b = await startTestRegion({ databaseUrl, clock, dataDir: a.dataDir });
      try {
        const s = await setUp(a.api, async (rackId, poolId) => {
          await addVmHost(a, { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:00:20:01" });
        });
        const vm = await createVm(s);
        let n = 0;
        for (const step of TIMELINE) {
          now = T0 + step.at * S;
          // Requests and the rack's reports alternate between the replicas.
          const api = n++ % 2 === 0 ? b.api : a.api;
          s.api = api;
          s.rack.api = api;
          await step.run(s, vm);
        }
        now = T0 + 5000 * S;
        await checkTotals(s, vm.id, `${name}, two replicas (read on ${s.api === a.api ? "a" : "b"})`);
        s.api = s.api === a.api ? b.api : a.api;
        await checkTotals(s, vm.id, `${name}, two replicas (read on the other)`);
      } finally {
        await b.stop();
        await a.stop();
      }
    },
    120_000,
  );

  test("kill -9 of the region between changes, twice: after restart the totals are still exact", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fibrix-usage-kill-"));
    const clockFile = join(dataDir, "..", `${dataDir.split("/").pop()}.clock`);
    const databaseUrl = await store.databaseUrl();
    const setClock = (at: number) => writeFileSync(clockFile, String(T0 + at * S));
    const start = () =>
      startRegionProcess(dataDir, databaseUrl, { env: { FIBRIX_TEST_CLOCK_FILE: clockFile } });
    setClock(0);
    let region = await start();
    const side = await openStore({ dataDir, databaseUrl });
    try {
      const s = await setUp(region.api, async (rackId, poolId) => {
        await addVmHost(
          { api: region.api, db: side.db },
          { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:00:20:01" },
        );
      });
      const vm = await createVm(s);
      let kills = 0;
      for (const step of TIMELINE) {
        setClock(step.at);
        await step.run(s, vm);
        // Right after the create's confirmation (an open interval), and with the stop asked
        // but not yet confirmed (a queued task, an interval still open).
        if (step.at === 10 || step.at === 240) {
          region.kill9();
          await region.stop();
          kills++;
          region = await start();
          s.api = region.api;
          s.rack.api = region.api;
        }
      }
      expect(kills).toBe(2);
      setClock(5000);
      await checkTotals(s, vm.id, `${name}, after ${kills} kill -9`);
      const open = await side.db
        .selectFrom("usageIntervals")
        .selectAll()
        .where("endMs", "is", null)
        .execute();
      expect(open).toEqual([]);
      const all = await side.db
        .selectFrom("usageIntervals")
        .select(["state", "startMs", "endMs"])
        .orderBy("startMs")
        .execute();
      expect(all.map((x) => [x.state, (Number(x.startMs) - T0) / S, (Number(x.endMs) - T0) / S])).toEqual([
        ["running", 10, 100],
        ["running", 100, 250],
        ["stopped", 250, 400],
        ["running", 400, 1000],
      ]);
    } finally {
      await region.stop();
      await side.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(clockFile, { force: true });
    }
  }, 180_000);
});
