/**
 * Issue #13, acceptance: the control plane rides through a database failover. On the HA lab
 * (3 etcd members, 3 Patroni/PostgreSQL 15 nodes, test/helpers/patroni.ts) run two region
 * replicas (child processes, `--database` = the multi-host URL with
 * target_session_attrs=read-write) and a rack agent given both replica URLs; 20 tenants send
 * 200 concurrent VM creates through the SDK, spread over both replicas; midway the Patroni
 * primary's postmaster gets kill -9. Then one region replica gets kill -9, and the rack and
 * the SDK carry on through the other.
 *
 * The rack agent is the real one (claims, leases, keep-alive, reports, region failover), with
 * one executor standing in for libvirt: 200 QEMU guests do not fit the 2 cores here (the
 * libvirt path itself is test/integration/rack/vms.test.ts). It records what it "built" on
 * which host, so "leaked" is measured as: VMs the rack built that have no VM row, vm.create
 * tasks without a VM row, and placed VMs without their task.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import pino from "pino";
import { RackAgent } from "../../../backend/rack/agent";
import type { Executor } from "../../../backend/rack/executor";
import type { Database } from "../../../backend/region/store/database";
import { openStore, type Store } from "../../../backend/region/store/open";
import { roleOf } from "../../../backend/lab/patroni-lab";
import { FibrixClient } from "../../../sdk/client";
import { FibrixError } from "../../../sdk/errors";
import { type PatroniLab, startPatroniLab } from "../../helpers/patroni";
import { http, type RegionProcess, registerImage, startRegionProcess } from "../../helpers/region";

const HOSTS = 50;
const TENANTS = 20;
const CREATES = 200;
const AFTER_REPLICA_KILL = 20;
const CPU_RATIO = 2; // 2 cores × 2 = 4 vCPUs a host
const KILL_AFTER_ACKS = 50;

let lab: PatroniLab;
let side: Store;
const regions: RegionProcess[] = [];
let agent: RackAgent | undefined;
const dirs: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the stand-in VM host built: vm id → the hosts it was built on (more than one = double-booked). */
const built = new Map<string, Set<string>>();
const labVmCreate: Executor = {
  kind: "vm.create",
  async run({ task }) {
    // The payload's host is the VM host's libvirt config (backend/rack/executors/vm-target.ts).
    const p = task.payload as { vmId: string; host: { uri: string } };
    const host = p.host.uri;
    // Idempotent like the real executor: a task handed out again finds its VM already there.
    const on = built.get(p.vmId) ?? new Set<string>();
    on.add(host);
    built.set(p.vmId, on);
    await sleep(5);
    return { domain: `lab-${p.vmId}`, ip: null };
  },
};

const labVmDelete: Executor = {
  kind: "vm.delete",
  async run({ task }) {
    built.delete((task.payload as { vmId: string }).vmId);
    return {};
  },
};

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch {
      /* a replica or the database is away: try again */
    }
    await sleep(200);
  }
  throw new Error(`${what}: not after ${ms} ms (last: ${JSON.stringify(last)})`);
}

interface Fixture {
  poolId: string;
  keys: string[];
  tenants: string[];
  rackToken: string;
}

async function setUp(api: string, db: Kysely<Database>): Promise<Fixture> {
  const ok = (res: { status: number; body: any }) => {
    if (res.status >= 300) throw new Error(JSON.stringify(res.body));
    return res.body;
  };
  const regionId = ok(
    await http(api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
  ).id;
  const rack = ok(
    await http(api, "POST", "/racks", {
      body: {
        name: "rack-ha",
        regionId,
        subnet: "10.30.0.0/16",
        dhcpRange: { start: "10.30.1.1", end: "10.30.9.9" },
      },
    }),
  );
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
  // Before the hosts: no image.import task for each of them.
  await registerImage(api, "ubuntu-24.04", { os: "ubuntu" });
  for (let h = 0; h < HOSTS; h++) {
    const m = ok(
      await http(api, "POST", "/machines", {
        body: {
          hostname: `kvm-${h}`,
          rackId: rack.id,
          macs: [`52:54:00:78:00:${h.toString(16).padStart(2, "0")}`],
          power: { type: "manual" },
          poolId,
          vmHost: true,
          commission: false,
        },
      }),
    );
    // As a deploy result leaves a VM host (the region's tests do not boot hardware).
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
        vmHostConfig: JSON.stringify({ uri: `lab://kvm-${h}` }),
      })
      .where("id", "=", m.id)
      .execute();
  }
  return { poolId, keys, tenants, rackToken: rack.enrollmentToken };
}

