/** `fibrix racks list|show`. (`fibrix rack serve` runs a rack agent: see rack.ts.) */
import type { Command } from "commander";
import type { RackFilters } from "../../sdk/resources/racks";
import type { Rack } from "../../sdk/schema/rack";
import type { CliIo } from "../io";
import { listingCommand } from "./listing";

export function racksCommand(io: CliIo): Command {
  return listingCommand<Rack, RackFilters>(
    {
      name: "racks",
      description: "rack controllers",
      columns: [
        { header: "id", value: (r) => r.id },
        { header: "name", value: (r) => r.name },
        { header: "region", value: (r) => r.regionId },
        { header: "subnet", value: (r) => r.subnet },
        { header: "status", value: (r) => r.status },
        { header: "last heartbeat", value: (r) => r.lastHeartbeat },
      ],
      filters: [
        { flags: "--region <id>", description: "only this region's", key: "region" },
        { flags: "--fabric <id>", description: "only this fabric's", key: "fabric" },
        {
          flags: "--status <status>",
          description: "only racks in this status",
          key: "status",
          choices: ["Pending", "Online", "Offline"],
        },
      ],
      list: (c, f) => c.racks.list(f),
      listAll: (c, f) => c.racks.listAll(f),
      get: (c, id) => c.racks.get(id),
    },
    io,
  );
}
