/**
 * provider/pulumi/schema.json is what the code gives (regenerating changes nothing), a valid
 * Pulumi package schema (pulumi/pulumi pkg/codegen/schema/pulumi.json, copied in fixtures/),
 * and says what the provider does: its secrets, its replacements (the diff rules), its aliases
 * to the dynamic types; and provider/pulumi/sdk/ is what the schema gives.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { nodejsSdkFiles } from "../../../provider/pulumi/codegen/nodejs-sdk";
import { type PackageSchema, packageSchemaText } from "../../../provider/pulumi/codegen/package-schema";
import { RESOURCES } from "../../../provider/pulumi/native/resources";

const ROOT = join(__dirname, "../../..");
const committed = readFileSync(join(ROOT, "provider/pulumi/schema.json"), "utf8");
const schema = JSON.parse(committed) as PackageSchema;

test("regenerating the schema gives the committed file (scripts/gen-pulumi-schema.ts)", () => {
  expect(packageSchemaText()).toBe(committed);
});

test("it is a valid Pulumi package schema (the metaschema of pulumi/pulumi)", () => {
  const meta = JSON.parse(readFileSync(join(__dirname, "fixtures/pulumi-package-metaschema.json"), "utf8"));
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  const validate = ajv.compile(meta);
  const ok = validate(schema);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  // The metaschema itself refuses what is not a schema (the check is not vacuous).
  expect(
    validate({ name: "fibrix", resources: { "fibrix:index:X": { properties: { a: { type: "strin" } } } } }),
  ).toBe(false);
});

test("every type reference resolves, and every type is used", () => {
  const text = JSON.stringify({ ...schema, types: undefined });
  const typesText = JSON.stringify(schema.types);
  const refs = [...(text + typesText).matchAll(/"#\/types\/([^"]+)"/g)].map((m) => m[1]!);
  for (const r of refs) expect(Object.keys(schema.types)).toContain(r);
  for (const t of Object.keys(schema.types)) expect(refs).toContain(t);
});

test("the package, its tokens and functions", () => {
  expect(schema.name).toBe("fibrix");
  expect(Object.keys(schema.resources).sort()).toEqual(
    [
      "fibrix:index:Machine",
      "fibrix:index:Network",
      "fibrix:index:Pool",
      "fibrix:index:Quota",
      "fibrix:index:PublicIpPool",
      "fibrix:index:Rack",
      "fibrix:index:Region",
      "fibrix:index:SecurityGroup",
      "fibrix:index:VirtualMachine",
      "fibrix:index:VmSnapshot",
      "fibrix:index:Backup",
    ].sort(),
  );
  expect(Object.keys(schema.functions).sort()).toEqual([
    "fibrix:index:getImages",
    "fibrix:index:getPools",
    "fibrix:index:getRegions",
  ]);
  expect(schema.version).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
});

test("secrets: the API key, the BMC password, the enrollment token", () => {
  expect(schema.config.variables.apiKey!.secret).toBe(true);
  expect(schema.provider.inputProperties.apiKey!.secret).toBe(true);
  expect(schema.types["fibrix:index:MachinePower"]!.properties.password!.secret).toBe(true);
  expect(schema.resources["fibrix:index:Rack"]!.properties.enrollmentToken!.secret).toBe(true);
  // An imported rack has no token: not a required output.
  expect(schema.resources["fibrix:index:Rack"]!.required).not.toContain("enrollmentToken");
});

test("replaceOnChanges is each resource's diff rule, inputs and outputs alike; aliases name the dynamic types", () => {
  for (const r of RESOURCES) {
    const spec = schema.resources[r.token]!;
    const flagged = (props: Record<string, { replaceOnChanges?: boolean; willReplaceOnChanges?: boolean }>) =>
      Object.entries(props)
        .filter(([, p]) => p.replaceOnChanges && p.willReplaceOnChanges)
        .map(([k]) => k)
        .sort();
    const expected = r.rules.replaceOn.filter((k) => k in spec.inputProperties).sort();
    expect(flagged(spec.inputProperties)).toEqual(expected);
    expect(flagged(spec.properties)).toEqual(expected);
    expect(spec.aliases).toEqual([{ type: `pulumi-nodejs:dynamic/fibrix:${r.name}` }]);
    // The plugin's own bookkeeping is not part of the resource's surface.
    expect(spec.inputProperties).not.toHaveProperty("createKeySeed");
    expect(spec.inputProperties).not.toHaveProperty("timeouts");
    expect(spec.properties).not.toHaveProperty("id");
  }
  expect(schema.resources["fibrix:index:Machine"]!.requiredInputs).toEqual([
    "hostname",
    "rackId",
    "macs",
    "power",
  ]);
});

test("provider/pulumi/sdk/ is what the schema gives (scripts/gen-pulumi-sdk.ts)", () => {
  const files = nodejsSdkFiles(schema, ROOT);
  const dir = join(ROOT, "provider/pulumi/sdk");
  expect(
    readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .sort(),
  ).toEqual([...files.keys()].sort());
  for (const [f, text] of files)
    expect(`${f}:\n${readFileSync(join(dir, f), "utf8")}`).toBe(`${f}:\n${text}`);
});
