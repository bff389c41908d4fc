/**
 * Issue #4, end to end: concurrent VM creates against a region process; kill -9 the region
 * halfway (while the rack is composing), restart it on the same data dir and port, let the
 * rack finish and the region's watchdog reconcile the host (`--reconcile-every`). Then: every
 * acknowledged VM exists, settled, with its domain; every prefixed domain and volume belongs
 * to a VM the region knows (nothing leaked); a VM the client never heard about exists fully or
 * not at all; deleting them all leaves nothing. REAL libvirtd + QEMU, REAL rack agent, tiny
 * VMs defined powered off, everything on 127.0.0.1 and a storage pool of the test's own.
 *
 * One VM host: the hosts of a region are separate libvirtds, and a host's reconcile owns every
 * prefixed domain of its libvirtd — two "hosts" on one libvirtd would clean each other's VMs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { importImage } from "../../../backend/libvirt/images";
import {
  diskVolumeName,
  parseDomainName,
  parseVmVolumeName,
  seedVolumeName,
} from "../../../backend/libvirt/naming";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { openStore } from "../../../backend/region/store/open";
import type { Store } from "../../../backend/region/store/open";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  leftovers,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { http, type RegionProcess, registerImage, startRegionProcess } from "../../helpers/region";
import { until } from "./rack-fixtures";

const PREFIX = `fxrc${process.pid}-`;
const CREATES = 12;
/** Acknowledged creates after which the region is killed. */
const KILL_AFTER = CREATES / 2;
const SETTLED = ["Running", "Stopped", "Failed"];
const RECONCILE_EVERY_S = "2";
/** Between two creates' starts: more than a create's answer takes, so the kill falls among them. */
const STAGGER_MS = 150;

const work = mkdtempSync(join(tmpdir(), "fibrix-region-crash-"));
const dataDir = join(work, "region");
let daemon: LibvirtdHandle;
let pool: TestPool;
let side: Store;
let region: RegionProcess | undefined;
let agent: RackAgent | undefined;
let port: number;
let key: string;
let poolId: string;
let hostId: string;

