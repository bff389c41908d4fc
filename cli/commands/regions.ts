/** `fibrix regions list|show`. (`fibrix region serve` runs a region: see region.ts.) */
import type { Command } from "commander";
import type { Region } from "../../sdk/schema/region";
import type { CliIo } from "../io";
import { listingCommand } from "./listing";

export function regionsCommand(io: CliIo): Command {
  return listingCommand<Region, Record<never, never>>(
    {
      name: "regions",
      description: "regions (sites, each with its DNS zone)",
      columns: [
        { header: "id", value: (r) => r.id },
        { header: "name", value: (r) => r.name },
        { header: "dns domain", value: (r) => r.dnsDomain },
        { header: "description", value: (r) => r.description, max: 40 },
      ],
      list: (c, f) => c.regions.list(f),
      listAll: (c, f) => c.regions.listAll(f),
      get: (c, id) => c.regions.get(id),
    },
    io,
  );
}
