/**
 * Issue #7: the Terraform provider driven as Terraform core drives it — a real plugin process,
 * the go-plugin handshake with mutual TLS, then schema, configuration, and plan → apply →
 * read → import → destroy for every resource against a real region. Machines commission and
 * VMs are built by a rack played over the real rack protocol (rack-driver.ts), since this test
 * boots no hardware.
 */
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { MAGIC_COOKIE_VALUE } from "../../../provider/terraform/handshake";
import { FibrixClient } from "../../../sdk/client";
import type { TfObject } from "../../../provider/terraform/dynamic-value";
import {
  ADMIN_KEY,
  addVmHost,
  http,
  registerImage,
  type TestRegion,
  startTestRegion,
} from "../../helpers/region";
import { type RackDriver, startRackDriver } from "./rack-driver";
import { TerraformCore, type WireDiagnostic } from "./terraform-core";

jest.setTimeout(180_000);

let region: TestRegion;
let ops: TerraformCore; // the ISP's staff: admin key
let customer: TerraformCore; // a tenant's CI: tenant key
let driver: RackDriver | undefined;
let tenantId: string;
let tenantKey: string;

const paths = (d: WireDiagnostic[]) =>
  d.map((x) =>
    (x.attribute?.steps ?? [])
      .map((s) =>
        s.attribute_name !== undefined ? `.${s.attribute_name}` : `[${String(s.element_key_int)}]`,
      )
      .join("")
      .slice(1),
  );

beforeAll(async () => {
  region = await startTestRegion();
  // Before any VM host: the rack driver here answers tasks without libvirt.
  for (const name of ["ubuntu-24.04", "centos-stream-9"]) await registerImage(region.api, name);
  const t = await http(region.api, "POST", "/tenants", { body: { name: "acme" } });
  tenantId = t.body.id;
  tenantKey = (await http(region.api, "POST", "/apikeys", { body: { name: "ci", tenantId } })).body.key;
  [ops, customer] = await Promise.all([TerraformCore.launch(), TerraformCore.launch()]);
});

afterAll(async () => {
  await driver?.stop();
  await Promise.all([ops?.kill(), customer?.kill()]);
  await region?.stop();
});

test("handshake: protocol 1|6 over tcp on 127.0.0.1 with the plugin's certificate; health answers", async () => {
  expect(ops.handshake).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
  // The certificate is base64 without padding (go-plugin RawStdEncoding) of a DER X.509.
  const cert = ops.handshake.split("|")[5]!;
  expect(cert).not.toMatch(/=$/);
  expect(new X509Certificate(Buffer.from(cert, "base64")).subject).toMatch(/CN=localhost/);
  expect((await ops.health()).toString("hex")).toBe("0801"); // status: SERVING
});

test("run by hand (no magic cookie) or offered another protocol: the standard message and exit 1", async () => {
  const run = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; err: string; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ["-r", join(__dirname, "ts-register.js"), join(__dirname, "../../../provider/terraform/main.ts")],
        { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "";
      let out = "";
      child.stderr!.on("data", (d) => {
        err += String(d);
      });
      child.stdout!.on("data", (d) => {
        out += String(d);
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, err, out });
      });
    });
  const byHand = await run({});
  expect(byHand).toEqual({
    code: 1,
    out: "",
    err: expect.stringContaining("This binary is a plugin. These are not meant to be executed directly."),
  });
  const v5 = await run({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5" });
  expect(v5.code).toBe(1);
  expect(v5.err).toMatch(/protocol 6; Terraform offered 5/);
});

test("GetProviderSchema describes every resource and data source, secrets marked sensitive", async () => {
  const s = await ops.loadSchemas();
  await customer.loadSchemas();
  expect(Object.keys(s.resources).sort()).toEqual([
    "fibrix_backup",
    "fibrix_machine",
    "fibrix_network",
    "fibrix_pool",
    "fibrix_public_ip_pool",
    "fibrix_quota",
    "fibrix_rack",
    "fibrix_region",
    "fibrix_security_group",
    "fibrix_virtual_machine",
    "fibrix_vm_snapshot",
  ]);
  expect(Object.keys(s.dataSources).sort()).toEqual(["fibrix_images", "fibrix_pools", "fibrix_regions"]);
  const attr = (r: string, n: string) => s.resources[r]!.block.attributes.find((a) => a.name === n)!;
  expect(attr("fibrix_rack", "enrollment_token")).toMatchObject({ sensitive: true, computed: true });
  const pw = attr("fibrix_machine", "power").nested_type!.attributes.find((a) => a.name === "password")!;
  expect(pw).toMatchObject({ sensitive: true, optional: true });
  expect(s.provider.block.attributes.find((a) => a.name === "api_key")).toMatchObject({ sensitive: true });
  const meta = await ops.call<{ resources: { type_name: string }[] }>("GetMetadata");
  expect(meta.resources.map((r) => r.type_name)).toContain("fibrix_virtual_machine");
});

