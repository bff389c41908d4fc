/**
 * The Pulumi package schema of `fibrix` (pulumi/pulumi pkg/codegen/schema/pulumi.json), built
 * from what the provider already runs on: each resource's TypeBox schemas (sdk/schema, through
 * the provider's input schemas and the models' output schemas), the models' field annotations
 * (descriptions, secret, write-only) and the diff rules (which properties replace). It is
 * written to provider/pulumi/schema.json by scripts/gen-pulumi-schema.ts; a unit test checks that
 * regenerating gives the committed file, so the schema cannot drift from the code.
 *
 * `pulumi package gen-sdk provider/pulumi/schema.json --language python|go|dotnet` makes the
 * other languages' SDKs from it; provider/pulumi/sdk/ is the Node.js one (codegen/nodejs-sdk.ts).
 */
import type { TSchema } from "@sinclair/typebox";
import { type FieldAnnotations, fieldsWith } from "../../../sdk/model";
import { Image } from "../../../sdk/schema/image";
import { Pool } from "../../../sdk/schema/pool";
import { Region } from "../../../sdk/schema/region";
import { FUNCTIONS, INTERNAL_INPUTS, type NativeResource, PACKAGE, RESOURCES } from "../native/resources";
import { pluginVersion } from "../native/plugin-info";

/** The JSON Schema subset TypeBox produces for these resources. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
}

export interface TypeRef {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  $ref?: string;
  items?: TypeRef;
  additionalProperties?: TypeRef;
}

export interface PropertySpec extends TypeRef {
  description?: string;
  secret?: boolean;
  replaceOnChanges?: boolean;
  willReplaceOnChanges?: boolean;
  defaultInfo?: { environment: string[] };
}

export interface ObjectTypeSpec {
  type: "object";
  description?: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
}

export interface ResourceSpec extends ObjectTypeSpec {
  inputProperties: Record<string, PropertySpec>;
  requiredInputs?: string[];
  aliases?: { type: string }[];
}

export interface FunctionSpec {
  description: string;
  inputs: ObjectTypeSpec;
  outputs: ObjectTypeSpec;
}

export interface PackageSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  keywords: string[];
  license: string;
  publisher: string;
  meta: { moduleFormat: string };
  config: { variables: Record<string, PropertySpec> };
  provider: ResourceSpec;
  resources: Record<string, ResourceSpec>;
  functions: Record<string, FunctionSpec>;
  types: Record<string, ObjectTypeSpec>;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const singular = (s: string) => (s.length > 2 && s.endsWith("s") ? s.slice(0, -1) : s);
export const typeToken = (name: string) => `${PACKAGE}:index:${name}`;

/** What a property of a resource knows about itself, from the model's annotations. */
type Annotations = (dotted: string) => FieldAnnotations | undefined;

interface Context {
  types: Record<string, ObjectTypeSpec>;
  annotations: Annotations;
}

function withoutNull(s: JsonSchema): JsonSchema {
  if (s.anyOf) {
    const rest = s.anyOf.filter((x) => x.type !== "null");
    if (rest.length === 1) return { ...rest[0], description: s.description ?? rest[0]!.description };
    return { ...s, anyOf: rest };
  }
  return s;
}

function isNullable(s: JsonSchema): boolean {
  return (s.anyOf ?? []).some((x) => x.type === "null");
}

/** Merged properties of an object or an intersection (allOf) of objects. */
function objectParts(
  s: JsonSchema,
): { properties: Record<string, JsonSchema>; required: string[] } | undefined {
  if (s.allOf) {
    const parts = s.allOf.map(objectParts);
    if (parts.some((p) => p === undefined)) return undefined;
    return {
      properties: Object.assign({}, ...parts.map((p) => p!.properties)),
      required: [...new Set(parts.flatMap((p) => p!.required))],
    };
  }
  if (s.properties) return { properties: s.properties, required: s.required ?? [] };
  return undefined;
}

/** The closed set of a string enum or a union of string literals, if `s` is one. */
function stringChoices(s: JsonSchema): string[] | undefined {
  if (Array.isArray(s.enum) && s.enum.every((x) => typeof x === "string")) return s.enum as string[];
  if (s.anyOf?.every((x) => typeof x.const === "string")) return s.anyOf.map((x) => x.const as string);
  if (typeof s.const === "string") return [s.const];
  return undefined;
}

