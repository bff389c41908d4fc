/**
 * `fibrix_region`: one site's operations and DNS zone. Replaced when its name or DNS domain
 * changes (neither is in RegionUpdate); description and TTL change in place. The region
 * refuses to delete a region that still has racks, and says which: that refusal is the
 * diagnostic Terraform shows, unless `force_destroy` is set (then its machine-less racks go
 * with it).
 */
import { Region, RegionCreate, RegionUpdate } from "../../../sdk/schema/region";
import type { RegionDeleteOptions } from "../../../sdk/resources/regions";
import { forceDestroyAttribute } from "../local-attributes";
import { apiResource, type CrudClient, type TfResource } from "../resource";

export const regionResource: TfResource = apiResource({
  typeName: "fibrix_region",
  source: {
    description: "A region: one site of the ISP, with its own DNS zone and rack controllers.",
    create: RegionCreate,
    update: RegionUpdate,
    output: Region,
    extra: [forceDestroyAttribute],
    descriptions: {
      id: "Region id (rgn_…).",
      name: "Region name, a DNS label (e.g. girona). Changing it replaces the region.",
      dnsDomain: "DNS zone the region is authoritative for. Changing it replaces the region.",
      description: "Free text.",
      dnsTtl: "TTL of the region's DNS records, in seconds (default 300).",
      nameservers: "Nameservers of the region's zone.",
      version: "Increases on every change.",
      createdAt: "Creation time (RFC 3339).",
      updatedAt: "Last change (RFC 3339).",
    },
  },
  client: (c) => c.regions as unknown as CrudClient,
  stableComputed: ["nameservers"],
  deleteOptions: (prior): RegionDeleteOptions => (prior.force_destroy === true ? { force: true } : {}),
  timeouts: [], // nothing to wait for
});