test("invalid provider configuration is a diagnostic on the attribute; a valid one configures", async () => {
  const bad = await ops.configure({ endpoint: "ftp://127.0.0.1", api_key: "x" });
  expect(paths(bad)).toEqual(["endpoint"]);
  const v = await ops.call<{ diagnostics: WireDiagnostic[] }>("ValidateProviderConfig", {
    config: ops.dv("provider", "", ops.full("provider", "", {})),
  });
  expect(v.diagnostics).toEqual([]); // terraform validate needs no credentials
  expect(await ops.configure({ endpoint: region.url, api_key: ADMIN_KEY, wait_timeout_seconds: 60 })).toEqual(
    [],
  );
  expect(
    await customer.configure({ endpoint: region.url, api_key: tenantKey, wait_timeout_seconds: 60 }),
  ).toEqual([]);
});

test("invalid resource configuration: diagnostics carry attribute paths", async () => {
  const d = await ops.validate("fibrix_machine", {
    hostname: "PE860 01",
    rack_id: "rck_0123456789abcdef",
    macs: ["52:54:00:00:00:01", "zz"],
    power: { type: "ipmi", port: 99999 },
  });
  expect(paths(d)).toEqual(expect.arrayContaining(["hostname", "macs[1]", "power.port"]));
  expect(d.every((x) => x.severity === "ERROR")).toBe(true);
  expect(
    paths(await ops.validate("fibrix_region", { name: "Girona", dns_domain: "girona.fibrix.example" })),
  ).toEqual(["name"]);
  // Unknown type names and garbage bytes are diagnostics, not crashes.
  const unknown = await ops.call<{ diagnostics: WireDiagnostic[] }>("ValidateResourceConfig", {
    type_name: "fibrix_nope",
    config: { msgpack: Buffer.from([0xc1]) },
  });
  expect(unknown.diagnostics[0]!.severity).toBe("ERROR");
  const garbage = await ops.call<{ diagnostics: WireDiagnostic[] }>("ValidateResourceConfig", {
    type_name: "fibrix_region",
    config: { msgpack: Buffer.from([0x93, 0x01]) },
  });
  expect(garbage.diagnostics[0]!.severity).toBe("ERROR");
});

// The objects of the lifecycle test, kept for the destroy at the end.
const st: Record<string, TfObject> = {};

test("fibrix_region: plan → apply → read → update in place → replace plan → import", async () => {
  const cfg = { name: "girona", dns_domain: "girona.fibrix.example", description: "main site" };
  const p = await ops.plan("fibrix_region", null, cfg);
  expect(p.planned!.id).toBe(Symbol.for("fibrix.terraform.unknown"));
  const { state } = await ops.converge("fibrix_region", null, cfg);
  expect(state).toMatchObject({ name: "girona", dns_ttl: 300, description: "main site" });
  expect(state.id).toMatch(/^rgn_/);
  expect((await ops.read("fibrix_region", state)).state).toEqual(state);

  const upd = await ops.converge("fibrix_region", state, { ...cfg, description: "Girona DC", dns_ttl: 60 });
  expect(upd.requiresReplace).toEqual([]);
  expect(upd.state).toMatchObject({ id: state.id, description: "Girona DC", dns_ttl: 60 });
  expect(upd.state.version).toBeGreaterThan(state.version as number);

  const rename = await ops.plan("fibrix_region", upd.state, { ...cfg, name: "reus" });
  expect(rename.requiresReplace).toEqual(["name"]);

  const imported = await ops.importState("fibrix_region", String(state.id));
  expect(imported.state).toEqual(upd.state);
  const missing = await ops.importState("fibrix_region", "reg_0000000000000000");
  expect(missing.diagnostics[0]!.summary).toMatch(/non-existent/);
  st.region = upd.state;
});

