/** Plan logic: unknowns for computed values, RequiresReplace per design.md, in-place updates. */
import { UNKNOWN, type TfObject } from "../../../provider/terraform/dynamic-value";
import { planChange } from "../../../provider/terraform/plan";
import { machineResource } from "../../../provider/terraform/resources/machine";
import { poolResource } from "../../../provider/terraform/resources/pool";
import { rackResource } from "../../../provider/terraform/resources/rack";
import { regionResource } from "../../../provider/terraform/resources/region";
import { virtualMachineResource } from "../../../provider/terraform/resources/virtual_machine";
import type { TfResource } from "../../../provider/terraform/resource";
import { schemaType } from "../../../provider/terraform/schema";
import { conform } from "../../../provider/terraform/dynamic-value";

/** A full value of the resource's type (every attribute present, null when not given). */
const full = (r: TfResource, v: Record<string, unknown>) => conform(v, schemaType(r.schema)) as TfObject;

const regionState = full(regionResource, {
  id: "reg_0123456789abcdef",
  name: "girona",
  dns_domain: "girona.fibrix.example",
  description: "",
  dns_ttl: 300,
  nameservers: ["ns1.girona.fibrix.example"],
  version: 1,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

test("create: computed attributes left null become unknown; configured ones stay", () => {
  const proposed = full(regionResource, { name: "girona", dns_domain: "girona.fibrix.example", dns_ttl: 60 });
  const p = planChange(regionResource, null, proposed);
  expect(p.requiresReplace).toEqual([]);
  expect(p.planned!.id).toBe(UNKNOWN);
  expect(p.planned!.description).toBe(UNKNOWN);
  expect(p.planned!.dns_ttl).toBe(60);
  expect(p.planned!.name).toBe("girona");
});

test("no change: the plan is the prior state", () => {
  const p = planChange(regionResource, regionState, { ...regionState });
  expect(p.planned).toEqual(regionState);
  expect(p.requiresReplace).toEqual([]);
  expect(p.changed).toEqual([]);
});

test("in-place update: version/updated_at unknown, id and created_at kept", () => {
  const p = planChange(regionResource, regionState, { ...regionState, description: "main site" });
  expect(p.requiresReplace).toEqual([]);
  expect(p.changed).toEqual(["description"]);
  expect(p.planned!.version).toBe(UNKNOWN);
  expect(p.planned!.updated_at).toBe(UNKNOWN);
  expect(p.planned!.id).toBe(regionState.id);
  expect(p.planned!.created_at).toBe(regionState.created_at);
});

test("region name and DNS domain replace", () => {
  expect(planChange(regionResource, regionState, { ...regionState, name: "reus" }).requiresReplace).toEqual([
    "name",
  ]);
  expect(
    planChange(regionResource, regionState, { ...regionState, dns_domain: "x.fibrix.example" })
      .requiresReplace,
  ).toEqual(["dns_domain"]);
});

test("rack: region and subnet replace; DHCP range updates in place; the token survives updates", () => {
  const prior = full(rackResource, {
    id: "rck_0123456789abcdef",
    name: "r1",
    region_id: "reg_0123456789abcdef",
    subnet: "10.20.0.0/24",
    dhcp_range: { start: "10.20.0.100", end: "10.20.0.200" },
    enrollment_token: "fbr_secret",
    status: "Online",
    version: 3,
  });
  expect(planChange(rackResource, prior, { ...prior, subnet: "10.21.0.0/24" }).requiresReplace).toEqual([
    "subnet",
  ]);
  expect(
    planChange(rackResource, prior, { ...prior, region_id: "reg_fedcba9876543210" }).requiresReplace,
  ).toEqual(["region_id"]);
  const p = planChange(rackResource, prior, {
    ...prior,
    dhcp_range: { start: "10.20.0.50", end: "10.20.0.200" },
  });
  expect(p.requiresReplace).toEqual([]);
  expect(p.planned!.enrollment_token).toBe("fbr_secret");
  expect(p.planned!.status).toBe(UNKNOWN);
});

test("machine: MACs and rack replace; pool and tags update; the commission flag needs nothing", () => {
  const prior = full(machineResource, {
    id: "mch_0123456789abcdef",
    hostname: "pe860-01",
    rack_id: "rck_0123456789abcdef",
    macs: ["52:54:00:00:00:01"],
    power: { type: "ipmi", address: "127.0.0.1", password: "calvin" },
    tags: [],
    commission: true,
    status: "Ready",
  });
  expect(
    planChange(machineResource, prior, { ...prior, macs: ["52:54:00:00:00:02"] }).requiresReplace,
  ).toEqual(["macs"]);
  expect(
    planChange(machineResource, prior, { ...prior, rack_id: "rck_fedcba9876543210" }).requiresReplace,
  ).toEqual(["rack_id"]);
  const tags = planChange(machineResource, prior, { ...prior, tags: ["kvm"] });
  expect(tags.requiresReplace).toEqual([]);
  expect(tags.changed).toEqual(["tags"]);
  const flag = planChange(machineResource, prior, { ...prior, commission: false });
  expect(flag).toMatchObject({ requiresReplace: [], changed: [] });
  expect(flag.planned!.status).toBe("Ready");
});

test("virtual machine: disk grows in place, shrinking replaces; pool and image replace", () => {
  const prior = full(virtualMachineResource, {
    id: "vm_0123456789abcdef",
    name: "web-1",
    pool_id: "pool_0123456789abcdef",
    image: "ubuntu-24.04",
    cores: 2,
    memory_mib: 2048,
    disk_gib: 20,
    fqdn: "web-1.girona.fibrix.example",
    status: "Running",
  });
  const grow = planChange(virtualMachineResource, prior, { ...prior, disk_gib: 40 });
  expect(grow.requiresReplace).toEqual([]);
  expect(grow.changed).toEqual(["disk_gib"]);
  expect(grow.planned!.fqdn).toBe("web-1.girona.fibrix.example");
  expect(grow.planned!.status).toBe(UNKNOWN);
  expect(planChange(virtualMachineResource, prior, { ...prior, disk_gib: 10 }).requiresReplace).toEqual([
    "disk_gib",
  ]);
  expect(
    planChange(virtualMachineResource, prior, { ...prior, image: "centos-stream-9" }).requiresReplace,
  ).toEqual(["image"]);
  expect(
    planChange(virtualMachineResource, prior, { ...prior, pool_id: "pool_fedcba9876543210" }).requiresReplace,
  ).toEqual(["pool_id"]);
});

test("pool: renaming replaces; ratios update in place; destroy plans null", () => {
  const prior = full(poolResource, { id: "pool_0123456789abcdef", name: "shared", cpu_overcommit: 4 });
  expect(planChange(poolResource, prior, { ...prior, name: "gold" }).requiresReplace).toEqual(["name"]);
  expect(planChange(poolResource, prior, { ...prior, cpu_overcommit: 2 }).requiresReplace).toEqual([]);
  expect(planChange(poolResource, prior, null)).toEqual({ planned: null, requiresReplace: [], changed: [] });
});
