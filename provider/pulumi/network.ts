/**
 * `fibrix.Network`, `fibrix.SecurityGroup`, `fibrix.PublicIpPool` (issue #11): tenant networks
 * with IPAM in the region, security groups, and the operators' public address pools. Nothing
 * to wait for; the models (sdk/model) say what changes in place and what replaces.
 */
import { networkModel } from "../../sdk/model/network";
import { publicIpPoolModel } from "../../sdk/model/public-ip-pool";
import { securityGroupModel } from "../../sdk/model/security-group";
import { type PlainResourceDef, plainDiff, plainHooks, plainInputs } from "./plain-resource";

const NETWORK: PlainResourceDef = {
  model: networkModel,
  tenantOwned: true,
  client: (c) => c.networks as never,
};
const SECURITY_GROUP: PlainResourceDef = {
  model: securityGroupModel,
  tenantOwned: true,
  client: (c) => c.securityGroups as never,
};
const PUBLIC_IP_POOL: PlainResourceDef = {
  model: publicIpPoolModel,
  tenantOwned: false,
  client: (c) => c.publicIpPools as never,
};

export const NetworkInputs = plainInputs(NETWORK);
export const NETWORK_DIFF = plainDiff(NETWORK);
export const networkHooks = plainHooks(NETWORK);

export const SecurityGroupInputs = plainInputs(SECURITY_GROUP);
export const SECURITY_GROUP_DIFF = plainDiff(SECURITY_GROUP);
export const securityGroupHooks = plainHooks(SECURITY_GROUP);

export const PublicIpPoolInputs = plainInputs(PUBLIC_IP_POOL);
export const PUBLIC_IP_POOL_DIFF = plainDiff(PUBLIC_IP_POOL);
export const publicIpPoolHooks = plainHooks(PUBLIC_IP_POOL);
