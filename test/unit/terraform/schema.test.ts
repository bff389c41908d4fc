/** Schema derivation from the shared TypeBox schemas: flags, types, nesting, replacement. */
import { DATA_SOURCES, RESOURCES } from "../../../provider/terraform/provider";
import { machineResource } from "../../../provider/terraform/resources/machine";
import { rackResource } from "../../../provider/terraform/resources/rack";
import { regionResource } from "../../../provider/terraform/resources/region";
import { virtualMachineResource } from "../../../provider/terraform/resources/virtual_machine";
import { findAttribute, type TfSchema } from "../../../provider/terraform/schema";
import { providerSchemasJson } from "../../../provider/terraform/schema-json";
import { toProtoSchema } from "../../../provider/terraform/schema-proto";
import { typeToJson } from "../../../provider/terraform/tf-type";
import { toSnake } from "../../../provider/terraform/naming";

const attr = (s: TfSchema, n: string) => {
  const a = findAttribute(s, n);
  if (!a) throw new Error(`no attribute ${n}`);
  return a;
};

test("snake_case names as Terraform writes them", () => {
  expect(["dnsDomain", "memoryMiB", "diskGiB", "enrollmentToken", "ipmiVersion", "id"].map(toSnake)).toEqual([
    "dns_domain",
    "memory_mib",
    "disk_gib",
    "enrollment_token",
    "ipmi_version",
    "id",
  ]);
});

test("region: required inputs, optional+computed defaults, computed outputs, create-only replace", () => {
  const s = regionResource.schema;
  expect(attr(s, "name")).toMatchObject({ required: true, computed: false, updatable: false });
  expect(attr(s, "dns_domain")).toMatchObject({ required: true, updatable: false });
  expect(attr(s, "description")).toMatchObject({ optional: true, computed: true, updatable: true });
  expect(attr(s, "dns_ttl")).toMatchObject({
    optional: true,
    computed: true,
    updatable: true,
    type: { kind: "number" },
  });
  expect(attr(s, "id")).toMatchObject({ required: false, optional: false, computed: true });
  expect(typeToJson(attr(s, "nameservers").type)).toEqual(["list", "string"]);
  expect(s.attributes[0]!.name).toBe("id");
});

test("rack: enrollment token is a sensitive computed output; dhcp_range is a nested required object", () => {
  const s = rackResource.schema;
  expect(attr(s, "enrollment_token")).toMatchObject({ computed: true, sensitive: true, optional: false });
  const dhcp = attr(s, "dhcp_range");
  expect(dhcp).toMatchObject({ required: true, updatable: true });
  expect(dhcp.nested!.map((a) => [a.name, a.required])).toEqual([
    ["start", true],
    ["end", true],
  ]);
  expect(attr(s, "subnet").updatable).toBe(false);
  expect(attr(s, "region_id").updatable).toBe(false);
});

test("machine: power.password is sensitive and write-only; password_set is computed; macs replace", () => {
  const s = machineResource.schema;
  const power = attr(s, "power");
  expect(power.required).toBe(true);
  const pw = power.nested!.find((a) => a.name === "password")!;
  expect(pw).toMatchObject({ optional: true, computed: false, sensitive: true, writeOnly: true });
  expect(power.nested!.find((a) => a.name === "password_set")).toMatchObject({
    computed: true,
    optional: false,
  });
  expect(power.nested!.find((a) => a.name === "type")).toMatchObject({ required: true });
  expect(attr(s, "macs")).toMatchObject({ required: true, updatable: false });
  expect(attr(s, "rack_id").updatable).toBe(false);
  expect(attr(s, "commission")).toMatchObject({ optional: true, writeOnly: true });
  expect(typeToJson(attr(s, "inventory").type)).toEqual([
    "object",
    {
      cores: "number",
      memory_mib: "number",
      storage: ["list", ["object", { name: "string", size_gib: "number" }]],
      nics: ["list", ["object", { name: "string", mac: "string" }]],
      cpu_model: "string",
    },
  ]);
});

test("virtual machine: pool and image replace, cores/memory/disk update in place, user_data write-only", () => {
  const s = virtualMachineResource.schema;
  expect(attr(s, "pool_id").updatable).toBe(false);
  expect(attr(s, "image").updatable).toBe(false);
  expect(attr(s, "cores")).toMatchObject({ required: true, updatable: true });
  expect(attr(s, "disk_gib")).toMatchObject({ required: true, updatable: true });
  expect(attr(s, "user_data")).toMatchObject({ optional: true, writeOnly: true, computed: false });
  expect(attr(s, "power_state")).toMatchObject({ optional: true, computed: true, updatable: true });
  expect(attr(s, "fqdn")).toMatchObject({ computed: true, optional: false });
});

test("proto schema: nested attributes carry nested_type and no type; others a JSON type", () => {
  const p = toProtoSchema(machineResource.schema);
  const power = p.block.attributes.find((a) => a.name === "power")!;
  expect(power.type.length).toBe(0);
  expect(power.nested_type!.nesting).toBe("SINGLE");
  const macs = p.block.attributes.find((a) => a.name === "macs")!;
  expect(JSON.parse(macs.type.toString())).toEqual(["list", "string"]);
});

test("schema JSON lists every resource and data source in `terraform providers schema -json` form", () => {
  const j = providerSchemasJson();
  const p = j.provider_schemas["registry.terraform.io/fibrix/fibrix"]!;
  expect(Object.keys(p.resource_schemas).sort()).toEqual(RESOURCES.map((r) => r.typeName).sort());
  expect(Object.keys(p.data_source_schemas).sort()).toEqual(DATA_SOURCES.map((d) => d.typeName).sort());
  expect(p.provider.block.attributes.api_key).toMatchObject({
    sensitive: true,
    optional: true,
    type: "string",
  });
  expect(p.resource_schemas.fibrix_machine!.block.attributes.power!.nested_type!.nesting_mode).toBe("single");
  expect(p.resource_schemas.fibrix_rack!.block.attributes.enrollment_token).toMatchObject({
    computed: true,
    sensitive: true,
  });
  for (const s of Object.values(p.resource_schemas)) {
    for (const [name, a] of Object.entries(s.block.attributes)) {
      // Terraform rejects an attribute that is neither required, optional nor computed.
      expect([name, Boolean(a.required || a.optional || a.computed)]).toEqual([name, true]);
      expect([name, Boolean(a.required && (a.optional || a.computed))]).toEqual([name, false]);
    }
  }
});
