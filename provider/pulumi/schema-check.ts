/**
 * `check`: inputs are validated against the same TypeBox schema the region validates requests
 * with (sdk/schema/*.ts), with ajv as the region does, before any call to the region. Each
 * failure names the property the way Pulumi shows it (`power.password`, `macs[0]`).
 *
 * During a preview, inputs computed from other resources are the engine's "unknown" sentinel;
 * those are not judged (they are checked again at `up`, when known).
 */
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { explainSchemaError } from "../../sdk/schema-errors";

/** What the engine sends for a value not known yet (sdk/nodejs/runtime/rpc.ts `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  property: string;
  reason: string;
}

const ajv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false }));
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** JSON pointer (`/power/password`, `/macs/0`) to a Pulumi property path (`power.password`, `macs[0]`). */
export function propertyPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of pointer.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return cur;
}

/** Whether the value, or anything on the path to it, is not known yet. */
function touchesUnknown(root: unknown, pointer: string): boolean {
  const segs = pointer.split("/").slice(1);
  for (let i = 0; i <= segs.length; i++) {
    if (valueAt(root, `/${segs.slice(0, i).join("/")}`.replace(/^\/$/, "")) === UNKNOWN) return true;
  }
  return false;
}

/** One failure per property, in ajv's order; unknown (preview) values are skipped. */
export function checkAgainst(schema: object, value: unknown): CheckFailure[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const out = new Map<string, string>();
  for (const e of validate.errors ?? []) {
    const x = explainSchemaError(e, "property");
    if (!x) continue;
    if (e.keyword !== "required" && touchesUnknown(value, e.instancePath)) continue;
    const property = propertyPath(x.pointer) || "(inputs)";
    if (!out.has(property)) out.set(property, x.reason);
  }
  return [...out].map(([property, reason]) => ({ property, reason }));
}

/** Drops keys whose value is undefined (Pulumi passes absent optionals that way in-process). */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The subset of `inputs` named by `keys`, without undefined values. */
export function pick<T extends object, K extends string>(inputs: T, keys: readonly K[]): Partial<T> {
  const o = inputs as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Partial<T>;
}

/** The property names of a TypeBox/JSON-Schema object. */
export function keysOf(schema: { properties?: Record<string, unknown> }): string[] {
  return Object.keys(schema.properties ?? {});
}
