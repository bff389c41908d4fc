/**
 * One invalid input, three faces, one answer: the region's API (POST over HTTP on loopback),
 * Pulumi's Check (the resource hooks the provider plugin serves) and Terraform's
 * ValidateResourceConfig (the real plugin over gRPC, driven as Terraform core drives it; see
 * test/integration/terraform/terraform-core.ts) name the same field with the same reason, for
 * every rule of the resource models (sdk/model/) and for schema errors. A rule written once in
 * the model is applied by all three, so they cannot drift.
 */
import { machineHooks } from "../../../provider/pulumi/machine";
import { networkHooks, publicIpPoolHooks, securityGroupHooks } from "../../../provider/pulumi/network";
import { rackHooks } from "../../../provider/pulumi/rack";
import { regionHooks } from "../../../provider/pulumi/region";
import { propertyPath } from "../../../provider/pulumi/schema-check";
import { virtualMachineHooks } from "../../../provider/pulumi/virtual-machine";
import { toSnake } from "../../../provider/terraform/naming";
import { ADMIN_KEY, http, startTestRegion, type TestRegion } from "../../helpers/region";
import { TerraformCore, type WireDiagnostic } from "../terraform/terraform-core";

let region: TestRegion;
let tf: TerraformCore;
let rackId: string;

type Body = Record<string, unknown>;
interface Face {
  collection: string;
  tfType: string;
  check(body: Body): Promise<{ property: string; reason: string }[]>;
}
const FACES: Record<string, Face> = {
  machine: {
    collection: "/machines",
    tfType: "fibrix_machine",
    check: async (b) => (await machineHooks.check({}, b as never)).failures ?? [],
  },
  rack: {
    collection: "/racks",
    tfType: "fibrix_rack",
    check: async (b) => (await rackHooks.check({}, b as never)).failures ?? [],
  },
  region: {
    collection: "/regions",
    tfType: "fibrix_region",
    check: async (b) => (await regionHooks.check({}, b as never)).failures ?? [],
  },
  vm: {
    collection: "/vms",
    tfType: "fibrix_virtual_machine",
    check: async (b) => (await virtualMachineHooks.check({}, b as never)).failures ?? [],
  },
  network: {
    collection: "/networks",
    tfType: "fibrix_network",
    check: async (b) => (await networkHooks.check({}, b)).failures ?? [],
  },
  securityGroup: {
    collection: "/security-groups",
    tfType: "fibrix_security_group",
    check: async (b) => (await securityGroupHooks.check({}, b)).failures ?? [],
  },
  publicIpPool: {
    collection: "/public-ip-pools",
    tfType: "fibrix_public_ip_pool",
    check: async (b) => (await publicIpPoolHooks.check({}, b)).failures ?? [],
  },
};

/** The API body as a Terraform configuration (snake_case names at every depth). */
function tfConfig(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(tfConfig);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [toSnake(k), tfConfig(x)]));
  }
  return v;
}

