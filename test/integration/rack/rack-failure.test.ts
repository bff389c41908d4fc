/**
 * A rack that dies holding work: the region's watchdog queues the task again when its lease
 * expires, and the next agent finishes it. Executors are idempotent, so a re-run after a
 * partial first attempt is safe. Real region, lab BMCs and libvirtd; the dying agent is
 * stopped (or simply never reports) while its task is in progress.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { diskVolumeName } from "../../../backend/libvirt/naming";
import { imageVolumeName, importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import type { Executor } from "../../../backend/rack/executor";
import { defaultDeps, type ExecutorDeps } from "../../../backend/rack/executors/deps";
import { defaultExecutors } from "../../../backend/rack/executors/index";
import { DEFAULT_LEASE_MS } from "../../../backend/region/tasks";
import { Watchdog } from "../../../backend/region/watchdog";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  leftovers,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { enlistIpmi, makeRack, until, waitTask } from "./rack-fixtures";

const PREFIX = `fxrf${process.pid}-`;
let r: TestRegion;
let lab: LabBmcs;
let rack: { id: string; enrollmentToken: string };
let daemon: LibvirtdHandle;
let pool: TestPool;
const work = mkdtempSync(join(tmpdir(), "fibrix-rack-failure-"));
const agents: RackAgent[] = [];

function startAgent(executors?: (deps: ExecutorDeps) => Executor[]): Promise<RackAgent> {
  const deps = defaultDeps(PREFIX);
  const a = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    deps,
    ...(executors ? { executors: executors(deps) } : {}),
  });
  agents.push(a);
  return a.start().then(() => a);
}

/** Replaces one kind's executor by one that does `before`, reports it has started, then hangs until aborted. */
function hanging(
  kind: string,
  started: () => void,
  before: (deps: ExecutorDeps, payload: Record<string, unknown>) => Promise<void> = async () => {},
) {
  return (deps: ExecutorDeps): Executor[] => [
    ...defaultExecutors(deps).filter((e) => e.kind !== kind),
    {
      kind: kind as Executor["kind"],
      async run({ task, signal, progress }) {
        await before(deps, task.payload);
        await progress("started (this rack is about to die)");
        started();
        await new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("rack stopping"))),
        );
        return {};
      },
    },
  ];
}

const taskRow = (id: string) =>
  r.region.ctx.store.db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** The watchdog as it runs a lease later. */
const leaseLater = () =>
  new Watchdog(r.region.ctx, { healthEveryMs: 0, reconcileEveryMs: 0 }).pass(
    Date.now() + DEFAULT_LEASE_MS + 1_000,
  );

beforeAll(async () => {
  r = await startTestRegion();
  lab = await startLabBmcs({
    count: 2,
    basePort: 0,
    user: "root",
    password: "calvin",
    timings: { onDelayMs: 50, offDelayMs: 50 },
  });
  rack = await makeRack(r, "rack-failure");
}, 60_000);

afterAll(async () => {
  for (const a of agents) await a.stop();
  await lab?.close();
  await r?.stop();
  await pool?.remove();
  rmSync(work, { recursive: true, force: true });
});

test("an agent stopped while it holds a power task: re-queued after the lease, finished by the next agent", async () => {
  let started = false;
  const dying = await startAgent(hanging("power", () => (started = true)));
  const id = await enlistIpmi(r, rack.id, "pe860-11", "52:54:00:33:00:01", lab.bmcs[0]!.port);
  const taskId = (await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } })).body.taskId;
  await r.region.ctx.store.db.updateTable("tasks").set({ maxAttempts: 2 }).where("id", "=", taskId).execute();
  await until(
    async () => started,
    (s) => s,
  );
  await dying.stop();
  // Give the region's long poll of the dying agent time to see its closed socket (it re-checks every
  // second): in one process, a watchdog pass right away can beat the FIN and lease the task to it.
  await new Promise((res) => setTimeout(res, 1_200));
  // Nothing was reported: the region still counts it as running, on a lease.
  expect(await taskRow(taskId)).toMatchObject({ status: "running", attempt: 1 });
  await leaseLater();
  expect(await taskRow(taskId)).toMatchObject({ status: "queued", leaseUntil: null });

  await startAgent();
  const t = await waitTask(r, taskId);
  expect(t).toMatchObject({ status: "done", attempt: 2, result: { action: "on", powerState: "on" } });
  expect(lab.bmcs[0]!.bmc.power.state).toBe("on");
  expect((await http(r.api, "GET", `/machines/${id}`)).body.powerState).toBe("on");
});

