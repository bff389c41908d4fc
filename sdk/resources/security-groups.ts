/** `client.securityGroups`: a tenant's ingress rules for VM NICs. */
import type { SecurityGroup, SecurityGroupCreate, SecurityGroupUpdate } from "../schema/security-group";
import { Collection, type DeleteOptions, type UpdateOptions } from "./collection";
import type { TenantCreateOptions } from "./networks";

export interface SecurityGroupFilters {
  /** Operators: only this tenant's groups. */
  tenant?: string;
}

export class SecurityGroupsClient extends Collection<SecurityGroup, SecurityGroupFilters> {
  create(body: SecurityGroupCreate, opts: TenantCreateOptions = {}): Promise<SecurityGroup> {
    return this.createWith(body, opts, { tenant: opts.tenant });
  }

  /** New rules are re-applied on every VM host with a member NIC. */
  update(id: string, body: SecurityGroupUpdate, opts: UpdateOptions = {}): Promise<SecurityGroup> {
    return this.updateWith(id, body, opts);
  }

  /** Refused (409) while NICs use the group or another group's rule names it. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