/** A JSON pointer of the API as Terraform's attribute path text (`power.password`, `macs[1]`). */
function tfPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${toSnake(s)}`))
    .join("")
    .replace(/^\./, "")
    .replace(/\.\[/g, "[");
}

function tfErrors(d: WireDiagnostic[]): { path: string; detail: string }[] {
  return d.map((x) => ({
    path: (x.attribute?.steps ?? [])
      .map((s) =>
        s.attribute_name !== undefined ? `.${String(s.attribute_name)}` : `[${String(s.element_key_int)}]`,
      )
      .join("")
      .slice(1),
    detail: x.detail,
  }));
}

beforeAll(async () => {
  region = await startTestRegion();
  const rgn = await http(region.api, "POST", "/regions", {
    body: { name: "girona", dnsDomain: "girona.fibrix.example" },
  });
  const rack = await http(region.api, "POST", "/racks", {
    body: {
      name: "r1",
      regionId: rgn.body.id,
      subnet: "10.20.0.0/24",
      dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
    },
  });
  rackId = rack.body.id;
  tf = await TerraformCore.launch();
  await tf.loadSchemas();
}, 120_000);

afterAll(async () => {
  await tf?.kill();
  await region?.stop();
});

const machine = (power: Body, extra: Body = {}): Body => ({
  hostname: "pe860-09",
  rackId: "rck_0123456789abcdef",
  macs: ["52:54:00:09:00:01"],
  power,
  ...extra,
});
const ipmi = { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin" };
const rack = (extra: Body): Body => ({
  name: "r9",
  regionId: "rgn_0123456789abcdef",
  subnet: "10.30.0.0/24",
  dhcpRange: { start: "10.30.0.100", end: "10.30.0.200" },
  ...extra,
});
const vm = (extra: Body): Body => ({
  name: "web-9",
  poolId: "pol_0123456789abcdef",
  image: "ubuntu-24.04",
  cores: 1,
  memoryMiB: 512,
  diskGiB: 10,
  ...extra,
});

// [what, face, body, API pointer, reason]
const CASES: [string, keyof typeof FACES, Body, string, string][] = [
  [
    "ipmi needs a password (driver setting)",
    "machine",
    machine({ ...ipmi, password: undefined }),
    "/power/password",
    "is required",
  ],
  [
    "virsh needs a domain (driver setting)",
    "machine",
    machine({ type: "virsh", uri: "qemu:///system" }),
    "/power/domain",
    "is required",
  ],
  [
    "a setting of another driver",
    "machine",
    machine({ type: "manual", address: "10.0.0.9" }),
    "/power/address",
    "does not apply to power type manual",
  ],
  [
    "Wake-on-LAN has no user",
    "machine",
    machine({ type: "wol", user: "root" }),
    "/power/user",
    "does not apply to power type wol",
  ],
  [
    "auth none sends no password",
    "machine",
    machine({ ...ipmi, authType: "none" }),
    "/power/authType",
    "none sends no password; drop the password or pick md5",
  ],
  [
    "a VM host joins a pool",
    "machine",
    machine(ipmi, { vmHost: true }),
    "/poolId",
    "is required when vmHost is true (the pool the host joins)",
  ],
  [
    "IPMI 2.0 is not spoken (schema built from the driver)",
    "machine",
    machine({ ...ipmi, ipmiVersion: "2.0" }),
    "/power/ipmiVersion",
    "must be one of 1.5",
  ],
  [
    "an IPMI 1.5 password is 16 bytes",
    "machine",
    machine({ ...ipmi, password: "x".repeat(17) }),
    "/power/password",
    "must NOT have more than 16 characters",
  ],
  [
    "a MAC address",
    "machine",
    machine(ipmi, { macs: ["52:54:00:09:00:01", "zz"] }),
    "/macs/1",
    "is not valid (must be a MAC address like 52:54:00:12:34:56)",
  ],
  [
    "a subnet's network address",
    "rack",
    rack({ subnet: "10.30.0.5/24" }),
    "/subnet",
    "has host bits set; use the network address",
  ],
  [
    "a gateway inside the subnet",
    "rack",
    rack({ gateway: "10.31.0.1" }),
    "/gateway",
    "is outside 10.30.0.0/24",
  ],
  [
    "a gateway outside the DHCP range",
    "rack",
    rack({ gateway: "10.30.0.150" }),
    "/gateway",
    "must not be inside the DHCP range",
  ],
  [
    "a DHCP range in order",
    "rack",
    rack({ dhcpRange: { start: "10.30.0.200", end: "10.30.0.100" } }),
    "/dhcpRange",
    "start must not be after end",
  ],
  [
    "a DHCP range inside the subnet",
    "rack",
    rack({ dhcpRange: { start: "10.30.0.100", end: "10.30.1.10" } }),
    "/dhcpRange/end",
    "is outside 10.30.0.0/24",
  ],
  [
    "a region name is a DNS label",
    "region",
    { name: "Girona", dnsDomain: "g.fibrix.example" },
    "/name",
    "is not valid (must be a lower-case DNS label)",
  ],
  ["a VM has a core", "vm", vm({ cores: 0 }), "/cores", "must be >= 1"],
  [
    "a network's subnet is a network address",
    "network",
    { name: "n1", cidr: "10.40.0.5/24" },
    "/cidr",
    "has host bits set; use the network address",
  ],
  [
    "a network's gateway is inside its subnet",
    "network",
    { name: "n1", cidr: "10.40.0.0/24", gateway: "10.41.0.1" },
    "/gateway",
    "is outside 10.40.0.0/24",
  ],
  [
    "a port range in order",
    "securityGroup",
    { name: "web", rules: [{ protocol: "tcp", fromPort: 443, toPort: 80, source: "0.0.0.0/0" }] },
    "/rules/0/toPort",
    "80 is below fromPort 443",
  ],
  [
    "a rule source is a CIDR or a group",
    "securityGroup",
    { name: "web", rules: [{ protocol: "any", source: "anywhere" }] },
    "/rules/0/source",
    "must be an IPv4 CIDR or a security group id (sg_…)",
  ],
  [
    "an excluded public address is in the block",
    "publicIpPool",
    { name: "isp", regionId: "rgn_0123456789abcdef", cidr: "203.0.113.0/30", exclude: ["203.0.113.9"] },
    "/exclude/0",
    "is outside 203.0.113.0/30",
  ],
];

test.each(CASES)(
  "%s: the API, Pulumi's Check and Terraform's validate agree",
  async (_what, face, body, pointer, reason) => {
    const f = FACES[face]!;
    const api = await http(region.api, "POST", f.collection, { key: ADMIN_KEY, body });
    expect(api.status).toBe(400);
    expect(api.body.errors).toContainEqual({ field: pointer, reason });

    expect(await f.check(body)).toContainEqual({ property: propertyPath(pointer), reason });

    const path = tfPath(pointer);
    expect(tfErrors(await tf.validate(f.tfType, tfConfig(body) as Body))).toContainEqual({
      path,
      detail: `${path}: ${reason}`,
    });
  },
);

test("a declaration create could never reach: both providers refuse it, the API keeps the machine New", async () => {
  const body = machine(ipmi, { rackId, vmHost: true, poolId: "pol_0123456789abcdef", commission: false });
  const reason = "cannot be false with deploy or vmHost: a machine deploys from Ready, after commissioning";
  expect(await FACES.machine!.check(body)).toContainEqual({ property: "commission", reason });
  expect(tfErrors(await tf.validate("fibrix_machine", tfConfig(body) as Body))).toContainEqual({
    path: "commission",
    detail: `commission: ${reason}`,
  });
  // The API only refuses what it cannot store (an unknown pool): the declaration is legal there.
  const api = await http(region.api, "POST", "/machines", {
    key: ADMIN_KEY,
    body: { ...body, poolId: undefined, vmHost: false },
  });
  expect([api.status, api.body.status]).toEqual([201, "New"]);
});