const api = () => region!.api;
const ok = (res: { status: number; body: any }, what: string) => {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const regionVms = async (): Promise<{ id: string; name: string; status: string; statusReason?: string }[]> =>
  ok(await http(api(), "GET", "/vms?limit=100", { key }), "list VMs").items;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** The VM id a prefixed domain or volume belongs to. */
function ownerOf(name: string): string | null {
  return parseVmVolumeName(PREFIX, name)?.vmId ?? parseDomainName(PREFIX, name);
}

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const img = join(work, "tiny.qcow2");
  execFileSync("qemu-img", ["create", "-f", "qcow2", img, "64M"]);
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "tiny",
    os: "other",
    path: img,
  });

  // Both regions reconcile every 2 s: reconciles run while VMs are being built, and must never
  // take a VM made since they were queued for an orphan.
  region = await startRegionProcess(dataDir, undefined, { args: ["--reconcile-every", RECONCILE_EVERY_S] });
  port = Number(new URL(region.api).port);
  side = await openStore({ dataDir });
  const reg = ok(
    await http(api(), "POST", "/regions", {
      body: { name: "crash-region", dnsDomain: "crash.fibrix.example" },
    }),
    "region",
  );
  const rack = ok(
    await http(api(), "POST", "/racks", {
      body: {
        name: "crash",
        regionId: reg.id,
        subnet: "10.24.0.0/24",
        dhcpRange: { start: "10.24.0.100", end: "10.24.0.200" },
      },
    }),
    "rack",
  );
  // In the catalogue before the host exists: the volume above is what an import would make.
  await registerImage(api(), "tiny", { path: img });
  const tenant = ok(await http(api(), "POST", "/tenants", { body: { name: "acme" } }), "tenant");
  key = ok(await http(api(), "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } }), "key").key;
  poolId = ok(
    await http(api(), "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } }),
    "pool",
  ).id;
  // The VM host as its deploy result leaves it (Deployed, inventory, libvirt config); room for all.
  hostId = ok(
    await http(api(), "POST", "/machines", {
      body: {
        hostname: "kvm-c1",
        rackId: rack.id,
        macs: ["52:54:00:34:01:01"],
        power: { type: "manual" },
        poolId,
        vmHost: true,
        commission: false,
      },
    }),
    "host",
  ).id;
  await side.db
    .updateTable("machines")
    .set({
      status: "Deployed",
      inventory: JSON.stringify({
        cores: 16,
        memoryMiB: 16384,
        storage: [{ name: "sda", sizeGiB: 250 }],
        nics: [{ name: "eth0", mac: "52:54:00:34:01:01" }],
      }),
      vmHostConfig: JSON.stringify({ uri: daemon.uri, storagePool: pool.name }),
    })
    .where("id", "=", hostId)
    .execute();
  agent = new RackAgent({
    region: new URL(region.api).origin,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    deps: defaultDeps(PREFIX, { vmStopTimeoutMs: 2_000 }),
  });
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await region?.stop();
  await side?.close();
  await pool?.remove();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

test("kill -9 the region halfway through concurrent VM creates: after restart and reconcile, nothing lost, nothing leaked", async () => {
  // Staggered a little, so that the kill falls among the requests, not after all of them.
  const first = region!;
  const acked: string[] = [];
  let ackedAtKill = -1;
  const errors: string[] = [];
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CREATES }, async (_, i) => {
      await sleep(i * STAGGER_MS);
      const sent = Date.now();
      try {
        const res = await http(first.api, "POST", "/vms", {
          key,
          body: {
            name: `crash-${i}`,
            poolId,
            image: "tiny",
            cores: 1,
            memoryMiB: 128,
            diskGiB: 1,
            powerState: "off",
          },
        });
        if (res.status === 201) {
          acked.push(res.body.id);
          latencies.push(Date.now() - sent);
        } else errors.push(`${res.status} ${JSON.stringify(res.body)}`);
      } catch {
        /* cut off by the kill */
      }
      if (ackedAtKill < 0 && acked.length >= KILL_AFTER) {
        ackedAtKill = acked.length;
        first.kill9();
      }
    }),
  );
  await first.stop();
  const killedAt = Date.now();
  expect(ackedAtKill).toBe(KILL_AFTER);
  expect(acked.length).toBeLessThan(CREATES); // the kill did cut creates off
  expect(errors).toEqual([]);
  // The rack's work the region held when it died.
  const unfinished = await side.db
    .selectFrom("tasks")
    .select(["status"])
    .where("kind", "=", "vm.create")
    .where("status", "in", ["queued", "running"])
    .execute();

  // Same data dir, same port: the rack agent (retrying all along) finds its region again.
  region = await startRegionProcess(dataDir, undefined, {
    listen: `127.0.0.1:${port}`,
    args: ["--reconcile-every", RECONCILE_EVERY_S],
  });
  const restartMs = Date.now() - killedAt;

  // Settle: every VM the region has finishes its create (a report lost with the region comes
  // back when its lease runs out and the task runs again).
  const vms = await until(regionVms, (list) => list.every((v) => SETTLED.includes(v.status)), 180_000);
  const settledAt = new Date();
  const settleMs = settledAt.getTime() - killedAt;
  const ids = new Set(vms.map((v) => v.id));
  expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  expect(vms.filter((v) => v.status !== "Stopped")).toEqual([]);
  const before = await leftovers(PREFIX, pool.name);
  const strayBefore = before.filter((n) => !ids.has(ownerOf(n) ?? ""));

  // A reconcile queued by the restarted region's watchdog after everything settled.
  const reconcile = await until(
    () =>
      side.db
        .selectFrom("tasks")
        .selectAll()
        .where("kind", "=", "host.reconcile")
        .where("objectId", "=", hostId)
        .where("createdAt", ">", settledAt.toISOString())
        .where("status", "in", ["done", "failed"])
        .executeTakeFirst(),
    (t) => t !== undefined,
    60_000,
  );
  expect(reconcile!.status).toBe("done");
  const rec = JSON.parse(reconcile!.result!);
  expect(rec.unreachable).toBe(false);
  expect(rec.failures).toEqual([]);
  expect(rec.diff.missingDomains).toEqual([]);
  // What all the restarted region's reconciles cleaned (some ran while the creates settled).
  const cleaned = { domains: 0, volumes: 0 };
  for (const t of await side.db
    .selectFrom("tasks")
    .select("result")
    .where("kind", "=", "host.reconcile")
    .where("status", "=", "done")
    .execute()) {
    const r = JSON.parse(t.result ?? "{}");
    cleaned.domains += r.cleaned?.domains?.length ?? 0;
    cleaned.volumes += r.cleaned?.volumes?.length ?? 0;
  }

  // Every VM the region has (acknowledged or not) exists fully: domain, disk and seed.
  const after = await leftovers(PREFIX, pool.name);
  for (const v of vms) {
    expect(after).toEqual(
      expect.arrayContaining([
        `${PREFIX}${v.id}`,
        diskVolumeName(PREFIX, v.id),
        seedVolumeName(PREFIX, v.id),
      ]),
    );
    expect(await virshSys(["domstate", `${PREFIX}${v.id}`])).toMatch(/shut off/);
  }
  // And nothing else carries the prefix: no leaked domain or volume.
  expect(after.filter((n) => !ids.has(ownerOf(n) ?? ""))).toEqual([]);
  expect(after.length).toBe(3 * vms.length);

  // All go away through the API, leaving nothing.
  const t0 = Date.now();
  for (const v of vms) expect((await http(api(), "DELETE", `/vms/${v.id}`, { key })).status).toBe(202);
  await until(regionVms, (list) => list.length === 0, 120_000);
  const deleteMs = Date.now() - t0;
  const reruns = await side.db
    .selectFrom("tasks")
    .select("id")
    .where("kind", "=", "vm.create")
    .where("attempt", ">", 1)
    .execute();
  expect(await leftovers(PREFIX, pool.name)).toEqual([]);

  console.log(
    `region kill -9 mid-create: ${ackedAtKill} acked at the kill, ${acked.length} acked in all, ` +
      `(answered in ${Math.min(...latencies)}-${Math.max(...latencies)} ms), ` +
      `${vms.length - acked.length} unacknowledged but committed, ${vms.length}/${CREATES} VMs after restart; ` +
      `${unfinished.length} vm.create task(s) unfinished at the kill (${unfinished.filter((t) => t.status === "running").length} running), ${reruns.length} re-run; ` +
      `restart ${restartMs} ms, settled ${settleMs} ms after the kill; ` +
      `${strayBefore.length} stray object(s) at settle time; reconciles cleaned ` +
      `${cleaned.domains} domain(s) and ${cleaned.volumes} volume(s); delete all ${deleteMs} ms`,
  );
}, 420_000);
