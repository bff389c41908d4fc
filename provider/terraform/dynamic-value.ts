/**
 * DynamicValue ↔ JS (tfplugin6.proto `DynamicValue`). Terraform core sends and expects
 * msgpack: an object is a map holding every attribute of its type (null when unset), numbers
 * are ints, float64s or (for big numbers) decimal strings, and a value not known until apply is
 * the msgpack extension type 0 (go-cty `msgpack/unknown.go`; type 12 carries refinements,
 * which we read as a plain unknown). The JSON encoding is only used for raw states
 * (UpgradeResourceState), where unknowns cannot occur.
 */
import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import type { TfType } from "./tf-type";

/** A value that Terraform will only know after apply. */
export const UNKNOWN: unique symbol = Symbol.for("fibrix.terraform.unknown");
export type Unknown = typeof UNKNOWN;

export type TfValue = string | number | boolean | null | Unknown | TfValue[] | TfObject;
export interface TfObject {
  [attribute: string]: TfValue;
}

export class DynamicValueError extends Error {
  readonly code = "DYNAMIC_VALUE";
  readonly retryable = false;
  constructor(
    message: string,
    readonly path: (string | number)[],
  ) {
    super(path.length ? `${path.join(".")}: ${message}` : message);
    this.name = "DynamicValueError";
  }
}

const CTY_UNKNOWN = 0;
const CTY_UNKNOWN_REFINED = 12;

const codec = new ExtensionCodec();
codec.register({
  type: CTY_UNKNOWN,
  encode: (v: unknown) => (v === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
codec.register({ type: CTY_UNKNOWN_REFINED, encode: () => null, decode: () => UNKNOWN });

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** True when `v` or anything inside it is unknown. */
export function containsUnknown(v: TfValue): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** Shapes a decoded value to its type: every object attribute present, numbers as numbers. */
export function conform(v: unknown, t: TfType, path: (string | number)[] = []): TfValue {
  if (v === null || v === undefined) return null;
  if (v === UNKNOWN) return UNKNOWN;
  switch (t.kind) {
    case "string":
      if (typeof v !== "string") throw new DynamicValueError(`expected a string, got ${typeof v}`, path);
      return v;
    case "number": {
      if (typeof v === "number") return v;
      if (typeof v === "bigint") return Number(v);
      // cty sends numbers that do not fit a float64 as decimal strings.
      if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
      throw new DynamicValueError(`expected a number, got ${typeof v}`, path);
    }
    case "bool":
      if (typeof v !== "boolean") throw new DynamicValueError(`expected a bool, got ${typeof v}`, path);
      return v;
    case "list":
    case "set":
      if (!Array.isArray(v)) throw new DynamicValueError(`expected a ${t.kind}`, path);
      return v.map((x, i) => conform(x, t.element, [...path, i]));
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) throw new DynamicValueError("expected a map", path);
      const out: TfObject = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out[k] = conform(x, t.element, [...path, k]);
      }
      return out;
    }
    case "object": {
      if (typeof v !== "object" || Array.isArray(v)) throw new DynamicValueError("expected an object", path);
      const src = v as Record<string, unknown>;
      const out: TfObject = {};
      for (const [k, at] of Object.entries(t.attributes)) out[k] = conform(src[k], at, [...path, k]);
      return out;
    }
  }
}

export function encodeValue(v: TfValue, t: TfType): Uint8Array {
  return encode(conform(v, t), { extensionCodec: codec, ignoreUndefined: false });
}

export function decodeValue(bytes: Uint8Array, t: TfType): TfValue {
  if (bytes.length === 0) return null;
  return conform(decode(bytes, { extensionCodec: codec, useBigInt64: false }), t);
}

export interface DynamicValueMsg {
  msgpack?: Uint8Array | null;
  json?: Uint8Array | null;
}

/** Reads a DynamicValue in whichever encoding it arrived; an absent value is null. */
export function fromDynamicValue(dv: DynamicValueMsg | null | undefined, t: TfType): TfValue {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return decodeValue(dv.msgpack, t);
  if (dv.json && dv.json.length > 0) return conform(JSON.parse(Buffer.from(dv.json).toString("utf8")), t);
  return null;
}

export function toDynamicValue(v: TfValue, t: TfType): { msgpack: Buffer } {
  return { msgpack: Buffer.from(encodeValue(v, t)) };
}
