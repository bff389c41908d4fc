/** `fibrix fabrics list|show`. */
import type { Command } from "commander";
import type { FabricFilters } from "../../sdk/resources/fabrics";
import type { Fabric } from "../../sdk/schema/fabric";
import type { CliIo } from "../io";
import { listingCommand } from "./listing";

export function fabricsCommand(io: CliIo): Command {
  return listingCommand<Fabric, FabricFilters>(
    {
      name: "fabrics",
      alias: "fabric",
      description: "fabrics (layer-2 domains of a region)",
      columns: [
        { header: "id", value: (f) => f.id },
        { header: "name", value: (f) => f.name },
        { header: "region", value: (f) => f.regionId },
        {
          header: "tenant networks",
          value: (f) => (f.tenantVlans ? `VLAN ${f.tenantVlans.first}-${f.tenantVlans.last}` : "VXLAN"),
        },
        { header: "description", value: (f) => f.description, max: 40 },
      ],
      filters: [{ flags: "--region <id>", description: "only this region's", key: "region" }],
      list: (c, f) => c.fabrics.list(f),
      listAll: (c, f) => c.fabrics.listAll(f),
      get: (c, id) => c.fabrics.get(id),
    },
    io,
  );
}
