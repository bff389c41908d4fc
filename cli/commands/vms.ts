/** `fibrix vms list|show` (an operator sees every tenant's VMs; a tenant key its own). */
import type { Command } from "commander";
import type { VmFilters } from "../../sdk/resources/vms";
import { type Vm, VmStatus } from "../../sdk/schema/vm";
import { runTerminal } from "../console-terminal";
import { type CommandContext, positiveInt } from "../context";
import type { CliIo } from "../io";
import { UsageError } from "../usage-error";
import { addVmBackupCommand } from "./backups";
import { enumValues, listingCommand, withContext } from "./listing";

/** A VM id as given, or the id of the one VM of that name this key sees. */
async function resolveVm(client: CommandContext["client"], ref: string): Promise<string> {
  if (/^vm_[0-9a-f]{16}$/.test(ref)) return ref;
  const named = (await client.vms.listAll({})).filter((v) => v.name === ref);
  if (named.length === 1) return named[0]!.id;
  if (named.length === 0) throw new UsageError(`no VM named ${ref} (or id vm_…) for this key`);
  throw new UsageError(
    `${named.length} VMs are named ${ref}: give the id (${named.map((v) => v.id).join(", ")})`,
  );
}

export function vmsCommand(io: CliIo): Command {
  const group = listingCommand<Vm, VmFilters>(
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
  group
    .command("console <vm>")
    .description("the VM's serial console (by name or id); Ctrl-] leaves")
    .option(
      "--linger <ms>",
      "after piped input ends, wait this long for output",
      positiveInt("--linger"),
      2000,
    )
    .action(
      withContext(io, async (ctx, ref: string, o: { linger: number }) => {
        const id = await resolveVm(ctx.client, ref);
        const conn = await ctx.client.vms.console(id);
        let off: () => void = () => undefined;
        const stop = new Promise<string>((resolve) => {
          off = io.onStop(resolve);
        });
        try {
          const code = await runTerminal(conn, {
            input: io.terminal?.input ?? process.stdin,
            output: io.terminal?.output ?? process.stdout,
            notice: (t) => io.err(t),
            lingerMs: o.linger,
            stop,
          });
          if (code !== 0) process.exitCode = code;
        } finally {
          off();
        }
      }),
    );
  addVmBackupCommand(group, io);
  return group;
}