function describe(base: string | undefined, choices?: string[]): string | undefined {
  if (!choices) return base;
  const list = `One of: ${choices.map((c) => `\`${c}\``).join(", ")}.`;
  if (!base) return list;
  return base.includes(choices[0]!) ? base : `${base.replace(/\.?$/, ".")} ${list}`;
}

function typeRef(
  s0: JsonSchema,
  name: string,
  path: string,
  ctx: Context,
): { ref: TypeRef; choices?: string[] } {
  const s = withoutNull(s0);
  const choices = stringChoices(s);
  if (choices) return { ref: { type: "string" }, choices };
  const obj = objectParts(s);
  if (obj) {
    objectType(name, s, obj, path, ctx);
    return { ref: { $ref: `#/types/${typeToken(name)}` } };
  }
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  switch (t) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { ref: { type: t } };
    case "array": {
      const item = typeRef(s.items ?? {}, singular(name), `${path}[]`, ctx);
      return { ref: { type: "array", items: item.ref } };
    }
    case "object":
      return { ref: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } } };
    default:
      return { ref: { $ref: "pulumi.json#/Any" } };
  }
}

function propertySpec(s: JsonSchema, name: string, path: string, ctx: Context): PropertySpec {
  const { ref, choices } = typeRef(s, name, path, ctx);
  const a = ctx.annotations(path);
  const description = describe(a?.description ?? withoutNull(s).description ?? s.description, choices);
  // No `default`: the region applies its defaults, and an SDK that filled them in would make
  // states written without them (the dynamic resources') differ from the program.
  return {
    ...ref,
    ...(description ? { description } : {}),
    ...(a?.secret ? { secret: true } : {}),
  };
}

function objectType(
  name: string,
  s: JsonSchema,
  obj: { properties: Record<string, JsonSchema>; required: string[] },
  path: string,
  ctx: Context,
): void {
  const token = typeToken(name);
  if (ctx.types[token]) return;
  const spec: ObjectTypeSpec = { type: "object", properties: {} };
  if (s.description) spec.description = s.description;
  // Registered before its properties: a recursive type would refer to itself.
  ctx.types[token] = spec;
  for (const [k, v] of Object.entries(obj.properties)) {
    spec.properties[k] = propertySpec(v, `${name}${cap(k)}`, `${path}.${k}`, ctx);
  }
  const required = obj.required.filter((k) => !isNullable(obj.properties[k]!));
  if (required.length > 0) spec.required = required;
}

function annotationsOf(r: NativeResource): Annotations {
  // Types nested in arrays are annotated on the array's field (`inventory.storage`).
  return (dotted) => r.model.fields[dotted.replace(/\[\]/g, "")];
}

function resourceSpec(r: NativeResource, ctx: Context): ResourceSpec {
  const annotated: Context = { ...ctx, annotations: annotationsOf(r) };
  const inputs = objectParts(r.inputs as JsonSchema)!;
  const output = objectParts(r.model.output as JsonSchema)!;
  const replaceOn = new Set(r.rules.replaceOn);
  const inputNames = Object.keys(inputs.properties).filter((k) => !INTERNAL_INPUTS.includes(k));
  const replaceFlags = (k: string) =>
    replaceOn.has(k) ? { replaceOnChanges: true, willReplaceOnChanges: true } : {};

  const inputProperties: Record<string, PropertySpec> = {};
  for (const k of inputNames) {
    inputProperties[k] = {
      ...propertySpec(inputs.properties[k]!, `${r.name}${cap(k)}`, k, annotated),
      ...replaceFlags(k),
    };
  }
  // Outputs: the region's object, where each input reads back as declared (a BMC password
  // the region never returns stays in the state as it was set).
  const properties: Record<string, PropertySpec> = {};
  const outputNames = [...new Set([...Object.keys(output.properties), ...inputNames])].filter(
    (k) => k !== "id",
  );
  for (const k of outputNames) {
    const s = inputs.properties[k] ?? output.properties[k]!;
    properties[k] = { ...propertySpec(s, `${r.name}${cap(k)}`, k, annotated), ...replaceFlags(k) };
  }
  // What a read by id cannot return is not always there (an imported rack has no token).
  const unreadable = new Set([...fieldsWith(r.model, "writeOnly"), ...fieldsWith(r.model, "secret")]);
  const required = output.required.filter(
    (k) =>
      k !== "id" && !isNullable(output.properties[k]!) && !(unreadable.has(k) && !inputNames.includes(k)),
  );
  return {
    type: "object",
    description: r.model.description,
    properties,
    required: required.sort(),
    inputProperties,
    requiredInputs: inputs.required.filter((k) => !INTERNAL_INPUTS.includes(k)),
    aliases: [{ type: r.legacyType }],
  };
}

