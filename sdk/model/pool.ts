/**
 * The Pool model: VM hosts with over-commit ratios and tenant grants. Ratios, description and
 * tenants change in place; the name replaces it. The region refuses to delete a pool that
 * still has hosts or VMs.
 */
import { Pool, PoolCreate, PoolUpdate } from "../schema/pool";
import { META_FIELDS, type ResourceModel } from "./resource-model";

export const poolModel: ResourceModel = {
  name: "Pool",
  description:
    "A pool of VM hosts where VMs are placed, with over-commit ratios and the tenants it is granted to.",
  create: PoolCreate,
  update: PoolUpdate,
  output: Pool,
  fields: {
    id: { stable: true, description: "Pool id (pol_…)." },
    name: { replaceOnChange: true, description: "Pool name, a DNS label. Changing it replaces the pool." },
    description: { description: "Free text." },
    cpuOvercommit: { description: "vCPUs per physical core (1-16, default 4)." },
    memoryOvercommit: { description: "Memory over-commit ratio (1-16, default 1)." },
    tenants: { description: "Tenant ids allowed to place VMs in the pool." },
    capacity: { description: "Effective capacity (after over-commit) of the pool's hosts." },
    used: { description: "Capacity booked by VMs." },
    hosts: { description: "Number of VM hosts." },
    ...META_FIELDS,
  },
  unique: ["name"],
};
