/** `client.tenants`: customer companies (no update: a tenant is a name and its keys). */
import type { Tenant, TenantCreate } from "../schema/tenant";
import { Collection, type CreateOptions, type DeleteOptions } from "./collection";

export type TenantFilters = Record<never, never>;

export class TenantsClient extends Collection<Tenant, TenantFilters> {
  create(body: TenantCreate, opts: CreateOptions = {}): Promise<Tenant> {
    return this.createWith(body, opts);
  }

  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
