/**
 * Issue #11 at the region, on SQLite and PostgreSQL: tenant networks, security groups and public
 * address pools over HTTP; IPAM addresses in the VM view and in the rack payloads (checked
 * against the contract's TypeBox schemas, sdk/schema/tenant-network-payload.ts); peers of hosts
 * that carry a network; re-applied rules when a group changes; addresses held until the rack
 * confirms a VM is gone; A and PTR records for the IPAM address answered to `dig`.
 *
 * The test plays the rack agent through the real rack protocol (claim, result), as
 * test/integration/region/dns.test.ts does.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Type } from "@sinclair/typebox";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import pino from "pino";
import { type RunningRegion, startRegionServer } from "../../../backend/region/serve";
import { Watchdog } from "../../../backend/region/watchdog";
import { HostNetwork, TenantNic, VmNics } from "../../../sdk/schema/tenant-network-payload";
import { ADMIN_KEY, addVmHost, http, registerImage, type TestRegion } from "../../helpers/region";
import { STORES } from "../../helpers/stores";

const run = promisify(execFile);
// ajv, as the region validates (the contract's enums are JSON Schema `enum`, unknown to Value.Check).
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const nicsValid = ajv.compile(Type.Array(TenantNic));
const networksValid = ajv.compile(Type.Array(HostNetwork));
const vmNicsValid = ajv.compile(Type.Array(VmNics));
/** The contract's complaints about a payload part ([] when it conforms). */
const Nics = (v: unknown) => (nicsValid(v) ? [] : nicsValid.errors);
const Networks = (v: unknown) => (networksValid(v) ? [] : networksValid.errors);
const VmNicsOf = (v: unknown) => (vmNicsValid(v) ? [] : vmNicsValid.errors);

/** The fields a 4xx names. */
const fields = (res: { body: any }) => (res.body.errors ?? []).map((e: any) => e.field);

