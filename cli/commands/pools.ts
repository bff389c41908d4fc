/** `fibrix pools list|show`. */
import type { Command } from "commander";
import type { Pool } from "../../sdk/schema/pool";
import type { CliIo } from "../io";
import { listingCommand } from "./listing";

export function poolsCommand(io: CliIo): Command {
  return listingCommand<Pool, Record<never, never>>(
    {
      name: "pools",
      alias: "pool",
      description: "resource pools of VM hosts",
      columns: [
        { header: "id", value: (p) => p.id },
        { header: "name", value: (p) => p.name },
        { header: "hosts", value: (p) => p.hosts },
        { header: "cpu x", value: (p) => p.cpuOvercommit },
        { header: "mem x", value: (p) => p.memoryOvercommit },
        { header: "cores used/cap", value: (p) => `${p.used.cores}/${p.capacity.cores}` },
        { header: "MiB used/cap", value: (p) => `${p.used.memoryMiB}/${p.capacity.memoryMiB}` },
        { header: "description", value: (p) => p.description, max: 40 },
      ],
      list: (c, f) => c.pools.list(f),
      listAll: (c, f) => c.pools.listAll(f),
      get: (c, id) => c.pools.get(id),
    },
    io,
  );
}