function vmRequest(i: number, poolId: string) {
  return {
    name: `vm-${i}`,
    poolId,
    image: "ubuntu-24.04",
    cores: 1 + (i % 2),
    memoryMiB: 1024 * (1 + (i % 3)),
    diskGiB: 20,
  };
}

/** Hosts whose bookings exceed their effective capacity. */
async function doubleBooked(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom("vms")
    .select((eb) => [
      "hostId",
      eb.fn.sum<number>("cores").as("cores"),
      eb.fn.sum<number>("memoryMib").as("mem"),
      eb.fn.sum<number>("diskGib").as("disk"),
    ])
    .where("hostId", "is not", null)
    .groupBy("hostId")
    .execute();
  return rows
    .filter((r) => Number(r.cores) > 2 * CPU_RATIO || Number(r.mem) > 8192 || Number(r.disk) > 250)
    .map((r) => String(r.hostId));
}

/** Bookings and work nobody will build or clean up, and what the rack built that the region does not know. */
async function leaks(db: Kysely<Database>) {
  const vms = await db.selectFrom("vms").select(["id", "hostId"]).execute();
  const ids = new Set(vms.map((v) => v.id));
  const tasks = await db.selectFrom("tasks").select(["objectId"]).where("kind", "=", "vm.create").execute();
  const taskOf = new Set(tasks.map((t) => t.objectId));
  return {
    builtWithoutRow: [...built.keys()].filter((id) => !ids.has(id)),
    taskWithoutRow: [...taskOf].filter((id) => !ids.has(id)),
    placedWithoutTask: vms.filter((v) => v.hostId !== null && !taskOf.has(v.id)).map((v) => v.id),
    builtTwice: [...built].filter(([, hosts]) => hosts.size > 1).map(([id]) => id),
  };
}

/** A write through `api` that must commit: a tenant, as an operator. */
async function writeOnce(api: string, n: number): Promise<boolean> {
  try {
    const res = await http(api, "POST", "/tenants", { body: { name: `probe-${n}-${Date.now()}` } });
    return res.status === 201;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  lab = await startPatroniLab();
  const env = { FIBRIX_SECRET_KEY: randomBytes(32).toString("base64") };
  for (let i = 0; i < 2; i++) {
    const dir = mkdtempSync(join(tmpdir(), `fibrix-ha-region-${i}-`));
    dirs.push(dir);
    // One after the other: the second finds the migrations done.
    regions.push(await startRegionProcess(dir, lab.url, { env, args: ["--reconcile-every", "0"] }));
  }
  side = await openStore({ dataDir: dirs[0]!, databaseUrl: lab.url });
}, 300_000);

afterAll(async () => {
  const t0 = Date.now();
  const took: string[] = [];
  const step = async (what: string, f: () => Promise<unknown>) => {
    const t = Date.now();
    await f();
    took.push(`${what} ${Date.now() - t} ms`);
  };
  await step("rack agent", async () => agent?.stop());
  await step("regions", async () =>
    Promise.all(
      regions.map(async (r) => {
        // Bounded: a replica that does not finish its shutdown in 20 s is killed, and says why.
        const timer = setTimeout(() => {
          console.log(
            `region did not stop in 20 s; said: ${JSON.stringify(
              r
                .stdout()
                .split("\n")
                .filter((l) => /SIGTERM|stopp/.test(l)),
            )}; last: ${r.stdout().split("\n").slice(-3).join("\n").slice(0, 1500)}`,
          );
          r.kill9();
        }, 20_000);
        await r.stop();
        clearTimeout(timer);
      }),
    ),
  );
  await step("side store", async () => side?.close());
  await step("HA lab", async () => lab?.stop());
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(`teardown ${Date.now() - t0} ms: ${took.join(", ")}`);
}, 180_000);

