/**
 * The region answers authoritative DNS for its zones: a VM whose rack reports its address
 * appears as A and PTR records to a real resolver client (`dig`), and disappears when deleted.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { type RunningRegion, startRegionServer } from "../../../backend/region/serve";
import { ADMIN_KEY, addVmHost, http, registerImage, type TestRegion } from "../../helpers/region";

const run = promisify(execFile);
let running: RunningRegion;
let r: TestRegion;
const dataDir = mkdtempSync(join(tmpdir(), "fibrix-dns-"));

async function dig(...args: string[]): Promise<string> {
  const { stdout } = await run("dig", [
    "@127.0.0.1",
    "-p",
    String(running.dnsPort),
    "+time=2",
    "+tries=1",
    ...args,
  ]);
  return stdout;
}

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((res) => setTimeout(res, 50));
  }
}

beforeAll(async () => {
  running = await startRegionServer({
    listen: "127.0.0.1:0",
    dataDir,
    dnsListen: "127.0.0.1:0",
    adminKey: ADMIN_KEY,
    logger: pino({ level: "silent" }),
    watchdog: { healthEveryMs: 0 },
  });
  r = {
    url: running.url,
    api: `${running.url}/api/v1`,
    region: running.region,
    dataDir,
    stop: async () => undefined,
  };
});
afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("SOA/NS at the apex, a VM's A and PTR once its rack reports the address, gone after delete", async () => {
  const regionId = (
    await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
  ).body.id;
  const rack = (
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
  const key = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).body.key;
  const poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenant.id] } })).body
    .id;
  await registerImage(r.api, "ubuntu-24.04", { os: "ubuntu" });
  await addVmHost(r, { rackId: rack.id, poolId, hostname: "kvm-1", mac: "52:54:00:99:00:01" });

  await eventually(async () => /status: NOERROR/.test(await dig("girona.fibrix.example", "SOA")));
  const soa = await dig("girona.fibrix.example", "SOA");
  expect(soa).toMatch(/flags: qr aa/);
  expect(soa).toMatch(/girona\.fibrix\.example\.\s+\d+\s+IN\s+SOA\s+ns1\.girona\.fibrix\.example\./);
  expect(await dig("+short", "girona.fibrix.example", "NS")).toBe("ns1.girona.fibrix.example.\n");
  expect(await dig("+short", "ns1.girona.fibrix.example", "A")).toBe("127.0.0.1\n");
  expect(await dig("elsewhere.example", "A")).toMatch(/status: REFUSED/);

  const vm = (
    await http(r.api, "POST", "/vms", {
      key,
      body: { name: "web-1", poolId, image: "ubuntu-24.04", cores: 1, memoryMiB: 512, diskGiB: 10 },
    })
  ).body;
  expect(await dig("web-1.girona.fibrix.example", "A")).toMatch(/status: NXDOMAIN/);
  // The rack builds it and reports its address.
  const claim = async () =>
    (await http(r.api, "POST", "/rack-agent/tasks/claim", { key: rack.enrollmentToken, body: {} })).body
      .tasks;
  const create = (await claim()).find((t: any) => t.objectId === vm.id);
  await http(r.api, "POST", `/rack-agent/tasks/${create.id}/result`, {
    key: rack.enrollmentToken,
    body: { ok: true, result: { ip: "10.20.0.42", domain: `fibrix-vm-${vm.id}` } },
  });
  const got = (await http(r.api, "GET", `/vms/${vm.id}`, { key })).body;
  expect(got).toMatchObject({ status: "Running", ip: "10.20.0.42", fqdn: "web-1.girona.fibrix.example" });
  await eventually(async () => (await dig("+short", "web-1.girona.fibrix.example", "A")) === "10.20.0.42\n");
  expect(await dig("+short", "-x", "10.20.0.42")).toBe("web-1.girona.fibrix.example.\n");
  expect(await dig("+tcp", "+short", "WEB-1.Girona.Fibrix.Example", "A")).toBe("10.20.0.42\n");

  const del = await http(r.api, "DELETE", `/vms/${vm.id}`, { key });
  expect([del.status, del.body.status]).toEqual([202, "Deleting"]);
  const gone = (await claim()).find((t: any) => t.objectId === vm.id && t.kind === "vm.delete");
  await http(r.api, "POST", `/rack-agent/tasks/${gone.id}/result`, {
    key: rack.enrollmentToken,
    body: { ok: true, result: {} },
  });
  expect((await http(r.api, "GET", `/vms/${vm.id}`, { key })).status).toBe(404);
  await eventually(async () => /status: NXDOMAIN/.test(await dig("web-1.girona.fibrix.example", "A")));
  // Capacity is back once the rack confirmed the deletion.
  expect((await http(r.api, "GET", `/pools/${poolId}`)).body.used.cores).toBe(0);
});
