/**
 * The provider's schema in the `terraform providers schema -json` format (format_version 1.0),
 * which is what @cdktf/provider-generator reads to generate the CDKTF bindings.
 */
import { DATA_SOURCES, PROVIDER_ADDRESS, RESOURCES } from "./provider";
import { providerSchema } from "./provider-config";
import type { TfAttribute, TfSchema } from "./schema";
import { type TypeJson, typeToJson } from "./tf-type";

export interface AttributeJson {
  type?: TypeJson;
  nested_type?: { attributes: Record<string, AttributeJson>; nesting_mode: "single" };
  description?: string;
  description_kind: "plain";
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
}

export interface SchemaJson {
  version: number;
  block: { attributes: Record<string, AttributeJson>; description?: string; description_kind: "plain" };
}

export interface ProviderSchemasJson {
  format_version: "1.0";
  provider_schemas: Record<
    string,
    {
      provider: SchemaJson;
      resource_schemas: Record<string, SchemaJson>;
      data_source_schemas: Record<string, SchemaJson>;
    }
  >;
}

function attributeJson(a: TfAttribute): AttributeJson {
  const out: AttributeJson = { description_kind: "plain" };
  if (a.nested) {
    out.nested_type = {
      attributes: Object.fromEntries(a.nested.map((n) => [n.name, attributeJson(n)])),
      nesting_mode: "single",
    };
  } else out.type = typeToJson(a.type);
  if (a.description) out.description = a.description;
  if (a.required) out.required = true;
  if (a.optional) out.optional = true;
  if (a.computed) out.computed = true;
  if (a.sensitive) out.sensitive = true;
  return out;
}

export function schemaJson(s: TfSchema): SchemaJson {
  return {
    version: s.version,
    block: {
      attributes: Object.fromEntries(s.attributes.map((a) => [a.name, attributeJson(a)])),
      ...(s.description ? { description: s.description } : {}),
      description_kind: "plain",
    },
  };
}

export function providerSchemasJson(): ProviderSchemasJson {
  return {
    format_version: "1.0",
    provider_schemas: {
      [PROVIDER_ADDRESS]: {
        provider: schemaJson(providerSchema),
        resource_schemas: Object.fromEntries(RESOURCES.map((r) => [r.typeName, schemaJson(r.schema)])),
        data_source_schemas: Object.fromEntries(DATA_SOURCES.map((d) => [d.typeName, schemaJson(d.schema)])),
      },
    },
  };
}