test("kill -9 of the Patroni primary mid-way through 200 creates, then of one region replica", async () => {
  const [a, b] = regions as [RegionProcess, RegionProcess];
  const urlOf = (r: RegionProcess) => r.api.replace(/\/api\/v1$/, "");
  const fx = await setUp(a.api, side.db);

  agent = new RackAgent({
    region: [urlOf(a), urlOf(b)],
    token: fx.rackToken,
    claimWaitMs: 1_000,
    concurrency: 16,
    log: pino({ level: "silent" }),
    executors: [labVmCreate, labVmDelete],
    client: { retries: 8, backoff: { baseMs: 100, capMs: 1_000 } },
  });
  await agent.start();

  // Half the tenants prefer replica A, half B; each fails over to the other.
  const clients = fx.keys.map(
    (apiKey, t) =>
      new FibrixClient({
        endpoint: t % 2 === 0 ? [urlOf(a), urlOf(b)] : [urlOf(b), urlOf(a)],
        apiKey,
        timeoutMs: 15_000,
        // A failover takes seconds: enough bounded retries to outlast it.
        retries: 30,
        retryBudgetMs: 90_000,
      }),
  );

  const before = await lab.primaryPostmaster();
  const acked: string[] = [];
  const refused: string[] = [];
  const failed: string[] = [];
  let killedAt = 0;
  // From the kill on, one write every 100 ms (alternating replicas, bounded) until one commits.
  let recovery: Promise<number> | undefined;
  const probeWrites = async (): Promise<number> => {
    for (let n = 0; Date.now() - killedAt < 120_000; n++) {
      if (await writeOnce((n % 2 === 0 ? a : b).api, n)) return Date.now();
      await sleep(100);
    }
    return 0;
  };
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CREATES }, async (_, i) => {
      try {
        const vm = await clients[i % TENANTS]!.vms.create(vmRequest(i, fx.poolId));
        acked.push(vm.id);
      } catch (e) {
        if (e instanceof FibrixError && e.code === "NO_CAPACITY") refused.push(String(i));
        else failed.push(`${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!killedAt && acked.length >= KILL_AFTER_ACKS) {
        killedAt = Date.now();
        process.kill(before.pid, "SIGKILL");
        recovery = probeWrites();
      }
    }),
  );
  const createsMs = Date.now() - t0;
  expect(killedAt).toBeGreaterThan(0);

  const recoveredAt = (await recovery) ?? 0;
  if (!recoveredAt) {
    const roles = await Promise.all(lab.state.nodes.map((n) => roleOf(n)));
    throw new Error(
      `no write committed within 120 s of the kill; nodes ${JSON.stringify(roles)}; region A log tail:\n${a
        .stderr()
        .slice(-3000)}`,
    );
  }

  // Both replicas serve again without a restart: ready, and a write through each commits.
  for (const r of [a, b]) {
    await until(
      "replica ready",
      async () => (await fetch(`${urlOf(r)}/readyz`)).status,
      (s) => s === 200,
      60_000,
    );
    expect(await writeOnce(r.api, 0)).toBe(true);
    expect(r.child.exitCode).toBeNull();
  }
  const after = await lab.healthy(120_000);

  // The rack finishes every create it was given.
  await until(
    "all vm.create tasks done",
    async () =>
      Number(
        (
          await side.db
            .selectFrom("tasks")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("kind", "=", "vm.create")
            .where("status", "not in", ["done", "failed"])
            .executeTakeFirstOrThrow()
        ).n,
      ),
    (n) => n === 0,
    120_000,
  );

  const present = new Set((await side.db.selectFrom("vms").select("id").execute()).map((v) => v.id));
  const missing = acked.filter((id) => !present.has(id));
  const over = await doubleBooked(side.db);
  const leaked = await leaks(side.db);
  const running = Number(
    (
      await side.db
        .selectFrom("vms")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "Running")
        .executeTakeFirstOrThrow()
    ).n,
  );
  console.log(
    [
      `HA failover: primary ${before.node.name} (postmaster ${before.pid}) killed -9 after ${KILL_AFTER_ACKS} acknowledged creates; primary afterwards: ${after.name}`,
      `writes succeeded again ${recoveredAt - killedAt} ms after the kill`,
      `${CREATES} creates in ${createsMs} ms: ${acked.length} acknowledged, ${refused.length} refused (pool full), ${failed.length} failed after retries`,
      `acknowledged creates present afterwards: ${acked.length - missing.length}/${acked.length}; VM rows ${present.size}; Running ${running}`,
      `double-booked hosts: ${over.length}; built twice on different hosts: ${leaked.builtTwice.length}`,
      `leaked (no libvirt here): built by the rack without a VM row ${leaked.builtWithoutRow.length}, vm.create tasks without a VM row ${leaked.taskWithoutRow.length}, placed VMs without their task ${leaked.placedWithoutTask.length}`,
      `rack agent: ${JSON.stringify(agent.stats())}`,
    ].join("\n"),
  );
  expect(failed).toEqual([]);
  expect(missing).toEqual([]);
  expect(acked.length + refused.length).toBe(CREATES);
  expect(over).toEqual([]);
  expect(leaked).toEqual({ builtWithoutRow: [], taskWithoutRow: [], placedWithoutTask: [], builtTwice: [] });
  // Every acknowledged create was built by the rack and reached Running.
  expect(acked.filter((id) => !built.has(id))).toEqual([]);
  expect(running).toBe(acked.length);

  // Now kill -9 one region replica: the SDK and the rack carry on through the other.
  a.kill9();
  await a.stop();
  const later: string[] = [];
  const laterFailed: string[] = [];
  // Free capacity for the creates that follow (the rack confirms each delete, through B).
  const owner = new Map<string, string>();
  for (const v of await side.db.selectFrom("vms").select(["id", "tenantId"]).execute())
    owner.set(v.id, v.tenantId);
  const freed = acked.slice(0, AFTER_REPLICA_KILL);
  await Promise.all(
    freed.map(async (id) => {
      await clients[fx.tenants.indexOf(owner.get(id)!)]!.vms.delete(id);
    }),
  );
  await until(
    "deletes confirmed by the rack",
    async () => (await side.db.selectFrom("vms").select("id").where("id", "in", freed).execute()).length,
    (n) => n === 0,
    60_000,
  );
  await Promise.all(
    Array.from({ length: AFTER_REPLICA_KILL }, async (_, i) => {
      // Tenants that prefer the dead replica A: every call has to fail over to B.
      const c = clients[(2 * i) % TENANTS]!;
      try {
        later.push((await c.vms.create({ ...vmRequest(1000 + i, fx.poolId), cores: 1, memoryMiB: 512 })).id);
      } catch (e) {
        laterFailed.push(e instanceof Error ? e.message : String(e));
      }
    }),
  );
  // The rack builds them through replica B.
  await until(
    "creates after the replica kill Running",
    async () =>
      (
        await side.db
          .selectFrom("vms")
          .select("status")
          .where("id", "in", later.length ? later : ["none"])
          .execute()
      ).map((v) => v.status),
    (s) => s.length === later.length && s.every((x) => x === "Running"),
    60_000,
  );
  console.log(
    `region replica A killed -9: ${later.length}/${AFTER_REPLICA_KILL} creates acknowledged through B, all Running; ` +
      `rack now on ${agent.client.regionUrl}; ${laterFailed.length} failed${laterFailed.length ? ` (${laterFailed[0]})` : ""}`,
  );
  expect(later.length).toBeGreaterThan(0);
  expect(agent.client.regionUrl).toBe(urlOf(b));
  expect(await doubleBooked(side.db)).toEqual([]);
}, 600_000);
