/**
 * `diff`, as a pure function of the old outputs and the new inputs: which properties changed,
 * which of those force a replacement (design.md, Resources table), and whether the old object
 * must go first because the replacement would clash with it on a unique field (a region or
 * pool name, a rack name, a machine's hostname or MACs, a tenant's VM name).
 *
 * A property the program leaves out (undefined) is not managed: the region's value stands.
 */
import { holdsUnknown } from "../../sdk/model/input-check";
import { comparedFields, type ResourceModel, topFieldsWith } from "../../sdk/model/resource-model";
import { PREVIEW, propertyPath } from "./schema-check";

export interface DiffRules {
  /** Properties compared (the create schema's, less create-only knobs). */
  compared: readonly string[];
  /** Changing any of these replaces the object. */
  replaceOn: readonly string[];
  /** Unique on the region: if unchanged, the old object must be deleted before the new one is made. */
  unique: readonly string[];
  /** Extra replacement reasons (e.g. a disk that shrinks); returns the properties to blame. */
  alsoReplace?: (olds: Record<string, unknown>, news: Record<string, unknown>) => string[];
  /** Clashes the `unique` equality test cannot see (e.g. MAC lists that overlap). */
  clashes?: (olds: Record<string, unknown>, news: Record<string, unknown>) => boolean;
}

/** A resource model's diff rules; `compared`: provider inputs beyond the API's (a VM's tenantId). */
export function diffRulesOf(model: ResourceModel, extra: { compared?: readonly string[] } = {}): DiffRules {
  const reasons = model.replaceReasons;
  const clashes = model.clashes;
  return {
    compared: [...comparedFields(model), ...(extra.compared ?? [])],
    replaceOn: topFieldsWith(model, "replaceOnChange"),
    unique: model.unique,
    ...(reasons ? { alsoReplace: (o, n) => reasons(o, n).map((e) => propertyPath(e.field)) } : {}),
    ...(clashes ? { clashes: (o, n) => clashes(o, n, PREVIEW) } : {}),
  };
}

export interface DiffPlan {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** The properties that differ (for messages and tests). */
  changed: string[];
}

/** Structural equality of JSON values; object key order does not matter. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    // An absent key and an undefined one are the same thing in a program.
    if (!sameValue(ao[k] ?? undefined, bo[k] ?? undefined) && !(ao[k] == null && bo[k] == null)) {
      return false;
    }
  }
  return true;
}

/** Whether a value is or holds the engine's unknown (a preview's not-yet-known value). */
const containsUnknown = (v: unknown): boolean => holdsUnknown(v, PREVIEW.unknown);

export function planDiff(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rules: DiffRules,
): DiffPlan {
  const changed = rules.compared.filter((k) => {
    const n = news[k];
    if (n === undefined) return false;
    return containsUnknown(n) || !sameValue(olds[k], n);
  });
  const replaces = changed.filter((k) => rules.replaceOn.includes(k));
  for (const k of rules.alsoReplace?.(olds, news) ?? []) {
    if (!replaces.includes(k)) replaces.push(k);
    if (!changed.includes(k)) changed.push(k);
  }
  // A name computed from an unknown could still turn out equal: assume it clashes.
  const deleteBeforeReplace =
    replaces.length > 0 &&
    (rules.unique.some(
      (k) => news[k] === undefined || containsUnknown(news[k]) || sameValue(olds[k], news[k]),
    ) ||
      (rules.clashes?.(olds, news) ?? false));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace, changed };
}
