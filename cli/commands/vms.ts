/** `fibrix vms list|show` (an operator sees every tenant's VMs; a tenant key its own). */
import type { Command } from "commander";
import type { VmFilters } from "../../sdk/resources/vms";
import { type Vm, VmStatus } from "../../sdk/schema/vm";
import type { CliIo } from "../io";
import { enumValues, listingCommand } from "./listing";

export function vmsCommand(io: CliIo): Command {
  return listingCommand<Vm, VmFilters>(
    {
      name: "vms",
      alias: "vm",
      description: "virtual machines",
      columns: [
        { header: "id", value: (v) => v.id },
        { header: "name", value: (v) => v.name },
        { header: "status", value: (v) => v.status },
        { header: "cores", value: (v) => v.cores },
        { header: "MiB", value: (v) => v.memoryMiB },
        { header: "GiB", value: (v) => v.diskGiB },
        { header: "ip", value: (v) => v.ip },
        { header: "public ip", value: (v) => v.publicIpv4 },
        { header: "fqdn", value: (v) => v.fqdn },
      ],
      filters: [
        { flags: "--pool <id>", description: "only in this pool", key: "pool" },
        { flags: "--host <id>", description: "only on this VM host (machine id)", key: "host" },
        { flags: "--region <id>", description: "only in this region", key: "region" },
        {
          flags: "--status <status>",
          description: "only in this status",
          key: "status",
          choices: enumValues(VmStatus),
        },
        { flags: "--owner <tenant-id>", description: "operators: only this tenant's", key: "owner" },
      ],
      list: (c, f) => c.vms.list(f),
      listAll: (c, f) => c.vms.listAll(f),
      get: (c, id) => c.vms.get(id),
    },
    io,
  );
}
