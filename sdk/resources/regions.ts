/** `client.regions`: a site with its DNS zone (design.md, Resources: Region). */
import type { Region, RegionCreate, RegionUpdate } from "../schema/region";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export type RegionFilters = Record<never, never>;

export interface RegionDeleteOptions extends DeleteOptions {
  /** Also delete its (machine-less) racks; without it a region with racks is a 409. */
  force?: boolean;
}

export class RegionsClient extends Collection<Region, RegionFilters> {
  create(body: RegionCreate, opts: CreateOptions = {}): Promise<Region> {
    return this.createWith(body, opts);
  }

  update(id: string, body: RegionUpdate, opts: UpdateOptions = {}): Promise<Region> {
    return this.updateWith(id, body, opts);
  }

  async delete(id: string, opts: RegionDeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts, { force: opts.force });
  }
}