test("fibrix_rack: the enrollment token is in the state once; DHCP range updates; subnet replaces", async () => {
  const cfg = {
    name: "rack-1",
    region_id: st.region!.id,
    subnet: "10.20.0.0/24",
    dhcp_range: { start: "10.20.0.100", end: "10.20.0.200" },
  };
  const { state } = await ops.converge("fibrix_rack", null, cfg);
  expect(state.enrollment_token).toMatch(/^fbr_/);
  expect(state.status).toBe("Pending");
  const read = await ops.read("fibrix_rack", state);
  expect(read.state!.enrollment_token).toBe(state.enrollment_token); // kept: the API never shows it again
  const upd = await ops.converge("fibrix_rack", state, {
    ...cfg,
    dhcp_range: { start: "10.20.0.50", end: "10.20.0.200" },
  });
  expect(upd.requiresReplace).toEqual([]);
  expect(upd.state.dhcp_range).toEqual({ start: "10.20.0.50", end: "10.20.0.200" });
  expect(upd.state.enrollment_token).toBe(state.enrollment_token);
  expect(
    (await ops.plan("fibrix_rack", upd.state, { ...cfg, subnet: "10.21.0.0/24" })).requiresReplace,
  ).toEqual(["subnet"]);
  const imported = await ops.importState("fibrix_rack", String(state.id));
  expect(imported.state!.enrollment_token).toBeNull();
  expect(imported.state!.subnet).toBe("10.20.0.0/24");
  // A DHCP range outside the subnet: the region's refusal names the attribute.
  const bad = await ops.plan("fibrix_rack", upd.state, {
    ...cfg,
    dhcp_range: { start: "10.99.0.1", end: "10.99.0.9" },
  });
  const applied = await ops.apply("fibrix_rack", upd.state, bad.planned, cfg);
  expect(applied.diagnostics.length).toBeGreaterThan(0);
  expect(applied.state).toEqual(upd.state); // a failed update leaves the object as it was
  st.rack = upd.state;
  driver = startRackDriver(region.api, String(state.enrollment_token));
});

test("fibrix_pool: create with a tenant grant, ratios update in place, rename replaces, import", async () => {
  const cfg = { name: "shared", cpu_overcommit: 2, tenants: [tenantId] };
  const { state } = await ops.converge("fibrix_pool", null, cfg);
  expect(state).toMatchObject({
    name: "shared",
    cpu_overcommit: 2,
    memory_overcommit: 1,
    tenants: [tenantId],
  });
  const upd = await ops.converge("fibrix_pool", state, { ...cfg, cpu_overcommit: 4 });
  expect(upd.requiresReplace).toEqual([]);
  expect(upd.state.cpu_overcommit).toBe(4);
  expect((await ops.plan("fibrix_pool", upd.state, { ...cfg, name: "gold" })).requiresReplace).toEqual([
    "name",
  ]);
  expect((await ops.importState("fibrix_pool", String(state.id))).state).toEqual(upd.state);
  st.pool = upd.state;
});

test("fibrix_machine: enlist, commission to Ready over the rack protocol, password kept, MACs replace", async () => {
  const cfg = {
    hostname: "pe860-01",
    rack_id: st.rack!.id,
    macs: ["52:54:00:7f:00:01"],
    power: { type: "ipmi", address: "127.0.0.1", port: 9623, user: "root", password: "calvin" },
    tags: ["pe860"],
  };
  const { state } = await ops.converge("fibrix_machine", null, cfg);
  expect(state.status).toBe("Ready");
  expect(driver!.done).toContain("commission");
  expect((state.inventory as TfObject).cores).toBe(2);
  expect((state.power as TfObject).password).toBe("calvin");
  expect((state.power as TfObject).password_set).toBe(true);
  expect((await ops.read("fibrix_machine", state)).state).toEqual(state);

  const upd = await ops.converge("fibrix_machine", state, { ...cfg, tags: ["pe860", "rack1"] });
  expect(upd.requiresReplace).toEqual([]);
  expect(upd.state.tags).toEqual(["pe860", "rack1"]);
  expect(
    (await ops.plan("fibrix_machine", upd.state, { ...cfg, macs: ["52:54:00:7f:00:02"] })).requiresReplace,
  ).toEqual(["macs"]);
  const imported = await ops.importState("fibrix_machine", String(state.id));
  expect((imported.state!.power as TfObject).password).toBeNull(); // write-only: not importable
  expect(imported.state!.hostname).toBe("pe860-01");

  // commission = false: enlisted and left New.
  const raw = await ops.converge("fibrix_machine", null, {
    hostname: "pe860-02",
    rack_id: st.rack!.id,
    macs: ["52:54:00:7f:00:03"],
    power: { type: "manual" },
    commission: false,
  });
  expect(raw.state.status).toBe("New");
  st.machine = upd.state;
  st.machine2 = raw.state;
});

