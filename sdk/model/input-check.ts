/**
 * The check every face makes of a desired state before any call: the model's JSON Schema,
 * validated with ajv as the region validates requests (sdk/schema-errors.ts explains each error
 * the same way), then the model's own rules. The region's routes, Pulumi's Check and
 * Terraform's ValidateResourceConfig all call this, so one invalid input gets the same field
 * and reason from all three.
 *
 * Values not known yet (a preview's or a plan's unknowns) are not judged: a schema error at or
 * under an unknown value is dropped, and rules skip what they cannot see.
 */
import type { TSchema } from "@sinclair/typebox";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FieldError } from "../errors";
import { explainSchemaError } from "../schema-errors";
import type { ResourceModel, RuleContext, Values } from "./resource-model";

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

function unescapeSegment(seg: string): string {
  return seg.replace(/~1/g, "/").replace(/~0/g, "~");
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of pointer.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[unescapeSegment(seg)];
  }
  return cur;
}

/** Whether the value at `pointer`, or one on the path to it, is not known yet. */
function touchesUnknown(root: unknown, pointer: string, unknown: (v: unknown) => boolean): boolean {
  const segs = pointer.split("/").slice(1);
  for (let i = 0; i <= segs.length; i++) {
    const p = i === 0 ? "" : `/${segs.slice(0, i).join("/")}`;
    if (unknown(valueAt(root, p))) return true;
  }
  return false;
}

/** Schema errors of `value`, one per field in ajv's order. `noun` names an unknown key. */
export function schemaErrors(
  schema: TSchema,
  value: unknown,
  ctx: Pick<RuleContext, "unknown">,
  noun: "field" | "property" = "field",
): FieldError[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const out = new Map<string, string>();
  for (const e of validate.errors ?? []) {
    const x = explainSchemaError(e, noun);
    if (!x) continue;
    if (e.keyword !== "required" && touchesUnknown(value, e.instancePath, ctx.unknown)) continue;
    if (!out.has(x.pointer)) out.set(x.pointer, x.reason);
  }
  return [...out].map(([field, reason]) => ({ field, reason }));
}

/** A model's rules of a declared state (a provider's inputs): its rules and declaration rules. */
export function declaredRuleErrors(model: ResourceModel, desired: Values, ctx: RuleContext): FieldError[] {
  return [...(model.rules?.(desired, ctx) ?? []), ...(model.declarationRules?.(desired, ctx) ?? [])];
}

/** The whole check of a declared state, as the providers make it: schema, then the rules. */
export function checkDesired(
  model: ResourceModel,
  desired: Values,
  ctx: RuleContext,
  noun: "field" | "property" = "field",
): FieldError[] {
  return withoutRepeats([
    ...schemaErrors(model.create, desired, ctx, noun),
    ...declaredRuleErrors(model, desired, ctx),
  ]);
}

/** The first error per field (a field the schema refuses is not judged again by a rule). */
export function withoutRepeats(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (seen.has(e.field)) return false;
    seen.add(e.field);
    return true;
  });
}

/** Whether `v` is, or holds, a value `unknown` says is not known yet. */
export function holdsUnknown(v: unknown, unknown: (v: unknown) => boolean): boolean {
  if (unknown(v)) return true;
  if (Array.isArray(v)) return v.some((x) => holdsUnknown(x, unknown));
  if (v !== null && typeof v === "object") return Object.values(v).some((x) => holdsUnknown(x, unknown));
  return false;
}
