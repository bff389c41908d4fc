/** `client.fabrics`: a layer-2 domain of a region that racks' subnets belong to. */
import type { Fabric, FabricCreate, FabricUpdate } from "../schema/fabric";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export interface FabricFilters {
  /** Only the fabrics of this region. */
  region?: string;
}

export class FabricsClient extends Collection<Fabric, FabricFilters> {
  create(body: FabricCreate, opts: CreateOptions = {}): Promise<Fabric> {
    return this.createWith(body, opts);
  }

  update(id: string, body: FabricUpdate, opts: UpdateOptions = {}): Promise<Fabric> {
    return this.updateWith(id, body, opts);
  }

  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
