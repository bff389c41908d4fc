/** `fibrix tenant create|list|show|delete` (also `tenants …`): customer companies. */
import type { Command } from "commander";
import type { Tenant } from "../../sdk/schema/tenant";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { listingCommand, withContext } from "./listing";

const COLUMNS: readonly Column<Tenant>[] = [
  { header: "id", value: (t) => t.id },
  { header: "name", value: (t) => t.name },
  { header: "description", value: (t) => t.description, max: 50 },
];

export function tenantsCommand(io: CliIo): Command {
  const group = listingCommand<Tenant, Record<never, never>>(
    {
      name: "tenant",
      alias: "tenants",
      description: "customer companies (tenants)",
      columns: COLUMNS,
      list: (c, f) => c.tenants.list(f),
      listAll: (c, f) => c.tenants.listAll(f),
      get: (c, id) => c.tenants.get(id),
    },
    io,
  );
  group
    .command("create")
    .description("add a customer company")
    .argument("<name>", "lower-case DNS label, e.g. acme")
    .option("--description <text>", "free text")
    .action(
      withContext(io, async (ctx, name: string, o: { description?: string }) => {
        const t = await ctx.client.tenants.create({
          name,
          ...(o.description !== undefined ? { description: o.description } : {}),
        });
        ctx.printList([t], COLUMNS);
      }),
    );
  group
    .command("delete")
    .description("remove a tenant")
    .argument("<id>", "tenant id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.tenants.delete(id);
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
