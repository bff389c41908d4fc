/**
 * A resource's diff plan (diff-plan.ts `planDiff`: what changed, what replaces, delete first or
 * not) as the engine's DiffResponse (proto/pulumi/provider.proto): `changes`, `replaces`,
 * `stables`, `deleteBeforeReplace`, `diffs`, and a `detailedDiff` entry per changed property
 * whose kind says add / delete / update and whether it replaces. The detailed diff is against
 * the old outputs (the region's view), so `inputDiff` is false.
 */
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type { DiffPlan } from "../diff-plan";
import { UNKNOWN } from "../schema-check";

export type DiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

export interface PropertyDiffEntry {
  kind: DiffKind;
  inputDiff: boolean;
}

export interface DiffAnswer {
  changes: "DIFF_NONE" | "DIFF_SOME";
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
  diffs: string[];
  detailedDiff: Record<string, PropertyDiffEntry>;
}

const absent = (v: unknown) => v === undefined || v === null;

/** The kind of one changed property: ADD when it had no value, DELETE when it has none now. */
export function diffKind(old: unknown, now: unknown, replaces: boolean): DiffKind {
  const base = absent(old) && !absent(now) ? "ADD" : !absent(old) && absent(now) ? "DELETE" : "UPDATE";
  return replaces ? (`${base}_REPLACE` as DiffKind) : base;
}

/**
 * @param stableCandidates properties an in-place update never changes (the model's stable
 *   fields and the replace-on fields, which an update cannot touch); reported only when the
 *   plan replaces nothing and they did not change.
 */
export function diffAnswer(
  plan: DiffPlan,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  stableCandidates: readonly string[],
): DiffAnswer {
  const detailedDiff: Record<string, PropertyDiffEntry> = {};
  for (const k of plan.changed) {
    detailedDiff[k] = { kind: diffKind(olds[k], news[k], plan.replaces.includes(k)), inputDiff: false };
  }
  const unknownNow = (k: string) => JSON.stringify(news[k] ?? null).includes(UNKNOWN);
  const stables =
    plan.replaces.length > 0
      ? []
      : stableCandidates.filter((k) => !plan.changed.includes(k) && !unknownNow(k) && olds[k] !== undefined);
  return {
    changes: plan.changes ? "DIFF_SOME" : "DIFF_NONE",
    replaces: [...plan.replaces],
    stables,
    deleteBeforeReplace: plan.deleteBeforeReplace,
    diffs: [...plan.changed],
    detailedDiff,
  };
}

const KIND = provproto.PropertyDiff.Kind;
const CHANGES = provproto.DiffResponse.DiffChanges;

/** The answer as the proto message. */
export function diffResponse(a: DiffAnswer): provproto.DiffResponse {
  const res = new provproto.DiffResponse();
  res.setChanges(CHANGES[a.changes]);
  res.setReplacesList(a.replaces);
  res.setStablesList(a.stables);
  res.setDeletebeforereplace(a.deleteBeforeReplace);
  res.setDiffsList(a.diffs);
  res.setHasdetaileddiff(true);
  const map = res.getDetaileddiffMap();
  for (const [path, d] of Object.entries(a.detailedDiff)) {
    const pd = new provproto.PropertyDiff();
    pd.setKind(KIND[d.kind]);
    pd.setInputdiff(d.inputDiff);
    map.set(path, pd);
  }
  return res;
}
