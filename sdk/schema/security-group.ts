import { type Static, Type } from "@sinclair/typebox";
import { Description, Label, Meta, Strict, StringEnum } from "./common";

/**
 * One ingress rule: protocol, an inclusive port range (tcp/udp only) and a source that is an
 * IPv4 CIDR or another security group's id (then its members' addresses).
 */
export const SecurityGroupRule = Type.Object(
  {
    protocol: StringEnum(["tcp", "udp", "icmp", "any"] as const),
    fromPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    toPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    source: Type.String({
      maxLength: 24,
      description: "IPv4 CIDR (0.0.0.0/0 for anywhere) or a security group id (sg_…)",
    }),
    description: Type.Optional(Description),
  },
  Strict,
);

/**
 * A tenant's security group (issue #11): ingress rules applied to the NICs that name it. A NIC
 * without groups admits only traffic from its own network; a NIC with groups admits what its
 * groups' rules allow, nothing else.
 */
export const SecurityGroupCreate = Type.Object(
  {
    name: Label,
    description: Type.Optional(Description),
    rules: Type.Optional(Type.Array(SecurityGroupRule, { maxItems: 100 })),
  },
  Strict,
);
export const SecurityGroupUpdate = Type.Object(
  {
    description: Type.Optional(Description),
    rules: Type.Optional(Type.Array(SecurityGroupRule, { maxItems: 100 })),
  },
  Strict,
);
export const SecurityGroup = Type.Object({
  ...Meta,
  name: Type.String(),
  tenantId: Type.String(),
  description: Type.String(),
  rules: Type.Array(SecurityGroupRule),
});
export type SecurityGroupRule = Static<typeof SecurityGroupRule>;
export type SecurityGroupCreate = Static<typeof SecurityGroupCreate>;
export type SecurityGroupUpdate = Static<typeof SecurityGroupUpdate>;
export type SecurityGroup = Static<typeof SecurityGroup>;
