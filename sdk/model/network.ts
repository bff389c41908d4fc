/**
 * The Network model (issue #11): a tenant's isolated L2 segment with an IPv4 subnet whose
 * addresses the region hands out. DNS servers and description change in place; name, subnet,
 * gateway and sharing replace it. The region refuses to delete a network VMs still use.
 */
import { Value } from "@sinclair/typebox/value";
import type { FieldError } from "../errors";
import { Ipv4, Ipv4Cidr } from "../schema/common";
import { Network, NetworkCreate, NetworkUpdate } from "../schema/network";
import { contains, ipToInt, isNetworkAddress, parseCidr } from "./ipv4";
import { META_FIELDS, type ResourceModel, type RuleContext, type Values } from "./resource-model";

/** Subnets a NIC can live on: /8 (the contract's widest) to /30 (two hosts: gateway and one VM). */
export const MIN_PREFIX = 8;
export const MAX_PREFIX = 30;

/** Subnet and gateway beyond their patterns, once both are well-formed and known. */
export function networkRules(d: Values, ctx: RuleContext): FieldError[] {
  const { cidr, prefixLength, gateway } = d;
  if (ctx.unknown(cidr) || ctx.unknown(prefixLength) || ctx.unknown(gateway)) return [];
  const errors: FieldError[] = [];
  if (cidr === undefined) {
    if (prefixLength === undefined)
      errors.push({ field: "/cidr", reason: "give cidr, or prefixLength for a subnet the region picks" });
    if (gateway !== undefined) errors.push({ field: "/gateway", reason: "can be given only with cidr" });
    return errors;
  }
  if (!Value.Check(Ipv4Cidr, cidr)) return [];
  const c = parseCidr(cidr as string);
  if (!isNetworkAddress(c))
    errors.push({ field: "/cidr", reason: "has host bits set; use the network address" });
  if (c.prefix < MIN_PREFIX || c.prefix > MAX_PREFIX)
    errors.push({ field: "/cidr", reason: `prefix must be /${MIN_PREFIX} to /${MAX_PREFIX}` });
  if (typeof prefixLength === "number" && prefixLength !== c.prefix)
    errors.push({ field: "/prefixLength", reason: `is ${prefixLength} but cidr ${cidr} is a /${c.prefix}` });
  if (gateway !== undefined && gateway !== null && Value.Check(Ipv4, gateway)) {
    const g = ipToInt(gateway as string);
    if (!contains(c, gateway as string)) errors.push({ field: "/gateway", reason: `is outside ${cidr}` });
    else if (g === c.network || g === c.network + c.size - 1)
      errors.push({ field: "/gateway", reason: `is the network or broadcast address of ${cidr}` });
  }
  return errors;
}

export const networkModel: ResourceModel = {
  name: "Network",
  description:
    "A tenant network: an isolated L2 segment (a VXLAN VNI the region allocates) with an IPv4 subnet whose addresses the region hands out to VM NICs.",
  create: NetworkCreate,
  update: NetworkUpdate,
  output: Network,
  fields: {
    id: { stable: true, description: "Network id (net_…)." },
    name: { replaceOnChange: true, description: "Network name, a DNS label unique per tenant." },
    cidr: {
      replaceOnChange: true,
      description: "IPv4 subnet (network address). Without it the region picks one of prefixLength.",
    },
    prefixLength: {
      replaceOnChange: true,
      description: "Size of the subnet the region picks when cidr is not given (8-30).",
    },
    gateway: {
      replaceOnChange: true,
      description: "Gateway handed to the guests (default: the subnet's first host address).",
    },
    dns: { description: "DNS servers handed to the guests." },
    description: { description: "Free text." },
    shared: {
      replaceOnChange: true,
      description: "Operators only: every tenant may attach VMs to the network.",
    },
    fabricId: {
      replaceOnChange: true,
      description: "A fabric with tenantVlans: the network is a VLAN of it, its VMs on that fabric's hosts.",
    },
    tenantId: {
      replaceOnChange: true,
      stable: true,
      description: "Tenant that owns the network (null: an operator's shared one).",
    },
    segment: { stable: true, description: "The L2 segment: a VXLAN VNI (never reused) or a VLAN id." },
    vni: { stable: true, description: "The VXLAN VNI of the network." },
    used: { description: "Addresses handed out to NICs." },
    capacity: { description: "Addresses the subnet can hand out (gateway excluded)." },
    ...META_FIELDS,
  },
  unique: ["name"],
  rules: networkRules,
};