test("fibrix_virtual_machine (tenant key): create waits for Running, resize in place, shrink replaces, import", async () => {
  await addVmHost(region, {
    rackId: String(st.rack!.id),
    poolId: String(st.pool!.id),
    hostname: "kvm-1",
    mac: "52:54:00:7f:10:01",
    cores: 4,
    memoryMiB: 16384,
  });
  const cfg = {
    name: "web-1",
    pool_id: st.pool!.id,
    image: "ubuntu-24.04",
    cores: 1,
    memory_mib: 1024,
    disk_gib: 20,
    user_data: "#cloud-config\n",
    ssh_keys: ["ssh-ed25519 AAAA test"],
    timeouts: { create: "45s", delete: "45s" },
  };
  const { state } = await customer.converge("fibrix_virtual_machine", null, cfg);
  expect(state.status).toBe("Running");
  expect(state.fqdn).toBe("web-1.girona.fibrix.example");
  expect(state.host_id).toMatch(/^mch_/);
  expect(state.user_data).toBe("#cloud-config\n");
  expect(state.timeouts).toEqual({ create: "45s", update: null, delete: "45s" });
  expect(driver!.done).toContain("vm.create");

  const grow = await customer.converge("fibrix_virtual_machine", state, { ...cfg, cores: 2, disk_gib: 30 });
  expect(grow.requiresReplace).toEqual([]);
  expect(grow.state).toMatchObject({ id: state.id, cores: 2, disk_gib: 30, status: "Running" });
  expect(
    (await customer.plan("fibrix_virtual_machine", grow.state, { ...cfg, cores: 2, disk_gib: 10 }))
      .requiresReplace,
  ).toEqual(["disk_gib"]);
  expect(
    (
      await customer.plan("fibrix_virtual_machine", grow.state, {
        ...cfg,
        cores: 2,
        disk_gib: 30,
        image: "centos-stream-9",
      })
    ).requiresReplace,
  ).toEqual(["image"]);
  const imported = await customer.importState("fibrix_virtual_machine", String(state.id));
  expect(imported.state).toMatchObject({ id: state.id, name: "web-1", cores: 2, user_data: null });
  st.vm = grow.state;
});

