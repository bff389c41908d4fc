/** Offline validation of configurations against the API's own Create schemas, with attribute paths. */
import { type TfObject, UNKNOWN, conform } from "../../../provider/terraform/dynamic-value";
import { validateConfig } from "../../../provider/terraform/config-validation";
import { diagnosticsFromError, pathText, pointerToPath } from "../../../provider/terraform/diagnostics";
import { parseDuration, timeoutOf } from "../../../provider/terraform/local-attributes";
import { providerSchema, readProviderConfig } from "../../../provider/terraform/provider-config";
import { stateToApi } from "../../../provider/terraform/state-mapping";
import { machineResource } from "../../../provider/terraform/resources/machine";
import { securityGroupResource } from "../../../provider/terraform/resources/network";
import { virtualMachineResource } from "../../../provider/terraform/resources/virtual_machine";
import { regionResource } from "../../../provider/terraform/resources/region";
import { schemaType } from "../../../provider/terraform/schema";
import { ValidationError } from "../../../sdk/errors";

const machine = (v: Record<string, unknown>) => conform(v, schemaType(machineResource.schema)) as TfObject;
const check = (v: TfObject) => validateConfig(machineResource.schema.attributes, machineResource.model, v);

test("a valid machine configuration has no diagnostics", () => {
  const v = machine({
    hostname: "pe860-01",
    rack_id: "rck_0123456789abcdef",
    macs: ["52:54:00:00:00:01"],
    power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin", port: 623 },
  });
  expect(check(v)).toEqual([]);
});

test("bad values are reported at their attribute path", () => {
  const v = machine({
    hostname: "PE860_01",
    rack_id: "rck_0123456789abcdef",
    macs: ["52:54:00:00:00:01", "not-a-mac"],
    power: { type: "ipmi", port: 70000 },
  });
  const d = check(v);
  const paths = d.map((x) => pathText(x.attribute!));
  expect(paths).toEqual(expect.arrayContaining(["hostname", "macs[1]", "power.port"]));
  expect(d.every((x) => x.severity === "ERROR")).toBe(true);
  expect(d.find((x) => pathText(x.attribute!) === "macs[1]")!.attribute!.steps).toEqual([
    { attribute_name: "macs" },
    { element_key_int: 1 },
  ]);
});

test("values unknown at validate time are not errors", () => {
  const v = machine({ hostname: "pe860-01", rack_id: UNKNOWN, macs: [UNKNOWN], power: { type: "manual" } });
  expect(check(v)).toEqual([]);
});

test("region name must be a DNS label", () => {
  const v = conform(
    { name: "Girona!", dns_domain: "girona.fibrix.example" },
    schemaType(regionResource.schema),
  );
  const d = validateConfig(regionResource.schema.attributes, regionResource.model, v as TfObject);
  expect(d.map((x) => pathText(x.attribute!))).toEqual(["name"]);
});

test("API field errors become diagnostics with Terraform paths", () => {
  expect(pathText(pointerToPath("/power/ipmiVersion"))).toBe("power.ipmi_version");
  const d = diagnosticsFromError(
    new ValidationError("bad", [{ field: "/dhcpRange/start", reason: "is outside 10.20.0.0/24" }]),
    "Cannot create fibrix_rack",
  );
  expect(d).toEqual([
    {
      severity: "ERROR",
      summary: "Cannot create fibrix_rack: VALIDATION",
      detail: "dhcp_range.start: is outside 10.20.0.0/24",
      attribute: { steps: [{ attribute_name: "dhcp_range" }, { attribute_name: "start" }] },
    },
  ]);
});

test("provider configuration: environment fallback, endpoint checked, api key required to configure", () => {
  const env = { FIBRIX_ENDPOINT: "http://127.0.0.1:5240", FIBRIX_API_KEY: "fbx_k" };
  expect(
    readProviderConfig({ endpoint: null, api_key: null, wait_timeout_seconds: null }, env).settings,
  ).toEqual({
    endpoint: "http://127.0.0.1:5240",
    apiKey: "fbx_k",
    waitTimeoutMs: 1_800_000,
    trust: {},
  });
  const bad = readProviderConfig({ endpoint: "ftp://x", api_key: null, wait_timeout_seconds: null }, {});
  expect(bad.settings).toBeUndefined();
  expect(bad.diagnostics.map((d) => pathText(d.attribute!))).toEqual(["endpoint", "api_key"]);
  // terraform validate runs without credentials.
  expect(
    readProviderConfig(
      { endpoint: null, api_key: null, wait_timeout_seconds: null },
      {},
      { validateOnly: true },
    ).diagnostics,
  ).toEqual([]);
});

