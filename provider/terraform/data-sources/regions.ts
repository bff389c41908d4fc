/** `fibrix_regions`: the regions of the installation (optionally one, by name). */
import { Region } from "../../../sdk/schema/region";
import type { TfDataSource } from "../data-source";
import { apiValueToTf } from "../state-mapping";
import { listAttribute, nameFilterAttribute } from "./list-attribute";

const regions = listAttribute("regions", Region, "Regions, each with id, name, dns_domain, nameservers….");

export const regionsDataSource: TfDataSource = {
  typeName: "fibrix_regions",
  schema: {
    version: 0,
    description: "Lists the regions (sites) of the installation.",
    attributes: [nameFilterAttribute("region"), regions],
  },
  async read(ctx, config) {
    const name = typeof config.name === "string" ? config.name : undefined;
    const all = await ctx.client.regions.listAll();
    const picked = name === undefined ? all : all.filter((r) => r.name === name);
    return { name: name ?? null, regions: apiValueToTf(picked, regions.type) };
  },
};