test("fibrix_network, fibrix_security_group (tenant key) and a VM on them: IPAM address in the state, import, destroy", async () => {
  const netCfg = { name: "backend", cidr: "10.10.0.0/24", dns: ["9.9.9.9"] };
  const net = await customer.converge("fibrix_network", null, netCfg);
  expect(net.state).toMatchObject({
    cidr: "10.10.0.0/24",
    gateway: "10.10.0.1",
    capacity: 253,
    tenant_id: tenantId,
  });
  expect(net.state.segment).toMatchObject({ kind: "vxlan" });
  const dns = await customer.converge("fibrix_network", net.state, { ...netCfg, dns: ["1.1.1.1"] });
  expect([dns.requiresReplace, dns.state.dns]).toEqual([[], ["1.1.1.1"]]);
  expect(
    (await customer.plan("fibrix_network", dns.state, { ...netCfg, cidr: "10.11.0.0/24" })).requiresReplace,
  ).toEqual(["cidr"]);
  const sgCfg = {
    name: "web",
    rules: [{ protocol: "tcp", from_port: 443, to_port: 443, source: "0.0.0.0/0" }],
  };
  const sg = await customer.converge("fibrix_security_group", null, sgCfg);
  expect(sg.state.rules).toEqual([
    { protocol: "tcp", from_port: 443, to_port: 443, source: "0.0.0.0/0", description: null },
  ]);
  const more = await customer.converge("fibrix_security_group", sg.state, {
    ...sgCfg,
    rules: [...sgCfg.rules, { protocol: "icmp", source: "10.0.0.0/8" }],
  });
  expect([more.requiresReplace, (more.state.rules as unknown[]).length]).toEqual([[], 2]);
  expect((await customer.importState("fibrix_security_group", String(sg.state.id))).state).toEqual(
    more.state,
  );

  const vmCfg = {
    name: "app-1",
    pool_id: st.pool!.id,
    image: "ubuntu-24.04",
    cores: 1,
    memory_mib: 512,
    disk_gib: 10,
    networks: [{ network_id: net.state.id, security_group_ids: [sg.state.id] }],
    timeouts: { create: "45s", delete: "45s" },
  };
  const vm = await customer.converge("fibrix_virtual_machine", null, vmCfg);
  expect(vm.state).toMatchObject({ status: "Running", ip: "10.10.0.2", public_ip: false, public_ipv4: null });
  expect(vm.state.nics).toEqual([
    expect.objectContaining({
      network_id: net.state.id,
      ipv4: "10.10.0.2",
      security_group_ids: [sg.state.id],
    }),
  ]);
  // Same networks: nothing to do; other networks: a new VM.
  expect((await customer.plan("fibrix_virtual_machine", vm.state, vmCfg)).requiresReplace).toEqual([]);
  expect(
    (
      await customer.plan("fibrix_virtual_machine", vm.state, {
        ...vmCfg,
        networks: [{ network_id: net.state.id }],
      })
    ).requiresReplace,
  ).toEqual(["networks"]);
  // A network in use is not destroyed; after the VM, it is.
  const refused = await customer.apply("fibrix_network", dns.state, null, null);
  expect(refused.diagnostics[0]!.summary).toMatch(/Cannot delete fibrix_network: CONFLICT/);
  expect(await customer.destroy("fibrix_virtual_machine", vm.state)).toEqual([]);
  expect(await customer.destroy("fibrix_security_group", more.state)).toEqual([]);
  expect(await customer.destroy("fibrix_network", dns.state)).toEqual([]);
});

test("data sources: regions, pools (as the tenant sees them), images", async () => {
  const regions = await ops.readData("fibrix_regions", { name: "girona" });
  expect((regions.regions as TfObject[]).map((r) => r.id)).toEqual([st.region!.id]);
  const pools = await customer.readData("fibrix_pools", {});
  expect((pools.pools as TfObject[]).map((p) => p.name)).toEqual(["shared"]);
  // The region's catalogue, as registered in beforeAll; a name filter picks one.
  const images = await customer.readData("fibrix_images", {});
  expect(images.names).toEqual(["centos-stream-9", "ubuntu-24.04"]);
  const one = await customer.readData("fibrix_images", { name: "ubuntu-24.04" });
  expect((one.images as TfObject[]).map((i) => [i.name, i.os, i.format])).toEqual([
    ["ubuntu-24.04", expect.any(String), "qcow2"],
  ]);
});

test("UpgradeResourceState reads a JSON state of schema version 0", async () => {
  const res = await ops.call<{ upgraded_state: { msgpack: Buffer }; diagnostics: WireDiagnostic[] }>(
    "UpgradeResourceState",
    {
      type_name: "fibrix_region",
      version: 0,
      raw_state: { json: Buffer.from(JSON.stringify({ id: st.region!.id, name: "girona" })) },
    },
  );
  expect(res.diagnostics).toEqual([]);
  expect(ops.decode("resource", "fibrix_region", res.upgraded_state)).toMatchObject({
    id: st.region!.id,
    name: "girona",
    dns_domain: null,
  });
});

