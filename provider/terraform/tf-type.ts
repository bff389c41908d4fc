/**
 * Terraform's type system as the plugin protocol carries it: a schema attribute's `type` is
 * the JSON encoding of a cty type (`"string"`, `["list","string"]`, `["object",{…}]`), and
 * every DynamicValue is decoded against one of these.
 */

export type TfType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "bool" }
  | { kind: "list"; element: TfType }
  | { kind: "set"; element: TfType }
  | { kind: "map"; element: TfType }
  | { kind: "object"; attributes: Record<string, TfType> };

export const TfString: TfType = { kind: "string" };
export const TfNumber: TfType = { kind: "number" };
export const TfBool: TfType = { kind: "bool" };
export const listOf = (element: TfType): TfType => ({ kind: "list", element });
export const mapOf = (element: TfType): TfType => ({ kind: "map", element });
export const objectOf = (attributes: Record<string, TfType>): TfType => ({ kind: "object", attributes });

export type TypeJson = string | [string, TypeJson] | ["object", Record<string, TypeJson>];

/** The cty JSON type encoding (hashicorp/go-cty `ctyjson.MarshalType`). */
export function typeToJson(t: TfType): TypeJson {
  switch (t.kind) {
    case "string":
    case "number":
    case "bool":
      return t.kind;
    case "list":
    case "set":
    case "map":
      return [t.kind, typeToJson(t.element)];
    case "object":
      return [
        "object",
        Object.fromEntries(Object.entries(t.attributes).map(([k, v]) => [k, typeToJson(v)])),
      ] as ["object", Record<string, TypeJson>];
  }
}

export function typeFromJson(j: unknown): TfType {
  if (j === "string" || j === "number" || j === "bool") return { kind: j };
  if (Array.isArray(j) && j.length === 2) {
    const [k, inner] = j as [unknown, unknown];
    if (k === "list" || k === "set" || k === "map") return { kind: k, element: typeFromJson(inner) };
    if (k === "object" && inner && typeof inner === "object") {
      return objectOf(
        Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).map(([n, v]) => [n, typeFromJson(v)]),
        ),
      );
    }
  }
  throw new Error(`unsupported Terraform type ${JSON.stringify(j)}`);
}