test("provider configuration: TLS trust from the block, else the environment; never both kinds", () => {
  const env = {
    FIBRIX_ENDPOINT: "https://127.0.0.1:5240",
    FIBRIX_API_KEY: "fbx_k",
    FIBRIX_TLS_FINGERPRINT: "ab".repeat(32),
  };
  const none = {
    endpoint: null,
    api_key: null,
    wait_timeout_seconds: null,
    ca_bundle: null,
    fingerprint: null,
  };
  expect(readProviderConfig(none, env).settings?.trust).toEqual({ fingerprint: "ab".repeat(32) });
  const pem = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
  // A block value and an env value of the other kind together: one diagnostic, no settings.
  const both = readProviderConfig({ ...none, ca_bundle: pem }, env);
  expect(both.settings).toBeUndefined();
  expect(both.diagnostics.map((d) => d.summary)).toEqual(["Invalid TLS trust"]);
  expect(
    readProviderConfig({ ...none, ca_bundle: pem }, { ...env, FIBRIX_TLS_FINGERPRINT: "" }).settings?.trust,
  ).toEqual({ caBundle: pem });
  expect(providerSchema.attributes.filter((a) => a.sensitive).map((a) => a.name)).toEqual(["api_key"]);
});

test("timeouts: Go durations, validated offline, never sent to the API", () => {
  expect(parseDuration("30m")).toBe(1_800_000);
  expect(parseDuration("1h30m")).toBe(5_400_000);
  expect(parseDuration("2.5s")).toBe(2500);
  expect(parseDuration("10")).toBeUndefined();
  expect(parseDuration("5 m")).toBeUndefined();
  const v = machine({
    hostname: "pe860-01",
    rack_id: "rck_0123456789abcdef",
    macs: ["52:54:00:00:00:01"],
    power: { type: "manual" },
    timeouts: { create: "soon", delete: "10m" },
  });
  expect(check(v).map((d) => pathText(d.attribute!))).toEqual(["timeouts.create"]);
  expect(stateToApi(machineResource.schema.attributes, v)).not.toHaveProperty("timeouts");
  expect(timeoutOf(v, "delete")).toBe(600_000);
  expect(timeoutOf(v, "update")).toBeUndefined();
});

test("region force_destroy is Terraform-only and asks the region for a forced delete", () => {
  const attr = regionResource.schema.attributes.find((a) => a.name === "force_destroy")!;
  expect(attr).toMatchObject({ optional: true, local: true, type: { kind: "bool" } });
  expect(regionResource.schema.attributes.some((a) => a.name === "timeouts")).toBe(false);
  expect(
    machineResource.schema.attributes.find((a) => a.name === "timeouts")!.nested!.map((a) => a.name),
  ).toEqual(["create", "update", "delete"]);
});

test("objects inside lists go to the API by their API names, unset attributes left out (VM networks, group rules)", () => {
  const vm = conform(
    {
      name: "web-1",
      pool_id: "pol_0123456789abcdef",
      image: "ubuntu-24.04",
      cores: 1,
      memory_mib: 512,
      disk_gib: 10,
      networks: [
        { network_id: "net_0123456789abcdef", security_group_ids: ["sg_0123456789abcdef"] },
        { network_id: "net_00000000000000aa" },
      ],
      public_ip: true,
    },
    schemaType(virtualMachineResource.schema),
  ) as TfObject;
  expect(validateConfig(virtualMachineResource.schema.attributes, virtualMachineResource.model, vm)).toEqual(
    [],
  );
  expect(stateToApi(virtualMachineResource.schema.attributes, vm)).toMatchObject({
    networks: [
      { networkId: "net_0123456789abcdef", securityGroupIds: ["sg_0123456789abcdef"] },
      { networkId: "net_00000000000000aa" },
    ],
    publicIp: true,
  });
  const sg = conform(
    {
      name: "web",
      rules: [
        { protocol: "tcp", from_port: 443, to_port: 80, source: "0.0.0.0/0" },
        { protocol: "icmp", source: "10.0.0.0/8" },
      ],
    },
    schemaType(securityGroupResource.schema),
  ) as TfObject;
  expect(stateToApi(securityGroupResource.schema.attributes, sg)).toEqual({
    name: "web",
    rules: [
      { protocol: "tcp", fromPort: 443, toPort: 80, source: "0.0.0.0/0" },
      { protocol: "icmp", source: "10.0.0.0/8" },
    ],
  });
  // The model's rule names the reversed range at its attribute path.
  const diags = validateConfig(securityGroupResource.schema.attributes, securityGroupResource.model, sg);
  expect(diags.map((d) => pathText(d.attribute!))).toEqual(["rules[0].to_port"]);
});
