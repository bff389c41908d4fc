/** `fibrix_pools`: the resource pools the API key may use (optionally one, by name). */
import { Pool } from "../../../sdk/schema/pool";
import type { TfDataSource } from "../data-source";
import { apiValueToTf } from "../state-mapping";
import { listAttribute, nameFilterAttribute } from "./list-attribute";

const pools = listAttribute("pools", Pool, "Pools, each with id, name, ratios, capacity and usage.");

export const poolsDataSource: TfDataSource = {
  typeName: "fibrix_pools",
  schema: {
    version: 0,
    description: "Lists the resource pools visible to the provider's API key.",
    attributes: [nameFilterAttribute("pool"), pools],
  },
  async read(ctx, config) {
    const name = typeof config.name === "string" ? config.name : undefined;
    const all = await ctx.client.pools.listAll();
    const picked = name === undefined ? all : all.filter((p) => p.name === name);
    return { name: name ?? null, pools: apiValueToTf(picked, pools.type) };
  },
};
