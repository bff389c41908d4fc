/**
 * The Terraform schema of a resource, derived from the shared TypeBox schemas (sdk/schema/)
 * so that Terraform, Pulumi and the REST API cannot drift apart:
 * - a field of the Create schema that `required` lists is `required`; other Create fields are
 *   `optional`, and also `computed` when the API returns them (the region fills a default);
 * - a field only the output has (id, status, ip, …) is `computed`;
 * - a Create field absent from the Update schema cannot change in place: changing it replaces
 *   the object (design.md "replace on");
 * - a Create field the API never returns (a BMC password, cloud-init user data) is write-only:
 *   the state keeps what the configuration said;
 * - an input object (power, dhcpRange, deploy) becomes a nested attribute (tfplugin6
 *   `Schema.Object`, nesting SINGLE) whose attributes follow the same rules; output-only
 *   objects (inventory, capacity) are plain object-typed computed attributes.
 */
import type { TSchema } from "@sinclair/typebox";
import { toSnake } from "./naming";
import { listOf, mapOf, objectOf, TfBool, TfNumber, TfString, type TfType } from "./tf-type";

export interface TfAttribute {
  /** Terraform name (snake_case). */
  name: string;
  /** The API's name for it (camelCase). */
  apiName: string;
  type: TfType;
  /** Set for input objects: the nested attributes (nesting SINGLE). */
  nested?: TfAttribute[];
  description: string;
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  /** In the Update schema: changes apply in place. Otherwise a change forces replacement. */
  updatable: boolean;
  /** Never returned by the API: state keeps the configured value. */
  writeOnly: boolean;
  /** Terraform-only (timeouts, force_destroy): never sent to the API. */
  local?: boolean;
}

export interface TfSchema {
  version: number;
  description: string;
  attributes: TfAttribute[];
}

export interface SchemaSource {
  description: string;
  create?: TSchema;
  update?: TSchema;
  output: TSchema;
  /** API field names (at any depth) that are secrets. */
  sensitive?: readonly string[];
  /** API field names (top level) left out of the Terraform schema. */
  exclude?: readonly string[];
  /** Terraform-only attributes appended to the derived ones (local-attributes.ts). */
  extra?: readonly TfAttribute[];
  /** Descriptions by API field name, for fields whose TypeBox schema has none. */
  descriptions?: Readonly<Record<string, string>>;
  version?: number;
}

interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  patternProperties?: Record<string, JsonSchema>;
}

/** Properties and required names of an object schema, merging `allOf` (Type.Intersect). */
function objectParts(s: JsonSchema | undefined): {
  props: Record<string, JsonSchema>;
  required: Set<string>;
} {
  const props: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  if (!s) return { props, required };
  const u = unwrapNullable(s);
  for (const part of [u, ...(u.allOf ?? [])]) {
    Object.assign(props, part.properties ?? {});
    for (const r of part.required ?? []) required.add(r);
  }
  return { props, required };
}

/** `X | null` is X: Terraform values are nullable anyway. */
function unwrapNullable(s: JsonSchema): JsonSchema {
  if (s.anyOf) {
    const nonNull = s.anyOf.filter((m) => m.type !== "null");
    if (nonNull.length === 1) return unwrapNullable(nonNull[0]!);
  }
  return s;
}

function isObjectSchema(s: JsonSchema | undefined): boolean {
  if (!s) return false;
  const u = unwrapNullable(s);
  return (u.type === "object" && u.properties !== undefined) || u.allOf !== undefined;
}

/** The Terraform type of a JSON schema (keys of objects in snake_case). */
export function tfTypeOf(schema: TSchema | JsonSchema): TfType {
  const s = unwrapNullable(schema as JsonSchema);
  if (s.anyOf) {
    // A union of literals (Type.Union([Type.Literal("on"), …])) is a string enum.
    if (s.anyOf.every((m) => typeof m.const === "string")) return TfString;
    return tfTypeOf(s.anyOf[0]!);
  }
  if (s.allOf || (s.type === "object" && s.properties)) {
    const { props } = objectParts(s);
    return objectOf(Object.fromEntries(Object.entries(props).map(([k, v]) => [toSnake(k), tfTypeOf(v)])));
  }
  if (s.type === "object" && s.patternProperties) {
    const value = Object.values(s.patternProperties)[0];
    return mapOf(value ? tfTypeOf(value) : TfString);
  }
  switch (s.type) {
    case "integer":
    case "number":
      return TfNumber;
    case "boolean":
      return TfBool;
    case "array":
      return listOf(s.items ? tfTypeOf(s.items) : TfString);
    default:
      return TfString;
  }
}

function deriveAttributes(
  input: JsonSchema | undefined,
  output: JsonSchema | undefined,
  updatable: (apiName: string) => boolean,
  src: SchemaSource,
  top: boolean,
): TfAttribute[] {
  const inp = objectParts(input);
  const out = objectParts(output);
  const names = [...new Set([...Object.keys(inp.props), ...Object.keys(out.props)])];
  const attrs: TfAttribute[] = [];
  for (const apiName of names) {
    if (top && src.exclude?.includes(apiName)) continue;
    const inSchema = inp.props[apiName];
    const outSchema = out.props[apiName];
    const required = inSchema !== undefined && inp.required.has(apiName);
    const optional = inSchema !== undefined && !required;
    const computed = outSchema !== undefined && !required;
    const base = (inSchema ?? outSchema)!;
    const description =
      src.descriptions?.[apiName] ?? unwrapNullable(base).description ?? base.description ?? "";
    const attr: TfAttribute = {
      name: toSnake(apiName),
      apiName,
      type: tfTypeOf(base),
      description,
      required,
      optional,
      computed,
      sensitive: src.sensitive?.includes(apiName) ?? false,
      updatable: updatable(apiName),
      writeOnly: inSchema !== undefined && outSchema === undefined,
    };
    if (inSchema && isObjectSchema(inSchema)) {
      const nestedOut = outSchema && isObjectSchema(outSchema) ? outSchema : undefined;
      attr.nested = deriveAttributes(inSchema, nestedOut, () => attr.updatable, src, false);
      attr.type = objectOf(Object.fromEntries(attr.nested.map((a) => [a.name, a.type])));
    }
    attrs.push(attr);
  }
  // `id` first, then inputs, then outputs: the order users read in docs and plans.
  const rank = (a: TfAttribute) => (a.name === "id" ? 0 : a.required ? 1 : a.optional ? 2 : 3);
  return attrs.sort((a, b) => rank(a) - rank(b));
}

export function deriveSchema(src: SchemaSource): TfSchema {
  const update = objectParts(src.update as JsonSchema | undefined);
  return {
    version: src.version ?? 0,
    description: src.description,
    attributes: [
      ...deriveAttributes(
        src.create as JsonSchema | undefined,
        src.output as JsonSchema,
        (n) => update.props[n] !== undefined,
        src,
        true,
      ),
      ...(src.extra ?? []),
    ],
  };
}

export function attributeType(attrs: readonly TfAttribute[]): TfType {
  return objectOf(Object.fromEntries(attrs.map((a) => [a.name, a.type])));
}

/** The object type of a whole resource or data source value. */
export function schemaType(s: TfSchema): TfType {
  return attributeType(s.attributes);
}

export function findAttribute(s: TfSchema, name: string): TfAttribute | undefined {
  return s.attributes.find((a) => a.name === name);
}
