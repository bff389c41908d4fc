/**
 * `fibrix_pool`: a pool of VM capacity with its over-commit ratios and the tenants granted
 * use of it. Replaced when renamed; ratios, tenants and description change in place. The
 * region refuses to delete a pool that still has hosts or VMs.
 */
import { Pool, PoolCreate, PoolUpdate } from "../../../sdk/schema/pool";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const poolResource: TfResource = apiResource({
  typeName: "fibrix_pool",
  source: {
    description: "A resource pool of VM hosts, with over-commit ratios and the tenants allowed to use it.",
    create: PoolCreate,
    update: PoolUpdate,
    output: Pool,
    descriptions: {
      id: "Pool id (pol_…).",
      name: "Pool name, a DNS label. Changing it replaces the pool.",
      cpuOvercommit: "vCPUs per physical core (1-16, default 4).",
      memoryOvercommit: "Memory over-commit ratio (1-16, default 1).",
      tenants: "Tenant ids allowed to place VMs in the pool.",
      capacity: "Effective capacity (after over-commit) of the pool's hosts.",
      used: "Capacity booked by VMs.",
      hosts: "Number of VM hosts in the pool.",
    },
  },
  timeouts: [], // nothing to wait for
  client: (c) => c.pools as unknown as CrudClient,
});
