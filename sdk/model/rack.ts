/**
 * The Rack model: a rack controller registered in a region, with its subnet, DHCP range and
 * fabric. DHCP range and description change in place; the rest replaces it. The enrollment
 * token is returned once, at create.
 */
import { Value } from "@sinclair/typebox/value";
import type { FieldError } from "../errors";
import { DhcpRange, RackCreate, RackCreated, RackUpdate } from "../schema/rack";
import { Ipv4, Ipv4Cidr } from "../schema/common";
import { checkRackNetwork } from "./rack-network";
import { META_FIELDS, type ResourceModel, type RuleContext, type Values } from "./resource-model";

/** The network rules, once subnet, gateway and range are well-formed and known (else the schema speaks). */
function rackRules(d: Values, ctx: RuleContext): FieldError[] {
  const { subnet, gateway, dhcpRange } = d;
  if (ctx.unknown(subnet) || ctx.unknown(gateway) || ctx.unknown(dhcpRange)) return [];
  if (!Value.Check(Ipv4Cidr, subnet) || !Value.Check(DhcpRange, dhcpRange)) return [];
  if (gateway !== undefined && gateway !== null && !Value.Check(Ipv4, gateway)) return [];
  return checkRackNetwork(
    subnet as string,
    gateway as string | undefined,
    dhcpRange as { start: string; end: string },
  );
}

export const rackModel: ResourceModel = {
  name: "Rack",
  description: "A rack controller: one subnet with its DHCP/PXE services, BMCs and VM hosts.",
  create: RackCreate,
  update: RackUpdate,
  output: RackCreated,
  fields: {
    id: { stable: true, description: "Rack id (rck_…)." },
    name: { replaceOnChange: true, description: "Rack name, a DNS label. Changing it replaces the rack." },
    regionId: { replaceOnChange: true, description: "Region of the rack. Changing it replaces the rack." },
    fabricId: { replaceOnChange: true, stable: true, description: "Fabric the rack's subnet belongs to." },
    subnet: {
      replaceOnChange: true,
      description: "The rack's subnet (CIDR). Changing it replaces the rack.",
    },
    gateway: { replaceOnChange: true, stable: true, description: "Default gateway handed out by DHCP." },
    dhcpRange: { description: "Dynamic DHCP range of the subnet (start and end addresses)." },
    description: { description: "Free text." },
    enrollmentToken: {
      stable: true,
      secret: true,
      description:
        "Token the rack agent enrols with (secret; only known to the state that created the rack).",
    },
    status: { description: "Pending until the rack agent's first heartbeat, then Online or Offline." },
    lastHeartbeat: { description: "Time of the last heartbeat of the rack agent." },
    ...META_FIELDS,
  },
  unique: ["name", "subnet"],
  rules: rackRules,
};
