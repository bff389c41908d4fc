/**
 * The PublicIpPool model (issue #11): an operator's block of public IPv4 addresses in one
 * region, handed out 1:1 to VMs created with `publicIp: true`. Only the description changes in
 * place; deleting a pool with attached addresses is refused.
 */
import { Value } from "@sinclair/typebox/value";
import type { FieldError } from "../errors";
import { Ipv4Cidr } from "../schema/common";
import { PublicIpPool, PublicIpPoolCreate, PublicIpPoolUpdate } from "../schema/public-ip-pool";
import { contains, isNetworkAddress, parseCidr } from "./ipv4";
import { META_FIELDS, type ResourceModel, type RuleContext, type Values } from "./resource-model";

export function publicIpPoolRules(d: Values, ctx: RuleContext): FieldError[] {
  const { cidr, exclude } = d;
  if (ctx.unknown(cidr) || ctx.unknown(exclude) || !Value.Check(Ipv4Cidr, cidr)) return [];
  const c = parseCidr(cidr as string);
  const errors: FieldError[] = [];
  if (!isNetworkAddress(c))
    errors.push({ field: "/cidr", reason: "has host bits set; use the network address" });
  if (c.prefix < 16) errors.push({ field: "/cidr", reason: "must be /16 or smaller" });
  if (Array.isArray(exclude)) {
    exclude.forEach((x, i) => {
      if (typeof x === "string" && !ctx.unknown(x) && !contains(c, x))
        errors.push({ field: `/exclude/${i}`, reason: `is outside ${String(cidr)}` });
    });
  }
  return errors;
}

export const publicIpPoolModel: ResourceModel = {
  name: "PublicIpPool",
  description:
    "An operator's pool of public IPv4 addresses in a region, attached 1:1 (NAT on the VM host) to VMs that ask for a public address.",
  create: PublicIpPoolCreate,
  update: PublicIpPoolUpdate,
  output: PublicIpPool,
  fields: {
    id: { stable: true, description: "Pool id (pip_…)." },
    name: { replaceOnChange: true, description: "Pool name, a DNS label." },
    regionId: { replaceOnChange: true, description: "Region whose VMs get addresses of the pool." },
    cidr: { replaceOnChange: true, description: "The block of public addresses (CIDR)." },
    exclude: { replaceOnChange: true, description: "Addresses of the block never handed out." },
    description: { description: "Free text." },
    used: { description: "Addresses attached to VMs." },
    capacity: { description: "Addresses the pool can hand out." },
    ...META_FIELDS,
  },
  unique: ["name", "cidr"],
  rules: publicIpPoolRules,
};
