/**
 * `check`: inputs are validated against the same TypeBox schema the region validates requests
 * with (sdk/schema/*.ts), with ajv as the region does, before any call to the region. Each
 * failure names the property the way Pulumi shows it (`power.password`, `macs[0]`).
 *
 * During a preview, inputs computed from other resources are the engine's "unknown" sentinel;
 * those are not judged (they are checked again at `up`, when known).
 */
import type { TSchema } from "@sinclair/typebox";
import { declaredRuleErrors, schemaErrors, withoutRepeats } from "../../sdk/model/input-check";
import type { ResourceModel, RuleContext } from "../../sdk/model/resource-model";

/** What the engine sends for a value not known yet (sdk/nodejs/runtime/rpc.ts `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  property: string;
  reason: string;
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

/** The engine's unknowns, as the model's rules are told about them. */
export const PREVIEW: RuleContext = { unknown: (v) => v === UNKNOWN };

/** One failure per property, in ajv's order; unknown (preview) values are skipped. */
export function checkAgainst(schema: TSchema, value: unknown): CheckFailure[] {
  return schemaErrors(schema, value, PREVIEW, "property").map(asFailure);
}

function asFailure(e: { field: string; reason: string }): CheckFailure {
  return { property: propertyPath(e.field) || "(inputs)", reason: e.reason };
}

/**
 * Check of a resource's inputs: the provider's input schema (the model's create schema plus
 * the provider's own knobs), then the model's rules, as the region and Terraform check them.
 */
export function checkInputs(
  model: ResourceModel,
  inputs: TSchema,
  news: Record<string, unknown>,
  /** What the rules may assume beyond the inputs (a password the region keeps). */
  extra: Omit<RuleContext, "unknown"> = {},
): CheckFailure[] {
  const picked = pick(news, keysOf(inputs as { properties?: Record<string, unknown> }));
  return withoutRepeats([
    ...schemaErrors(inputs, picked, PREVIEW, "property"),
    ...declaredRuleErrors(model, news, { ...PREVIEW, ...extra }),
  ]).map(asFailure);
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
