/** `client.networks`: tenant networks (an isolated L2 segment with an IPv4 subnet; IPAM in the region). */
import type { Network, NetworkCreate, NetworkUpdate } from "../schema/network";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export interface NetworkFilters {
  /** Operators: only this tenant's networks (and the shared ones). */
  tenant?: string;
}

export interface TenantCreateOptions extends CreateOptions {
  /** Operators (admin keys) create on behalf of this tenant; a tenant key creates for itself. */
  tenant?: string;
}

export class NetworksClient extends Collection<Network, NetworkFilters> {
  create(body: NetworkCreate, opts: TenantCreateOptions = {}): Promise<Network> {
    return this.createWith(body, opts, { tenant: opts.tenant });
  }

  update(id: string, body: NetworkUpdate, opts: UpdateOptions = {}): Promise<Network> {
    return this.updateWith(id, body, opts);
  }

  /** Refused (409) while VM NICs use the network. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
