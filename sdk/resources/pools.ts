/** `client.pools`: resource pools of VM hosts, with over-commit ratios and tenant grants. */
import type { Pool, PoolCreate, PoolUpdate } from "../schema/pool";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export type PoolFilters = Record<never, never>;

export class PoolsClient extends Collection<Pool, PoolFilters> {
  create(body: PoolCreate, opts: CreateOptions = {}): Promise<Pool> {
    return this.createWith(body, opts);
  }

  update(id: string, body: PoolUpdate, opts: UpdateOptions = {}): Promise<Pool> {
    return this.updateWith(id, body, opts);
  }

  /** Refused (409) while the pool has hosts or VMs. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
