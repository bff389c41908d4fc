/**
 * `fibrix quotas set/show/list/delete` and `fibrix usage` in-process against a real region on
 * loopback (SDK → HTTP → region), with a controlled metering clock and the rack protocol
 * played by test/helpers/protocol-rack.ts.
 */
import type { Clock } from "../../../backend/region/clock";
import { FibrixClient } from "../../../sdk";
import { runCli } from "../../helpers/cli-run";
import { ProtocolRack } from "../../helpers/protocol-rack";
import { ADMIN_KEY, addVmHost, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";

const T0 = Date.parse("2026-12-01T10:00:00Z");
let now = T0;
const clock: Clock = { now: () => now };
let r: TestRegion;
let admin: FibrixClient;

beforeAll(async () => {
  r = await startTestRegion({ clock });
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
});
afterAll(async () => r.stop());

test("quotas set creates then updates, none lifts a limit, show and list; a tenant sees its own; usage as a table, JSON and CSV", async () => {
  const fibrix = (args: string[], env?: NodeJS.ProcessEnv) => runCli(r.url, args, env);
  const tenant = await admin.tenants.create({ name: "acme" });
  const { key } = await admin.apiKeys.create({ name: "ci", tenantId: tenant.id });

  const set = await fibrix(["quotas", "set", "--tenant", tenant.id, "--vms", "2", "--cores", "4"]);
  expect(set).toMatchObject({ code: 0, stderr: "" });
  expect(set.stdout).toMatch(/^ID\s+TENANT\s+POOL\s+VMS USED\/MAX\s+CORES USED\/MAX/);
  expect(set.stdout).toMatch(
    new RegExp(`quo_[0-9a-f]{16}\\s+${tenant.id}\\s+\\(all\\)\\s+0/2\\s+0/4\\s+0/∞`),
  );
  const again = await fibrix([
    "--json",
    "quotas",
    "set",
    "--tenant",
    tenant.id,
    "--cores",
    "none",
    "--memory-mib",
    "4096",
  ]);
  if (again.code !== 0) throw new Error(again.stderr);
  const q = JSON.parse(again.stdout)[0];
  expect(q).toMatchObject({
    tenantId: tenant.id,
    poolId: null,
    vms: 2,
    cores: null,
    memoryMiB: 4096,
    version: 2,
  });
  expect((await admin.quotas.listAll()).length).toBe(1); // updated, not a second one

  const show = await fibrix(["--json", "quotas", "show", "--tenant", tenant.id]);
  expect(JSON.parse(show.stdout)).toMatchObject({ id: q.id, used: { vms: 0, cores: 0 } });
  const mine = await fibrix(["--json", "quotas", "show"], { FIBRIX_API_KEY: key });
  expect(JSON.parse(mine.stdout).map((x: { id: string }) => x.id)).toEqual([q.id]);
  const denied = await fibrix(["quotas", "set", "--tenant", tenant.id, "--vms", "9"], {
    FIBRIX_API_KEY: key,
  });
  expect(denied.code).toBe(1);
  expect(denied.stderr).toMatch(/needs an operator \(admin\) API key/);
  const bad = await fibrix(["quotas", "set", "--tenant", tenant.id, "--vms", "-1"]);
  expect([bad.code, bad.stderr]).toEqual([
    2,
    expect.stringMatching(/--vms must be a whole number ≥ 0 or none, got -1/),
  ]);

  // One VM, confirmed running at T0 + 10 s, read at T0 + 70 s: 60 s of 2 cores.
  const region = await admin.regions.create({ name: "girona", dnsDomain: "girona.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-1",
    regionId: region.id,
    subnet: "10.20.0.0/24",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  const pool = await admin.pools.create({ name: "shared", tenants: [tenant.id] });
  await registerImage(r.api, "ubuntu-24.04");
  await addVmHost(r, { rackId: rack.id, poolId: pool.id, hostname: "kvm-1", mac: "52:54:00:00:30:01" });
  const client = new FibrixClient({ endpoint: r.url, apiKey: key });
  const vm = await client.vms.create({
    name: "web",
    poolId: pool.id,
    image: "ubuntu-24.04",
    cores: 2,
    memoryMiB: 1024,
    diskGiB: 10,
  });
  now = T0 + 10_000;
  await new ProtocolRack(r.api, rack.enrollmentToken).confirm(vm.id, "vm.create");
  now = T0 + 70_000;

  const period = ["--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z"];
  const table = await fibrix(["usage", ...period, "--granularity", "hour"], { FIBRIX_API_KEY: key });
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^TENANT\s+VM\s+FROM\s+TO\s+CORE-S\s+MIB-S\s+GIB-S\s+ADDRESS-S\n/);
  expect(table.stdout).toMatch(
    /web\s+2026-12-01T10:00:00.000Z\s+2026-12-01T11:00:00.000Z\s+120\s+61440\s+600\s+0\n/,
  );
  expect(table.stdout).toMatch(/total {2}core-s 120 {2}MiB-s 61440 {2}GiB-s 600 {2}address-s 0\n$/);
  const csv = await fibrix(["usage", ...period, "--csv"]);
  expect(csv.stdout).toBe(
    "tenant_id,vm_id,vm_name,pool_id,bucket_start,bucket_end,core_seconds,memory_mib_seconds,disk_gib_seconds,public_ip_seconds\r\n" +
      `${tenant.id},${vm.id},web,${pool.id},2026-12-01T00:00:00.000Z,2026-12-02T00:00:00.000Z,120,61440,600,0\r\n`,
  );
  const json = JSON.parse((await fibrix(["--json", "usage", ...period, "--tenant", tenant.id])).stdout);
  expect(json.totals).toEqual({
    coreSeconds: 120,
    memoryMiBSeconds: 61440,
    diskGiBSeconds: 600,
    publicIpSeconds: 0,
  });
  const wrong = await fibrix(["usage", "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z"]);
  expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/query:from.*must be before to/)]);

  const del = await fibrix(["quotas", "delete", q.id]);
  expect(del.stdout).toBe(`deleted ${q.id}\n`);
  expect(await admin.quotas.listAll()).toEqual([]);
});
