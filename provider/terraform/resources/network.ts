/**
 * `fibrix_network`, `fibrix_security_group`, `fibrix_public_ip_pool` (issue #11): tenant
 * networks (IPAM in the region), security groups, and the operators' public address pools.
 * Nothing to wait for; the models say what changes in place and what replaces.
 */
import { networkModel } from "../../../sdk/model/network";
import { publicIpPoolModel } from "../../../sdk/model/public-ip-pool";
import { securityGroupModel } from "../../../sdk/model/security-group";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const networkResource: TfResource = apiResource({
  typeName: "fibrix_network",
  model: networkModel,
  timeouts: [],
  client: (c) => c.networks as unknown as CrudClient,
});

export const securityGroupResource: TfResource = apiResource({
  typeName: "fibrix_security_group",
  model: securityGroupModel,
  timeouts: [],
  client: (c) => c.securityGroups as unknown as CrudClient,
});

export const publicIpPoolResource: TfResource = apiResource({
  typeName: "fibrix_public_ip_pool",
  model: publicIpPoolModel,
  timeouts: [],
  client: (c) => c.publicIpPools as unknown as CrudClient,
});
