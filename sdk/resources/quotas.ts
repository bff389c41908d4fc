/** `client.quotas`: a tenant's limits, tenant-wide or in one pool (operators set; tenants read theirs). */
import type { Quota, QuotaCreate, QuotaUpdate } from "../schema/quota";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export interface QuotaFilters {
  /** Only this tenant's (operators; a tenant key always sees only its own). */
  tenant?: string;
  /** Only the quotas in this pool. */
  pool?: string;
}

export class QuotasClient extends Collection<Quota, QuotaFilters> {
  /** Refused (409) when the tenant already has a quota of that scope. */
  create(body: QuotaCreate, opts: CreateOptions = {}): Promise<Quota> {
    return this.createWith(body, opts);
  }

  /** A limit set to null is lifted; one left out is kept. */
  update(id: string, body: QuotaUpdate, opts: UpdateOptions = {}): Promise<Quota> {
    return this.updateWith(id, body, opts);
  }

  /** Lifts the quota's limits. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }

  /** The tenant's tenant-wide quota (poolId absent) or its quota in a pool, if it has one. */
  async find(tenantId: string, poolId?: string): Promise<Quota | undefined> {
    const all = await this.listAll({ tenant: tenantId, ...(poolId ? { pool: poolId } : {}) });
    return all.find((q) => q.tenantId === tenantId && q.poolId === (poolId ?? null));
  }
}