test("a rack that crashes without a word (claims, never reports): the next agent finishes the task", async () => {
  for (const a of agents) await a.stop();
  const id = await enlistIpmi(r, rack.id, "pe860-12", "52:54:00:33:00:02", lab.bmcs[1]!.port);
  const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "cycle" } });
  await r.region.ctx.store.db
    .updateTable("tasks")
    .set({ maxAttempts: 2 })
    .where("id", "=", q.body.taskId)
    .execute();
  const claimed = await http(r.api, "POST", "/rack-agent/tasks/claim", {
    key: rack.enrollmentToken,
    body: {},
  });
  expect(claimed.body.tasks.map((t: { id: string }) => t.id)).toEqual([q.body.taskId]);
  await leaseLater();
  await startAgent();
  const t = await waitTask(r, q.body.taskId);
  expect(t).toMatchObject({ status: "done", attempt: 2, result: { powerState: "on" } });
  expect(lab.bmcs[1]!.bmc.power.state).toBe("on");
});

test("a VM create cut short (disk made, no domain) is finished by the next agent, with nothing duplicated", async () => {
  for (const a of agents) await a.stop();
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const img = join(work, "tiny.qcow2");
  execFileSync("qemu-img", ["create", "-f", "qcow2", img, "64M"]);
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "tiny",
    os: "other",
    path: img,
  });
  const tenant = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  const key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  const poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body
    .id;
  await registerImage(r.api, "tiny", { path: img });
  await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-f1",
    mac: "52:54:00:33:01:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });

  let started = false;
  // The dying rack gets as far as the VM's disk (compose's first step), then dies.
  await startAgent(
    hanging(
      "vm.create",
      () => (started = true),
      async (deps, p) => {
        const host = deps.vmHost(p.host as { uri: string; storagePool: string });
        await host.createVolume({
          name: diskVolumeName(PREFIX, String(p.vmId), 0),
          capacityBytes: 1024 ** 3,
          format: "qcow2",
          backingVolume: imageVolumeName("tiny", "other", "qcow2"),
          backingFormat: "qcow2",
        });
      },
    ),
  );
  const vm = (
    await http(r.api, "POST", "/vms", {
      key,
      body: { name: "cut-1", poolId, image: "tiny", cores: 1, memoryMiB: 128, diskGiB: 1 },
    })
  ).body;
  await until(
    async () => started,
    (s) => s,
  );
  for (const a of agents) await a.stop();
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(vm.id))).toEqual([
    diskVolumeName(PREFIX, vm.id, 0),
  ]);
  const task = await r.region.ctx.store.db
    .selectFrom("tasks")
    .selectAll()
    .where("objectId", "=", vm.id)
    .where("kind", "=", "vm.create")
    .executeTakeFirstOrThrow();
  expect(task).toMatchObject({ status: "running", attempt: 1 });
  await leaseLater();

  await startAgent();
  const done = await waitTask(r, task.id, 120_000);
  expect(done).toMatchObject({ status: "done", attempt: 2, result: { domain: `${PREFIX}${vm.id}` } });
  expect((await http(r.api, "GET", `/vms/${vm.id}`, { key })).body.status).toBe("Running");
  expect(await virshSys(["domstate", `${PREFIX}${vm.id}`])).toMatch(/running/);
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(vm.id)).sort()).toEqual(
    [`${PREFIX}${vm.id}`, diskVolumeName(PREFIX, vm.id, 0), `${PREFIX}${vm.id}-seed.iso`].sort(),
  );
  // And it goes away cleanly.
  expect((await http(r.api, "DELETE", `/vms/${vm.id}`, { key })).status).toBe(202);
  await until(
    async () => (await http(r.api, "GET", `/vms/${vm.id}`, { key })).status,
    (s) => s === 404,
  );
  expect((await leftovers(PREFIX, pool.name)).filter((n) => n.includes(vm.id))).toEqual([]);
}, 180_000);
