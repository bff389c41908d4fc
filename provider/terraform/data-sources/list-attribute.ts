/** The attributes every list data source shares: an optional name filter and the list. */
import type { TSchema } from "@sinclair/typebox";
import type { TfAttribute } from "../schema";
import { tfTypeOf } from "../schema";
import { listOf, TfString } from "../tf-type";

export function nameFilterAttribute(what: string): TfAttribute {
  return {
    name: "name",
    apiName: "name",
    type: TfString,
    description: `Only the ${what} with this name.`,
    required: false,
    optional: true,
    computed: false,
    sensitive: false,
    updatable: true,
    writeOnly: false,
  };
}

export function listAttribute(name: string, item: TSchema, description: string): TfAttribute {
  return {
    name,
    apiName: name,
    type: listOf(tfTypeOf(item)),
    description,
    required: false,
    optional: false,
    computed: true,
    sensitive: false,
    updatable: false,
    writeOnly: false,
  };
}
