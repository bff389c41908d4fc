/**
 * The SecurityGroup model (issue #11): a tenant's ingress rules, applied to the VM NICs that
 * name the group. Rules and description change in place (the region re-applies them on every
 * affected VM host); the name replaces it. Deleting a group NICs still use is refused.
 */
import { Value } from "@sinclair/typebox/value";
import type { FieldError } from "../errors";
import { Id, Ipv4Cidr } from "../schema/common";
import { SecurityGroup, SecurityGroupCreate, SecurityGroupUpdate } from "../schema/security-group";
import { isNetworkAddress, parseCidr } from "./ipv4";
import { META_FIELDS, type ResourceModel, type RuleContext, type Values } from "./resource-model";

interface RuleValues {
  protocol?: unknown;
  fromPort?: unknown;
  toPort?: unknown;
  source?: unknown;
}

/** Ports only for tcp/udp and in order; a source that is a network CIDR or a group id. */
export function securityGroupRules(d: Values, ctx: RuleContext): FieldError[] {
  const rules = d.rules;
  if (!Array.isArray(rules) || ctx.unknown(rules)) return [];
  const errors: FieldError[] = [];
  rules.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object" || ctx.unknown(raw)) return;
    const r = raw as RuleValues;
    const at = `/rules/${i}`;
    if (ctx.unknown(r.protocol) || ctx.unknown(r.fromPort) || ctx.unknown(r.toPort) || ctx.unknown(r.source))
      return;
    const ported = r.protocol === "tcp" || r.protocol === "udp";
    if (!ported && (r.fromPort !== undefined || r.toPort !== undefined)) {
      errors.push({
        field: `${at}/fromPort`,
        reason: `ports apply to tcp and udp only, not ${String(r.protocol)}`,
      });
    }
    if (ported && (r.fromPort === undefined) !== (r.toPort === undefined)) {
      errors.push({ field: `${at}/toPort`, reason: "give both fromPort and toPort, or neither (all ports)" });
    }
    if (typeof r.fromPort === "number" && typeof r.toPort === "number" && r.toPort < r.fromPort) {
      errors.push({ field: `${at}/toPort`, reason: `${r.toPort} is below fromPort ${r.fromPort}` });
    }
    if (typeof r.source === "string") {
      if (Value.Check(Ipv4Cidr, r.source)) {
        if (!isNetworkAddress(parseCidr(r.source)))
          errors.push({ field: `${at}/source`, reason: "has host bits set; use the network address" });
      } else if (!Value.Check(Id, r.source) || !(r.source as string).startsWith("sg_")) {
        errors.push({ field: `${at}/source`, reason: "must be an IPv4 CIDR or a security group id (sg_…)" });
      }
    }
  });
  return errors;
}

export const securityGroupModel: ResourceModel = {
  name: "SecurityGroup",
  description:
    "A tenant's security group: ingress rules (protocol, ports, source CIDR or group) enforced on the VM NICs that name it.",
  create: SecurityGroupCreate,
  update: SecurityGroupUpdate,
  output: SecurityGroup,
  fields: {
    id: { stable: true, description: "Security group id (sg_…)." },
    name: { replaceOnChange: true, description: "Group name, a DNS label unique per tenant." },
    description: { description: "Free text." },
    rules: {
      description:
        "Ingress rules; a NIC with groups admits only what their rules allow, a NIC without admits its own network.",
    },
    tenantId: { replaceOnChange: true, stable: true, description: "Tenant that owns the group." },
    ...META_FIELDS,
  },
  unique: ["name"],
  rules: securityGroupRules,
};
