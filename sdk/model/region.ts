/**
 * The Region model: one site's operations and DNS zone. Description and DNS TTL change in
 * place; name and domain replace it. The region refuses removal while it has racks, unless
 * forced (which removes its empty racks).
 */
import { Region, RegionCreate, RegionUpdate } from "../schema/region";
import { META_FIELDS, type ResourceModel } from "./resource-model";

export const regionModel: ResourceModel = {
  name: "Region",
  description: "A region: one site's operations and authoritative DNS zone.",
  create: RegionCreate,
  update: RegionUpdate,
  output: Region,
  fields: {
    id: { stable: true, description: "Region id (rgn_…)." },
    name: {
      replaceOnChange: true,
      description: "Region name, a DNS label. Changing it replaces the region.",
    },
    dnsDomain: {
      replaceOnChange: true,
      description: "DNS zone the region is authoritative for. Changing it replaces the region.",
    },
    description: { description: "Free text." },
    dnsTtl: { description: "TTL of the region's DNS records, in seconds (default 300)." },
    nameservers: { stable: true, description: "Nameservers of the region's zone." },
    ...META_FIELDS,
  },
  unique: ["name", "dnsDomain"],
};