test("fibrix_region force_destroy: the region goes with its machine-less racks", async () => {
  const cfg = { name: "reus", dns_domain: "reus.fibrix.example" };
  const { state } = await ops.converge("fibrix_region", null, cfg);
  const sdk = new FibrixClient({ endpoint: region.url, apiKey: ADMIN_KEY });
  await sdk.racks.create({
    name: "reus-rack",
    regionId: String(state.id),
    subnet: "10.30.0.0/24",
    dhcpRange: { start: "10.30.0.100", end: "10.30.0.200" },
  });
  const refused = await ops.apply("fibrix_region", state, null, null);
  expect(refused.diagnostics[0]!.detail).toMatch(/still has 1 rack/);
  const forced = await ops.converge("fibrix_region", state, { ...cfg, force_destroy: true });
  expect(forced.requiresReplace).toEqual([]); // a Terraform-only flag: no API change
  expect(await ops.destroy("fibrix_region", forced.state)).toEqual([]);
  expect((await sdk.racks.listAll()).map((r) => r.name)).toEqual(["rack-1"]);
});

test("destroy: a refused delete keeps the state; then everything goes, in dependency order", async () => {
  // The rack still has machines: the region refuses and Terraform must keep the rack.
  const refused = await ops.apply("fibrix_rack", st.rack!, null, null);
  expect(refused.diagnostics[0]!.summary).toMatch(/Cannot delete fibrix_rack: CONFLICT/);
  expect(refused.state).toEqual(st.rack);

  expect(await customer.destroy("fibrix_virtual_machine", st.vm!)).toEqual([]);
  expect(driver!.done).toContain("vm.delete");
  expect((await customer.read("fibrix_virtual_machine", st.vm!)).state).toBeNull(); // gone: planned for re-create

  expect(await ops.destroy("fibrix_machine", st.machine!)).toEqual([]);
  expect(await ops.destroy("fibrix_machine", st.machine2!)).toEqual([]);
  // The VM host was not made by Terraform: release and remove it as an operator would.
  const sdk = new FibrixClient({ endpoint: region.url, apiKey: ADMIN_KEY });
  const host = (await sdk.machines.listAll({ vmHost: true }))[0]!;
  await sdk.machines.action(host.id, "release");
  await sdk.machines.waitForStatus(host.id, "Ready", { timeoutMs: 30_000, intervalMs: 100 });
  await sdk.machines.delete(host.id);

  expect(await ops.destroy("fibrix_pool", st.pool!)).toEqual([]);
  expect(await ops.destroy("fibrix_rack", st.rack!)).toEqual([]);
  expect(await ops.destroy("fibrix_region", st.region!)).toEqual([]);
  expect((await ops.read("fibrix_region", st.region!)).state).toBeNull();
  expect((await sdk.regions.list()).items).toEqual([]);
});

test("StopProvider mid-apply: the wait ends, the created object is returned (tainted), the process exits 0", async () => {
  // A pool and host of its own, and no rack to build the VM: its create would wait forever.
  await driver!.stop();
  const pool = await ops.converge("fibrix_pool", null, { name: "stopped", tenants: [tenantId] });
  const rack = await ops.converge("fibrix_rack", null, {
    name: "rack-9",
    region_id: (
      await ops.converge("fibrix_region", null, { name: "lleida", dns_domain: "lleida.fibrix.example" })
    ).state.id,
    subnet: "10.40.0.0/24",
    dhcp_range: { start: "10.40.0.100", end: "10.40.0.200" },
  });
  await addVmHost(region, {
    rackId: String(rack.state.id),
    poolId: String(pool.state.id),
    hostname: "kvm-9",
    mac: "52:54:00:7f:19:01",
  });
  const cfg = {
    name: "stuck",
    pool_id: pool.state.id,
    image: "ubuntu-24.04",
    cores: 1,
    memory_mib: 512,
    disk_gib: 5,
  };
  const plan = await customer.plan("fibrix_virtual_machine", null, cfg);
  const applying = customer.apply("fibrix_virtual_machine", null, plan.planned, cfg, plan.private);
  await new Promise((r) => setTimeout(r, 1500));
  const started = Date.now();
  expect((await customer.call<{ Error: string }>("StopProvider")).Error).toBe("");
  const res = await applying;
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(res.diagnostics[0]!.summary).toMatch(/created but not ready/);
  expect(res.diagnostics[0]!.detail).toMatch(/stopping/);
  expect(res.state!.id).toMatch(/^vm_/); // Terraform records it (tainted) instead of leaking it
  expect(await customer.exited()).toBe(0);
});

test("GRPCController.Shutdown (go-plugin's Kill) ends the plugin process cleanly", async () => {
  await ops.shutdown();
  expect(await ops.exited()).toBe(0);
});
