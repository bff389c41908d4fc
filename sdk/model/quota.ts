/**
 * The Quota model: an operator's limits for one tenant, tenant-wide or in one pool. A resource
 * of its own (not fields on Tenant) because a tenant may have several (one tenant-wide, one per
 * pool) and because operators declare them in Pulumi and Terraform, where Tenant is not a
 * resource. Limits change in place; the tenant and the pool it is keyed by replace it.
 * Deleting a quota lifts its limits.
 */
import { Quota, QUOTA_FIELDS, QuotaCreate, QuotaUpdate } from "../schema/quota";
import { type FieldAnnotations, META_FIELDS, type ResourceModel } from "./resource-model";

const limits: Record<string, FieldAnnotations> = Object.fromEntries(
  QUOTA_FIELDS.map((f) => [f, { description: `Limit on ${f}; absent or null: none.` }]),
);

export const quotaModel: ResourceModel = {
  name: "Quota",
  description:
    "Limits of one tenant's VMs, cores, memory, disk, public addresses, networks and snapshots, tenant-wide or in one pool; checked in the transaction that places or resizes a VM.",
  create: QuotaCreate,
  update: QuotaUpdate,
  output: Quota,
  fields: {
    id: { stable: true, description: "Quota id (quo_…)." },
    tenantId: {
      replaceOnChange: true,
      description: "Tenant the limits apply to. Changing it replaces the quota.",
    },
    poolId: {
      replaceOnChange: true,
      description: "Limit only in this pool (absent: tenant-wide). Changing it replaces the quota.",
    },
    ...limits,
    description: { description: "Free text." },
    used: { description: "What the tenant holds now, counted as the check counts it." },
    ...META_FIELDS,
  },
  unique: [],
};
