/** `client.publicIpPools`: the operators' blocks of public IPv4 addresses per region. */
import type { PublicIpPool, PublicIpPoolCreate, PublicIpPoolUpdate } from "../schema/public-ip-pool";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export type PublicIpPoolFilters = Record<never, never>;

export class PublicIpPoolsClient extends Collection<PublicIpPool, PublicIpPoolFilters> {
  create(body: PublicIpPoolCreate, opts: CreateOptions = {}): Promise<PublicIpPool> {
    return this.createWith(body, opts);
  }

  update(id: string, body: PublicIpPoolUpdate, opts: UpdateOptions = {}): Promise<PublicIpPool> {
    return this.updateWith(id, body, opts);
  }

  /** Refused (409) while addresses of the pool are attached. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
