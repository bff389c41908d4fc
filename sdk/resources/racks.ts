/** `client.racks`: rack controllers; a create answers the enrollment token, once. */
import type { Rack, RackCreate, RackCreated, RackUpdate } from "../schema/rack";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export interface RackFilters {
  region?: string;
  fabric?: string;
  status?: Rack["status"];
}

export class RacksClient extends Collection<Rack, RackFilters> {
  /** The answer carries `enrollmentToken` (secret): the region keeps only a hash of it. */
  create(body: RackCreate, opts: CreateOptions = {}): Promise<RackCreated> {
    return this.createWith(body, opts);
  }

  update(id: string, body: RackUpdate, opts: UpdateOptions = {}): Promise<Rack> {
    return this.updateWith(id, body, opts);
  }

  /** Refused (409) while the rack has machines. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
