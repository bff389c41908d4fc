/**
 * A derived schema as tfplugin6.proto `Schema` (for GetProviderSchema): attribute types are
 * JSON-encoded cty types in bytes; input objects are nested attributes (`nested_type`,
 * nesting SINGLE), which carry no `type` of their own.
 */
import type { TfAttribute, TfSchema } from "./schema";
import { typeToJson } from "./tf-type";

export interface ProtoAttribute {
  name: string;
  type: Buffer;
  nested_type: { attributes: ProtoAttribute[]; nesting: "SINGLE" } | null;
  description: string;
  description_kind: "PLAIN";
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  deprecated: boolean;
}

export interface ProtoSchema {
  version: number;
  block: {
    version: number;
    attributes: ProtoAttribute[];
    block_types: never[];
    description: string;
    description_kind: "PLAIN";
    deprecated: boolean;
  };
}

function attribute(a: TfAttribute): ProtoAttribute {
  return {
    name: a.name,
    type: a.nested ? Buffer.alloc(0) : Buffer.from(JSON.stringify(typeToJson(a.type))),
    nested_type: a.nested ? { attributes: a.nested.map(attribute), nesting: "SINGLE" } : null,
    description: a.description,
    description_kind: "PLAIN",
    required: a.required,
    optional: a.optional,
    computed: a.computed,
    sensitive: a.sensitive,
    deprecated: false,
  };
}

export function toProtoSchema(s: TfSchema): ProtoSchema {
  return {
    version: s.version,
    block: {
      version: s.version,
      attributes: s.attributes.map(attribute),
      block_types: [],
      description: s.description,
      description_kind: "PLAIN",
      deprecated: false,
    },
  };
}