const nameFilter = (what: string): ObjectTypeSpec => ({
  type: "object",
  properties: { name: { type: "string", description: `Only the ${what} with this name.` } },
});

function listFunction(
  what: string,
  listName: string,
  item: TSchema,
  itemType: string,
  description: string,
  listDescription: string,
  ctx: Context,
  extra: Record<string, PropertySpec> = {},
): FunctionSpec {
  const annotated: Context = { ...ctx, annotations: () => undefined };
  const list = propertySpec(
    { type: "array", items: item as JsonSchema, description: listDescription },
    itemType,
    listName,
    annotated,
  );
  return {
    description,
    inputs: nameFilter(what),
    outputs: {
      type: "object",
      properties: {
        name: { type: "string", description: "The name filter, as given." },
        ...extra,
        [listName]: list,
      },
      required: [...Object.keys(extra), listName].sort(),
    },
  };
}

const CONFIG: Record<string, PropertySpec> = {
  endpoint: {
    type: "string",
    description: "URL of the fibrix region API, e.g. https://girona.fibrix.example (or FIBRIX_ENDPOINT).",
    defaultInfo: { environment: ["FIBRIX_ENDPOINT"] },
  },
  apiKey: {
    type: "string",
    secret: true,
    description: "API key (fbx_…) the provider authenticates with (or FIBRIX_API_KEY). Secret.",
    defaultInfo: { environment: ["FIBRIX_API_KEY"] },
  },
  // Public material (a CA certificate, a fingerprint): not secrets.
  caBundle: {
    type: "string",
    description:
      "CA certificate(s) to trust for the region's TLS certificate: PEM text or a PEM file's path (or FIBRIX_CA_BUNDLE).",
    defaultInfo: { environment: ["FIBRIX_CA_BUNDLE"] },
  },
  fingerprint: {
    type: "string",
    description:
      "SHA-256 fingerprint of the region's TLS certificate to trust exactly, hex with or without colons (or FIBRIX_TLS_FINGERPRINT).",
    defaultInfo: { environment: ["FIBRIX_TLS_FINGERPRINT"] },
  },
};

export function packageSchema(): PackageSchema {
  const ctx: Context = { types: {}, annotations: () => undefined };
  const resources: Record<string, ResourceSpec> = {};
  for (const r of RESOURCES) resources[r.token] = resourceSpec(r, ctx);
  const functions: Record<string, FunctionSpec> = {
    [FUNCTIONS.getRegions]: listFunction(
      "region",
      "regions",
      Region,
      "GetRegionsRegion",
      "Lists the regions (sites) of the installation.",
      "Regions, each with id, name, dnsDomain, nameservers…",
      ctx,
    ),
    [FUNCTIONS.getPools]: listFunction(
      "pool",
      "pools",
      Pool,
      "GetPoolsPool",
      "Lists the resource pools visible to the provider's API key.",
      "Pools, each with id, name, ratios, capacity and usage.",
      ctx,
    ),
    [FUNCTIONS.getImages]: listFunction(
      "image",
      "images",
      Image,
      "GetImagesImage",
      "Lists the base images a VirtualMachine can be created from.",
      "Images, each with id, name, os, format, status and its state on every VM host.",
      ctx,
      {
        names: {
          type: "array",
          items: { type: "string" },
          description: "Image names, e.g. ubuntu-24.04 (the value of a VM's image), sorted.",
        },
      },
    ),
  };
  const sortedTypes = Object.fromEntries(Object.entries(ctx.types).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: PACKAGE,
    displayName: "Fibrix Metal",
    version: pluginVersion(),
    description:
      "Metal as a Service for a small ISP: regions, rack controllers, PE860 machines over IPMI 1.5, pools and libvirt VMs.",
    keywords: ["pulumi", "fibrix", "maas", "bare-metal", "category/infrastructure", "kind/native"],
    license: "Apache-2.0",
    publisher: "Fibrix",
    meta: { moduleFormat: "(.*)" },
    config: { variables: CONFIG },
    provider: {
      type: "object",
      description: "The fibrix provider: which region API to talk to, with which key.",
      properties: CONFIG,
      inputProperties: CONFIG,
    },
    resources,
    functions,
    types: sortedTypes,
  };
}

/** The schema as committed (stable key order, two-space indent, final newline). */
export function packageSchemaText(): string {
  return `${JSON.stringify(packageSchema(), null, 2)}\n`;
}
