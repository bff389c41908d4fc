/**
 * Quota arithmetic, pure: what a request adds to a tenant's holdings, and the first limit it
 * would cross. Only growth is judged: a request that adds nothing to a field never fails on
 * it, even when an operator has lowered the limit below what is already held (shrinking or
 * deleting must always be possible).
 */
import type { QuotaRefusal } from "../../sdk/errors";
import { QUOTA_FIELDS, type QuotaField } from "../../sdk/schema/quota";

export type Amounts = Partial<Record<QuotaField, number>>;

export interface QuotaLimits {
  id: string;
  tenantId: string;
  poolId: string | null;
  limits: Partial<Record<QuotaField, number | null>>;
}

/** A quota with what its scope holds now (counted from committed rows). */
export interface QuotaState {
  quota: QuotaLimits;
  used: Amounts;
}

/** What a VM of this size holds against a quota. */
export function vmAmounts(size: { cores: number; memoryMiB: number; diskGiB: number }): Amounts {
  return { vms: 1, cores: size.cores, memoryMiB: size.memoryMiB, diskGiB: size.diskGiB };
}

/** What a change from `before` to `after` adds (negative where it gives back). */
export function delta(before: Amounts, after: Amounts): Amounts {
  const out: Amounts = {};
  for (const f of QUOTA_FIELDS) {
    const d = (after[f] ?? 0) - (before[f] ?? 0);
    if (d !== 0) out[f] = d;
  }
  return out;
}

/** Adds holdings field by field. */
export function sum(rows: readonly Amounts[]): Amounts {
  const out: Amounts = {};
  for (const r of rows) {
    for (const f of QUOTA_FIELDS) if (r[f] !== undefined) out[f] = (out[f] ?? 0) + r[f]!;
  }
  return out;
}

/**
 * The first quota `ask` would exceed, in the order given (tenant-wide before per-pool) and
 * field order within one; null when every limit holds.
 */
export function firstExceeded(quotas: readonly QuotaState[], ask: Amounts): QuotaRefusal | null {
  for (const { quota, used } of quotas) {
    for (const f of QUOTA_FIELDS) {
      const limit = quota.limits[f];
      const requested = ask[f] ?? 0;
      if (limit === null || limit === undefined || requested <= 0) continue;
      const held = used[f] ?? 0;
      if (held + requested > limit) {
        return {
          quota: f,
          quotaId: quota.id,
          tenantId: quota.tenantId,
          poolId: quota.poolId,
          limit,
          used: held,
          requested,
        };
      }
    }
  }
  return null;
}

/** The refusal in words: which quota, its limit, what is held and what was asked. */
export function refusalText(r: QuotaRefusal, poolName?: string): string {
  const scope = r.poolId ? `tenant ${r.tenantId} in pool ${poolName ?? r.poolId}` : `tenant ${r.tenantId}`;
  return `quota ${r.quota} of ${scope} exceeded: limit ${r.limit}, in use ${r.used}, requested ${r.requested} more (quota ${r.quotaId})`;
}
