/**
 * API objects (camelCase JSON) ↔ Terraform values (snake_case, every attribute present), by
 * the derived schema. Write-only inputs and values the API shows only once (a rack's
 * enrollment token) are taken from the previous state, since the region never returns them.
 */
import { type TfObject, type TfValue, UNKNOWN } from "./dynamic-value";
import { toCamel, toSnake } from "./naming";
import type { TfAttribute, TfSchema } from "./schema";
import type { TfType } from "./tf-type";

export type ApiObject = Record<string, unknown>;

/** An API value as a Terraform value of type `t` (object keys to snake_case). */
export function apiValueToTf(v: unknown, t: TfType): TfValue {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "string":
      return typeof v === "string" ? v : JSON.stringify(v);
    case "number":
      return typeof v === "number" ? v : Number(v);
    case "bool":
      return Boolean(v);
    case "list":
    case "set":
      return Array.isArray(v) ? v.map((x) => apiValueToTf(x, t.element)) : null;
    case "map": {
      if (typeof v !== "object") return null;
      const out: TfObject = {};
      for (const [k, x] of Object.entries(v as ApiObject)) out[k] = apiValueToTf(x, t.element);
      return out;
    }
    case "object": {
      if (typeof v !== "object" || Array.isArray(v)) return null;
      const byName = new Map(Object.entries(v as ApiObject).map(([k, x]) => [toSnake(k), x]));
      const out: TfObject = {};
      for (const [k, at] of Object.entries(t.attributes)) out[k] = apiValueToTf(byName.get(k), at);
      return out;
    }
  }
}

function asObject(v: TfValue | undefined): TfObject | null {
  return v !== null && v !== undefined && v !== UNKNOWN && typeof v === "object" && !Array.isArray(v)
    ? (v as TfObject)
    : null;
}

function attrsToState(attrs: readonly TfAttribute[], api: ApiObject, previous: TfObject | null): TfObject {
  const out: TfObject = {};
  for (const a of attrs) {
    const prev = previous?.[a.name];
    const raw = api[a.apiName];
    if (a.writeOnly || raw === undefined) {
      out[a.name] = prev === undefined || prev === UNKNOWN ? null : prev;
    } else if (a.nested) {
      out[a.name] =
        raw === null || typeof raw !== "object"
          ? null
          : attrsToState(a.nested, raw as ApiObject, asObject(prev));
    } else {
      out[a.name] = apiValueToTf(raw, a.type);
    }
  }
  return out;
}

/** The Terraform state of an API object; `previous` supplies what the API does not return. */
export function apiToState(schema: TfSchema, api: ApiObject, previous: TfObject | null): TfObject {
  return attrsToState(schema.attributes, api, previous);
}

function tfValueToApi(v: TfValue, t: TfType): unknown {
  if (v === null || v === UNKNOWN) return undefined;
  switch (t.kind) {
    case "list":
    case "set":
      return Array.isArray(v) ? v.map((x) => tfValueToApi(x, t.element)) : undefined;
    case "object": {
      // Objects inside lists (a VM's networks, a group's rules): API names, nulls left out.
      if (typeof v !== "object" || Array.isArray(v)) return v;
      const out: ApiObject = {};
      for (const [k, at] of Object.entries(t.attributes)) {
        const x = tfValueToApi((v as TfObject)[k] ?? null, at);
        if (x !== undefined) out[toCamel(k, [])] = x;
      }
      return out;
    }
    case "map":
      return v;
    default:
      return v;
  }
}

/** The API body of input attributes; nulls and unknowns are left out. */
export function stateToApi(
  attrs: readonly TfAttribute[],
  value: TfObject,
  include: (a: TfAttribute) => boolean = () => true,
): ApiObject {
  const body: ApiObject = {};
  for (const a of attrs) {
    if (!(a.required || a.optional) || a.local || !include(a)) continue;
    const v = value[a.name];
    if (v === null || v === undefined || v === UNKNOWN) continue;
    if (a.nested) {
      const o = asObject(v);
      if (o) body[a.apiName] = stateToApi(a.nested, o);
    } else {
      const x = tfValueToApi(v, a.type);
      if (x !== undefined) body[a.apiName] = x;
    }
  }
  return body;
}

/** Deep equality of Terraform values (unknown equals only unknown). */
export function sameValue(a: TfValue | undefined, b: TfValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
    );
  }
  if (typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!sameValue((a as TfObject)[k], (b as TfObject)[k])) return false;
    return true;
  }
  return false;
}