describe.each(STORES)("tenant networks on %s", (storeName, makeStore) => {
  const store = makeStore();
  const dataDir = mkdtempSync(join(tmpdir(), "fibrix-tnet-"));
  let running: RunningRegion;
  let r: TestRegion;
  let token: string;
  let poolId: string;
  let regionId: string;
  const hosts: string[] = [];
  const keys: { a: string; b: string } = { a: "", b: "" };
  const tenants: { a: string; b: string } = { a: "", b: "" };

  const ok = (res: { status: number; body: any }, status = 201) => {
    if (res.status !== status) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const claim = async (): Promise<any[]> =>
    ok(await http(r.api, "POST", "/rack-agent/tasks/claim", { key: token, body: { max: 100 } }), 200).tasks;
  const report = async (id: string, result: Record<string, unknown> = {}) =>
    ok(
      await http(r.api, "POST", `/rack-agent/tasks/${id}/result`, { key: token, body: { ok: true, result } }),
      204,
    );
  const dig = async (...args: string[]) =>
    (await run("dig", ["@127.0.0.1", "-p", String(running.dnsPort), "+time=2", "+tries=1", ...args])).stdout;
  const vmBody = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    poolId,
    image: "ubuntu-24.04",
    cores: 1,
    memoryMiB: 512,
    diskGiB: 10,
    ...extra,
  });

  beforeAll(async () => {
    running = await startRegionServer({
      listen: "127.0.0.1:0",
      dataDir,
      databaseUrl: await store.databaseUrl(),
      dnsListen: "127.0.0.1:0",
      adminKey: ADMIN_KEY,
      logger: pino({ level: "silent" }),
      watchdog: { healthEveryMs: 0, reconcileEveryMs: 0 },
    });
    r = {
      url: running.url,
      api: `${running.url}/api/v1`,
      region: running.region,
      dataDir,
      stop: async () => {},
    };
    regionId = ok(
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
    ).id;
    const rack = ok(
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-1",
          regionId,
          subnet: "10.20.0.0/24",
          dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
        },
      }),
    );
    token = rack.enrollmentToken;
    for (const t of ["a", "b"] as const) {
      tenants[t] = ok(await http(r.api, "POST", "/tenants", { body: { name: `tenant-${t}` } })).id;
      keys[t] = ok(await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenants[t] } })).key;
    }
    poolId = ok(
      await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenants.a, tenants.b] } }),
    ).id;
    await registerImage(r.api, "ubuntu-24.04", { os: "ubuntu" });
    // Three small hosts (four 1-vCPU VMs each), each with a fabric underlay address.
    for (let h = 0; h < 3; h++) {
      const id = await addVmHost(r, {
        rackId: rack.id,
        poolId,
        hostname: `kvm-${h}`,
        mac: `52:54:00:99:00:0${h}`,
        cores: 1,
        memoryMiB: 4096,
        fabric: { underlayDevice: "fab0", underlayAddress: `10.99.0.${h + 1}`, uplinkDevice: "up0" },
      });
      hosts.push(id);
    }
  }, 120_000);
  afterAll(async () => {
    await running?.close();
    await store.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the OpenAPI document has the three resources and a VM's networks and publicIp", async () => {
    const doc = (await http(r.api, "GET", "/openapi.json", { key: "" })).body;
    for (const p of ["/api/v1/networks", "/api/v1/security-groups", "/api/v1/public-ip-pools"]) {
      expect(Object.keys(doc.paths[p] ?? {}).sort()).toEqual(["get", "post"]);
      expect(Object.keys(doc.paths[`${p}/{id}`] ?? {}).sort()).toEqual(["delete", "get", "patch"]);
    }
    const vmBodySchema = doc.paths["/api/v1/vms"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(vmBodySchema.properties)).toEqual(expect.arrayContaining(["networks", "publicIp"]));
  });

  test("networks: create, a subnet the region picks, 4xx naming the field, tenant isolation", async () => {
    const a1 = ok(
      await http(r.api, "POST", "/networks", {
        key: keys.a,
        body: { name: "backend", cidr: "10.10.0.0/24", dns: ["9.9.9.9"] },
      }),
    );
    expect(a1).toMatchObject({
      tenantId: tenants.a,
      shared: false,
      cidr: "10.10.0.0/24",
      prefixLength: 24,
      gateway: "10.10.0.1",
      dns: ["9.9.9.9"],
      segment: { kind: "vxlan", vni: a1.vni },
      used: 0,
      capacity: 253,
    });
    const picked = ok(
      await http(r.api, "POST", "/networks", { key: keys.a, body: { name: "auto", prefixLength: 26 } }),
    );
    expect(picked).toMatchObject({ cidr: "10.128.0.0/26", gateway: "10.128.0.1", capacity: 61 });
    // Another tenant may use the same private subnet: its network is another segment.
    const b1 = ok(
      await http(r.api, "POST", "/networks", {
        key: keys.b,
        body: { name: "backend", cidr: "10.10.0.0/24" },
      }),
    );
    expect(new Set([a1.vni, picked.vni, b1.vni]).size).toBe(3);

    const bad = async (body: Record<string, unknown>, key = keys.a) =>
      http(r.api, "POST", "/networks", { key, body });
    let res = await bad({ name: "x1", cidr: "10.11.0.5/24" });
    expect([res.status, fields(res)]).toEqual([400, ["/cidr"]]);
    expect(res.body.errors[0].reason).toMatch(/host bits/);
    res = await bad({ name: "x2", cidr: "10.11.0.0/24", gateway: "10.12.0.1" });
    expect([res.status, fields(res)]).toEqual([400, ["/gateway"]]);
    res = await bad({ name: "x3", cidr: "10.10.0.128/25" });
    expect([res.status, fields(res)]).toEqual([400, ["/cidr"]]);
    expect(res.body.errors[0].reason).toMatch(/overlaps network backend/);
    res = await bad({ name: "x4", cidr: "300.0.0.0/24" });
    expect([res.status, fields(res)]).toEqual([400, ["/cidr"]]);
    res = await bad({ name: "x5" });
    expect([res.status, fields(res)]).toEqual([400, ["/cidr"]]);
    res = await bad({ name: "x6", cidr: "10.13.0.0/24", shared: true });
    expect([res.status, fields(res)]).toEqual([400, ["/shared"]]);
    res = await bad({ name: "backend", cidr: "10.14.0.0/24" });
    expect(res.status).toBe(409);

    // B sees neither A's network nor can it change it.
    expect((await http(r.api, "GET", `/networks/${a1.id}`, { key: keys.b })).status).toBe(404);
    expect((await http(r.api, "DELETE", `/networks/${a1.id}`, { key: keys.b })).status).toBe(404);
    const listB = ok(await http(r.api, "GET", "/networks", { key: keys.b }), 200).items.map((n: any) => n.id);
    expect(listB).toEqual([b1.id]);
    // An operator's shared network is visible to both, changeable by neither.
    const shared = ok(
      await http(r.api, "POST", "/networks", {
        body: { name: "services", cidr: "172.31.0.0/24", shared: true },
      }),
    );
    expect(shared.tenantId).toBeNull();
    expect(ok(await http(r.api, "GET", `/networks/${shared.id}`, { key: keys.b }), 200).shared).toBe(true);
    expect(
      (await http(r.api, "PATCH", `/networks/${shared.id}`, { key: keys.b, body: { description: "x" } }))
        .status,
    ).toBe(409);
    const patched = ok(
      await http(r.api, "PATCH", `/networks/${a1.id}`, { key: keys.a, body: { dns: ["1.1.1.1"] } }),
      200,
    );
    expect(patched.dns).toEqual(["1.1.1.1"]);
    // Operators name the tenant they act for.
    res = await http(r.api, "POST", "/networks", { body: { name: "ops", cidr: "10.15.0.0/24" } });
    expect([res.status, fields(res)]).toEqual([400, ["query:tenant"]]);
  });

  test("security groups: rules checked field by field, sources within the tenant", async () => {
    const web = ok(
      await http(r.api, "POST", "/security-groups", {
        key: keys.a,
        body: { name: "web", rules: [{ protocol: "tcp", fromPort: 80, toPort: 80, source: "0.0.0.0/0" }] },
      }),
    );
    expect(web.rules).toHaveLength(1);
    const bad = async (rules: unknown[], key = keys.a) =>
      http(r.api, "POST", "/security-groups", { key, body: { name: "bad", rules } });
    let res = await bad([{ protocol: "tcp", fromPort: 443, toPort: 80, source: "0.0.0.0/0" }]);
    expect([res.status, fields(res)]).toEqual([400, ["/rules/0/toPort"]]);
    res = await bad([{ protocol: "icmp", fromPort: 1, toPort: 1, source: "0.0.0.0/0" }]);
    expect([res.status, fields(res)]).toEqual([400, ["/rules/0/fromPort"]]);
    res = await bad([{ protocol: "tcp", source: "sg_00000000000000ff" }]);
    expect([res.status, fields(res)]).toEqual([400, ["/rules/0/source"]]);
    // B cannot name A's group as a source: to B it does not exist.
    res = await bad([{ protocol: "tcp", source: web.id }], keys.b);
    expect([res.status, fields(res)]).toEqual([400, ["/rules/0/source"]]);
    expect((await http(r.api, "GET", `/security-groups/${web.id}`, { key: keys.b })).status).toBe(404);
    expect(ok(await http(r.api, "GET", "/security-groups", { key: keys.b }), 200).items).toEqual([]);
  });

  test("VMs on tenant networks: IPAM addresses, contract payloads, peers, rules re-applied on change", async () => {
    const nets = ok(await http(r.api, "GET", "/networks", { key: keys.a }), 200).items;
    const backend = nets.find((n: any) => n.name === "backend");
    const shared = nets.find((n: any) => n.name === "services");
    const web = ok(await http(r.api, "GET", "/security-groups", { key: keys.a }), 200).items[0];
    const db = ok(
      await http(r.api, "POST", "/security-groups", {
        key: keys.a,
        body: { name: "db", rules: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, source: web.id }] },
      }),
    );
    const netB = ok(await http(r.api, "GET", "/networks", { key: keys.b }), 200).items.find(
      (n: any) => n.tenantId === tenants.b,
    );

    // Another tenant's network or group is refused naming the field; nothing is created.
    let res = await http(r.api, "POST", "/vms", {
      key: keys.a,
      body: vmBody("x", { networks: [{ networkId: netB.id }] }),
    });
    expect([res.status, fields(res)]).toEqual([400, ["/networks/0/networkId"]]);
    res = await http(r.api, "POST", "/vms", {
      key: keys.b,
      body: vmBody("x", { networks: [{ networkId: netB.id, securityGroupIds: [web.id] }] }),
    });
    expect([res.status, fields(res)]).toEqual([400, ["/networks/0/securityGroupIds/0"]]);
    res = await http(r.api, "POST", "/vms", { key: keys.a, body: vmBody("x", { publicIp: true }) });
    expect([res.status, fields(res)]).toEqual([400, ["/publicIp"]]);

    // app-1: backend (web group) + shared; db-1: backend (db group); plain-1: no groups.
    const app1 = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.a,
        body: vmBody("app-1", {
          spread: "host",
          antiAffinityGroup: "t",
          networks: [{ networkId: backend.id, securityGroupIds: [web.id] }, { networkId: shared.id }],
        }),
      }),
    );
    expect(app1.ip).toBe("10.10.0.2");
    expect(app1.nics.map((n: any) => [n.networkId, n.ipv4, n.securityGroupIds])).toEqual([
      [backend.id, "10.10.0.2", [web.id]],
      [shared.id, "172.31.0.2", []],
    ]);
    expect(new Set(app1.nics.map((n: any) => n.mac)).size).toBe(2);
    const db1 = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.a,
        body: vmBody("db-1", {
          spread: "host",
          antiAffinityGroup: "t",
          networks: [{ networkId: backend.id, securityGroupIds: [db.id] }],
        }),
      }),
    );
    expect(db1.ip).toBe("10.10.0.3");
    expect(db1.hostId).not.toBe(app1.hostId);
    // B's VM on its own 10.10.0.0/24 gets the same address: another segment, another IPAM.
    const b1 = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.b,
        body: vmBody("b-1", { networks: [{ networkId: netB.id }] }),
      }),
    );
    expect(b1.ip).toBe("10.10.0.2");

    const tasks = await claim();
    const createOf = (vmId: string) => tasks.find((t) => t.kind === "vm.create" && t.objectId === vmId);
    for (const vm of [app1, db1, b1]) {
      const p = createOf(vm.id).payload;
      expect(Nics(p.nics)).toEqual([]);
      expect(Networks(p.networks)).toEqual([]);
    }
    const appNics = createOf(app1.id).payload.nics;
    expect(appNics[0]).toMatchObject({
      networkId: backend.id,
      segment: { kind: "vxlan", vni: backend.vni },
      ipv4: "10.10.0.2",
      prefixLength: 24,
      gateway: "10.10.0.1",
      dns: ["1.1.1.1"],
      ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, sources: ["0.0.0.0/0"] }],
    });
    // No group: only its own network comes in.
    expect(appNics[1].ingress).toEqual([{ protocol: "any", sources: ["172.31.0.0/24"] }]);
    // db's rule names the web group: resolved to app-1's address on that network.
    // (The claim refreshes payloads, so db-1's create already sees app-1 as a member.)
    expect(createOf(db1.id).payload.nics[0].ingress).toEqual([
      { protocol: "tcp", fromPort: 5432, toPort: 5432, sources: ["10.10.0.2/32"] },
    ]);
    // db-1's host carries backend with app-1's host as its peer, and the other way round.
    const underlay = async (hostId: string) =>
      JSON.parse(
        (
          await r.region.ctx.store.db
            .selectFrom("machines")
            .select("vmHostConfig")
            .where("id", "=", hostId)
            .executeTakeFirstOrThrow()
        ).vmHostConfig!,
      ).fabric.underlayAddress;
    const dbNets = createOf(db1.id).payload.networks;
    expect(dbNets).toEqual([
      {
        networkId: backend.id,
        segment: { kind: "vxlan", vni: backend.vni },
        peers: [await underlay(app1.hostId)],
        mtu: 1450,
        cidr: backend.cidr,
        gateway: backend.gateway,
      },
    ]);
    const peerUpdate = tasks.find((t) => t.kind === "host.networks" && t.objectId === app1.hostId);
    expect(Networks(peerUpdate.payload.networks)).toEqual([]);
    expect(peerUpdate.payload.networks.find((n: any) => n.networkId === backend.id).peers).toEqual([
      await underlay(db1.hostId),
    ]);
    // B's VM has one NIC, on its own segment (its host carries whatever its VMs need).
    expect(createOf(b1.id).payload.nics.map((n: any) => [n.networkId, n.segment.vni])).toEqual([
      [netB.id, netB.vni],
    ]);
    expect(createOf(b1.id).payload.networks.map((n: any) => n.networkId)).toContain(netB.id);
    for (const t of tasks)
      await report(t.id, t.kind === "vm.create" ? { ip: "192.0.2.99", domain: "d" } : {});
    // The rack's report does not override IPAM on tenant networks.
    expect(ok(await http(r.api, "GET", `/vms/${app1.id}`, { key: keys.a }), 200)).toMatchObject({
      status: "Running",
      ip: "10.10.0.2",
    });

    // A rule change re-applies the members' NIC rules on their hosts.
    ok(
      await http(r.api, "PATCH", `/security-groups/${web.id}`, {
        key: keys.a,
        body: { rules: [{ protocol: "tcp", fromPort: 443, toPort: 443, source: "0.0.0.0/0" }] },
      }),
      200,
    );
    const again = await claim();
    const upd = again.filter((t) => t.kind === "vm.network");
    expect(upd.map((t) => t.objectId)).toEqual([app1.id]);
    expect(Nics(upd[0].payload.nics)).toEqual([]);
    expect(upd[0].payload.nics[0].ingress).toEqual([
      { protocol: "tcp", fromPort: 443, toPort: 443, sources: ["0.0.0.0/0"] },
    ]);
    for (const t of again) await report(t.id);

    // A new member of web changes db's sources: db-1 gets its rules again.
    const app2 = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.a,
        body: vmBody("app-2", { networks: [{ networkId: backend.id, securityGroupIds: [web.id] }] }),
      }),
    );
    const third = await claim();
    const dbUpd = third.find((t) => t.kind === "vm.network" && t.objectId === db1.id);
    expect(dbUpd.payload.nics[0].ingress[0].sources).toEqual(["10.10.0.2/32", `${app2.ip}/32`]);
    for (const t of third) await report(t.id, t.kind === "vm.create" ? { domain: "d" } : {});

    // DNS follows IPAM: A for the name, PTR for the tenant address.
    const deadline = Date.now() + 5000;
    while (
      (await dig("+short", "app-1.girona.fibrix.example", "A")) !== "10.10.0.2\n" &&
      Date.now() < deadline
    )
      await new Promise((s) => setTimeout(s, 50));
    expect(await dig("+short", "app-1.girona.fibrix.example", "A")).toBe("10.10.0.2\n");
    expect(await dig("+short", "-x", "10.10.0.3")).toBe("db-1.girona.fibrix.example.\n");
    console.log(
      `${storeName}: app-1 ${app1.ip}, db-1 ${db1.ip}, app-2 ${app2.ip}, b-1 ${b1.ip}; A and PTR answered`,
    );
  });

  test("host.reconcile carries every tenant network each host must keep (the rest may go)", async () => {
    ok(
      await http(r.api, "POST", "/rack-agent/heartbeat", {
        key: token,
        body: { version: "t", hostname: "rack-1" },
      }),
      200,
    );
    // As the region's watchdog queues them (reconciles are off in this region so the test says when).
    await new Watchdog(r.region.ctx, { healthEveryMs: 0 }).queueReconciles();
    const reconciles = (await claim()).filter((t) => t.kind === "host.reconcile");
    let restorable = 0;
    expect(reconciles.map((t) => t.objectId).sort()).toEqual([...hosts].sort());
    const vms = ok(await http(r.api, "GET", "/vms"), 200).items;
    for (const t of reconciles) {
      expect(Networks(t.payload.networks)).toEqual([]);
      const want = new Set(
        vms
          .filter((v: any) => v.hostId === t.objectId)
          .flatMap((v: any) => v.nics.map((n: any) => n.networkId)),
      );
      expect(new Set(t.payload.networks.map((n: any) => n.networkId))).toEqual(want);
      // The NICs of its settled VMs, whose rules the rack writes again (not those being made or deleted).
      expect(VmNicsOf(t.payload.vmNics)).toEqual([]);
      const settled = vms.filter(
        (v: any) =>
          v.hostId === t.objectId && v.nics.length > 0 && ["Running", "Stopped", "Failed"].includes(v.status),
      );
      expect(t.payload.vmNics.map((v: any) => v.vmId).sort()).toEqual(settled.map((v: any) => v.id).sort());
      for (const v of t.payload.vmNics) {
        const view = settled.find((x: any) => x.id === v.vmId);
        expect(v.nics.map((n: any) => [n.mac, n.ipv4])).toEqual(view.nics.map((n: any) => [n.mac, n.ipv4]));
      }
      restorable += t.payload.vmNics.length;
      await report(t.id, { diff: {} });
    }
    expect(restorable).toBeGreaterThan(0);
  });

  test("public addresses: 1:1 on the primary NIC, exhausted pool is 409, held until the VM is gone", async () => {
    let res = await http(r.api, "POST", "/public-ip-pools", {
      body: { name: "isp", regionId, cidr: "203.0.113.0/30", exclude: ["203.0.113.9"] },
    });
    expect([res.status, fields(res)]).toEqual([400, ["/exclude/0"]]);
    res = await http(r.api, "POST", "/public-ip-pools", {
      key: keys.a,
      body: { name: "isp", regionId, cidr: "203.0.113.0/30" },
    });
    expect(res.status).toBe(403);
    const pool = ok(
      await http(r.api, "POST", "/public-ip-pools", {
        body: { name: "isp", regionId, cidr: "203.0.113.0/30" },
      }),
    );
    expect(pool.capacity).toBe(2);
    const netB = ok(await http(r.api, "GET", "/networks", { key: keys.b }), 200).items.find(
      (n: any) => n.tenantId === tenants.b,
    );
    const vms: any[] = [];
    for (const i of [1, 2]) {
      vms.push(
        ok(
          await http(r.api, "POST", "/vms", {
            key: keys.b,
            body: vmBody(`pub-${i}`, { networks: [{ networkId: netB.id }], publicIp: true }),
          }),
        ),
      );
    }
    expect(vms.map((v) => v.publicIpv4)).toEqual(["203.0.113.1", "203.0.113.2"]);
    expect(vms[0].nics[0].publicIpv4).toBe("203.0.113.1");
    res = await http(r.api, "POST", "/vms", {
      key: keys.b,
      body: vmBody("pub-3", { networks: [{ networkId: netB.id }], publicIp: true }),
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(
      /publicIp: every public address of region .* is attached \(isp 203\.0\.113\.0\/30\)/,
    );
    const tasks = await claim();
    const create = tasks.find((t) => t.kind === "vm.create" && t.objectId === vms[0].id);
    expect(create.payload.nics[0].publicIpv4).toBe("203.0.113.1");
    for (const t of tasks) await report(t.id, t.kind === "vm.create" ? { domain: "d" } : {});
    expect((await http(r.api, "DELETE", `/public-ip-pools/${pool.id}`)).status).toBe(409);

    // Deleting: the address stays attached until the rack confirms, then it is free again.
    expect((await http(r.api, "DELETE", `/vms/${vms[0].id}`, { key: keys.b })).status).toBe(202);
    expect(ok(await http(r.api, "GET", `/public-ip-pools/${pool.id}`), 200).used).toBe(2);
    res = await http(r.api, "POST", "/vms", {
      key: keys.b,
      body: vmBody("pub-4", { networks: [{ networkId: netB.id }], publicIp: true }),
    });
    expect(res.status).toBe(409);
    const del = (await claim()).find((t) => t.kind === "vm.delete" && t.objectId === vms[0].id);
    expect(Nics(del.payload.nics)).toEqual([]);
    expect(Networks(del.payload.networks)).toEqual([]);
    await report(del.id);
    expect(ok(await http(r.api, "GET", `/public-ip-pools/${pool.id}`), 200).used).toBe(1);
    const pub4 = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.b,
        body: vmBody("pub-4", { networks: [{ networkId: netB.id }], publicIp: true }),
      }),
    );
    expect(pub4.publicIpv4).toBe("203.0.113.1");
  });

  test("a full subnet is 409 naming the network; a network in use is not deleted; addresses come back after the rack confirms", async () => {
    const tiny = ok(
      await http(r.api, "POST", "/networks", { key: keys.b, body: { name: "tiny", cidr: "10.50.0.0/30" } }),
    );
    expect(tiny.capacity).toBe(1);
    const only = ok(
      await http(r.api, "POST", "/vms", {
        key: keys.b,
        body: vmBody("tiny-1", { networks: [{ networkId: tiny.id }] }),
      }),
    );
    expect(only.ip).toBe("10.50.0.2");
    const full = await http(r.api, "POST", "/vms", {
      key: keys.b,
      body: vmBody("tiny-2", { networks: [{ networkId: tiny.id }] }),
    });
    expect(full.status).toBe(409);
    expect(full.body.detail).toMatch(new RegExp(`network tiny \\(${tiny.id}, 10\\.50\\.0\\.0/30\\) is full`));
    // The refused create placed nothing.
    expect(
      (await http(r.api, "GET", "/vms", { key: keys.b })).body.items.map((v: any) => v.name),
    ).not.toContain("tiny-2");
    let res = await http(r.api, "DELETE", `/networks/${tiny.id}`, { key: keys.b });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/tiny-1/);
    const create = (await claim()).find((t) => t.objectId === only.id);
    await report(create.id, { domain: "d" });
    expect((await http(r.api, "DELETE", `/vms/${only.id}`, { key: keys.b })).status).toBe(202);
    // Still held while the rack works.
    expect((await http(r.api, "DELETE", `/networks/${tiny.id}`, { key: keys.b })).status).toBe(409);
    const del = (await claim()).find((t) => t.kind === "vm.delete" && t.objectId === only.id);
    expect(del.payload.networks.map((n: any) => n.networkId)).not.toContain(tiny.id);
    await report(del.id);
    const dbRows = await r.region.ctx.store.db
      .selectFrom("nics")
      .select("vmId")
      .where("networkId", "=", tiny.id)
      .execute();
    expect(dbRows).toEqual([]);
    res = await http(r.api, "DELETE", `/networks/${tiny.id}`, { key: keys.b });
    expect(res.status).toBe(204);
  });

  test("VLANs as a fabric option: ids from the fabric's range, reused after a delete, VMs on that fabric's hosts", async () => {
    let res = await http(r.api, "POST", "/fabrics", {
      body: { name: "bad", regionId, tenantVlans: { first: 200, last: 100 } },
    });
    expect([res.status, fields(res)]).toEqual([400, ["/tenantVlans/last"]]);
    const lan = ok(
      await http(r.api, "POST", "/fabrics", {
        body: { name: "lan", regionId, tenantVlans: { first: 100, last: 101 } },
      }),
    );
    const plain = ok(await http(r.api, "POST", "/fabrics", { body: { name: "plain", regionId } }));
    expect([lan.tenantVlans, plain.tenantVlans]).toEqual([{ first: 100, last: 101 }, null]);
    res = await http(r.api, "POST", "/networks", {
      key: keys.a,
      body: { name: "v0", cidr: "10.70.0.0/24", fabricId: plain.id },
    });
    expect([res.status, fields(res)]).toEqual([400, ["/fabricId"]]);
    const vlan = async (name: string, cidr: string) =>
      http(r.api, "POST", "/networks", { key: keys.a, body: { name, cidr, fabricId: lan.id } });
    const v1 = ok(await vlan("v1", "10.71.0.0/24"));
    const v2 = ok(await vlan("v2", "10.72.0.0/24"));
    expect([v1.segment, v1.vni, v1.fabricId, v2.segment]).toEqual([
      { kind: "vlan", vlanId: 100 },
      null,
      lan.id,
      { kind: "vlan", vlanId: 101 },
    ]);
    res = await vlan("v3", "10.73.0.0/24");
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/every tenant VLAN of fabric lan \(100-101\) is in use/);
    ok(await http(r.api, "DELETE", `/networks/${v2.id}`, { key: keys.a }), 204);
    expect(ok(await vlan("v3", "10.73.0.0/24")).segment).toEqual({ kind: "vlan", vlanId: 101 });
    res = await http(r.api, "PATCH", `/fabrics/${lan.id}`, {
      body: { tenantVlans: { first: 101, last: 200 } },
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/v1 \(100\)/);

    // One VM host on a rack of that fabric; the other hosts (rack-1) have no fabric.
    const rack2 = ok(
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-2",
          regionId,
          fabricId: lan.id,
          subnet: "10.21.0.0/24",
          dhcpRange: { start: "10.21.0.100", end: "10.21.0.200" },
        },
      }),
    );
    const lanHost = await addVmHost(r, {
      rackId: rack2.id,
      poolId,
      hostname: "kvm-lan",
      mac: "52:54:00:99:01:00",
    });
    const backend = ok(await http(r.api, "GET", "/networks", { key: keys.a }), 200).items.find(
      (n: any) => n.name === "backend",
    );
    const vms: any[] = [];
    for (const i of [1, 2]) {
      vms.push(
        ok(
          await http(r.api, "POST", "/vms", {
            key: keys.a,
            body: vmBody(`lan-${i}`, { networks: [{ networkId: v1.id }, { networkId: backend.id }] }),
          }),
        ),
      );
    }
    expect(vms.map((v) => [v.hostId, v.ip])).toEqual([
      [lanHost, "10.71.0.2"],
      [lanHost, "10.71.0.3"],
    ]);
    const claimed = ok(
      await http(r.api, "POST", "/rack-agent/tasks/claim", {
        key: rack2.enrollmentToken,
        body: { max: 100 },
      }),
      200,
    ).tasks;
    const create = claimed.find((t: any) => t.kind === "vm.create" && t.objectId === vms[1].id);
    expect(Nics(create.payload.nics)).toEqual([]);
    expect(Networks(create.payload.networks)).toEqual([]);
    expect(create.payload.nics[0].segment).toEqual({ kind: "vlan", vlanId: 100 });
    const carried = create.payload.networks.find((n: any) => n.networkId === v1.id);
    expect([carried.segment, carried.mtu, carried.peers]).toEqual([{ kind: "vlan", vlanId: 100 }, 1500, []]);
    // Two VLAN networks of different fabrics can never meet on one host.
    const other = ok(
      await http(r.api, "POST", "/fabrics", {
        body: { name: "lan2", regionId, tenantVlans: { first: 10, last: 10 } },
      }),
    );
    const w = ok(
      await http(r.api, "POST", "/networks", {
        key: keys.a,
        body: { name: "w", cidr: "10.74.0.0/24", fabricId: other.id },
      }),
    );
    res = await http(r.api, "POST", "/vms", {
      key: keys.a,
      body: vmBody("both", { networks: [{ networkId: v1.id }, { networkId: w.id }] }),
    });
    expect([res.status, fields(res)]).toEqual([400, ["/networks/1/networkId"]]);
    expect((await http(r.api, "DELETE", `/fabrics/${other.id}`)).status).toBe(409);
  });

  test("network and public-address quotas are checked in the creating transaction", async () => {
    const mine = ok(await http(r.api, "GET", "/networks", { key: keys.a }), 200).items.filter(
      (n: any) => n.tenantId === tenants.a,
    );
    const quota = ok(
      await http(r.api, "POST", "/quotas", {
        body: { tenantId: tenants.a, networks: mine.length, publicIps: 0 },
      }),
    );
    let res = await http(r.api, "POST", "/networks", {
      key: keys.a,
      body: { name: "over", prefixLength: 28 },
    });
    expect(res.status).toBe(409);
    expect(res.body.quota).toMatchObject({
      quota: "networks",
      limit: mine.length,
      used: mine.length,
      requested: 1,
    });
    res = await http(r.api, "POST", "/vms", {
      key: keys.a,
      // A VXLAN network: a VLAN one would place the VM on its fabric's hosts only.
      body: vmBody("over-pub", {
        networks: [{ networkId: mine.find((n: any) => n.segment.kind === "vxlan").id }],
        publicIp: true,
      }),
    });
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 409,
      body: { quota: { quota: "publicIps", limit: 0, used: 0, requested: 1 } },
    });
    expect(
      ok(await http(r.api, "GET", "/vms", { key: keys.a }), 200).items.some(
        (v: any) => v.name === "over-pub",
      ),
    ).toBe(false);
    expect((await http(r.api, "DELETE", `/quotas/${quota.id}`)).status).toBe(204);
  });
});
