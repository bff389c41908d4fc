/**
 * PlanResourceChange as pure logic (tfplugin6.proto `PlanResourceChange`): from the prior
 * state and Terraform's proposed new state, the planned state and the attributes whose change
 * forces a replacement.
 * - create: every computed attribute the configuration leaves null is unknown until apply;
 * - update: input changes to create-only attributes (not in the Update schema) require
 *   replacement, plus the resource's own rules (a VM disk may grow in place, not shrink);
 *   when anything changes, computed outputs the change can move (version, status, updated_at)
 *   become unknown, while stable ones (id, created_at, enrollment_token) keep their value;
 * - destroy: the planned state is null.
 */
import { type TfObject, type TfValue, UNKNOWN } from "./dynamic-value";
import type { TfAttribute, TfSchema } from "./schema";
import { sameValue } from "./state-mapping";

export interface PlanRules {
  schema: TfSchema;
  /** Computed attributes an update never changes. */
  stableComputed?: readonly string[];
  /** Create-only inputs whose change needs no action at all (a create-time flag). */
  ignoreChanges?: readonly string[];
  /** Extra replacement triggers, as attribute names. */
  replaceWhen?: (prior: TfObject, planned: TfObject) => string[];
}

export interface PlanResult {
  planned: TfObject | null;
  /** Top-level attribute names whose change forces replacement. */
  requiresReplace: string[];
  /** Input attributes that change in place. */
  changed: string[];
}

const ALWAYS_STABLE = ["id", "created_at"];

function unknownComputed(attrs: readonly TfAttribute[], v: TfObject): TfObject {
  const out: TfObject = { ...v };
  for (const a of attrs) {
    const cur = out[a.name] ?? null;
    if (a.computed && cur === null) out[a.name] = UNKNOWN;
    else if (a.nested && cur !== null && cur !== UNKNOWN && typeof cur === "object" && !Array.isArray(cur)) {
      out[a.name] = unknownComputed(a.nested, cur);
    }
  }
  return out;
}

export function planChange(rules: PlanRules, prior: TfObject | null, proposed: TfObject | null): PlanResult {
  if (proposed === null) return { planned: null, requiresReplace: [], changed: [] };
  if (prior === null) {
    return { planned: unknownComputed(rules.schema.attributes, proposed), requiresReplace: [], changed: [] };
  }
  const inputs = rules.schema.attributes.filter((a) => a.required || a.optional);
  const changed = inputs
    .filter((a) => !sameValue(prior[a.name] as TfValue, proposed[a.name] as TfValue))
    .map((a) => a.name);
  const ignored = new Set(rules.ignoreChanges ?? []);
  const byName = new Map(rules.schema.attributes.map((a) => [a.name, a]));
  const requiresReplace = changed.filter((n) => !byName.get(n)!.updatable && !ignored.has(n));
  for (const n of rules.replaceWhen?.(prior, proposed) ?? []) {
    if (!requiresReplace.includes(n)) requiresReplace.push(n);
  }
  const inPlace = changed.filter((n) => !ignored.has(n));
  const planned: TfObject = { ...proposed };
  if (inPlace.length > 0) {
    const stable = new Set([...ALWAYS_STABLE, ...(rules.stableComputed ?? [])]);
    for (const a of rules.schema.attributes) {
      if (a.computed && !a.optional && !stable.has(a.name)) planned[a.name] = UNKNOWN;
    }
  }
  return { planned, requiresReplace, changed: inPlace.filter((n) => !requiresReplace.includes(n)) };
}
