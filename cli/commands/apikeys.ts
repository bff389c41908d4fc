/** `fibrix apikey create|list|delete` (also `apikeys …`): the key itself is printed once, at create. */
import { type Command, Option } from "commander";
import type { ApiKey } from "../../sdk/schema/tenant";
import type { CliIo } from "../io";
import { listingCommand, withContext } from "./listing";

export function apiKeysCommand(io: CliIo): Command {
  const group = listingCommand<ApiKey, Record<never, never>>(
    {
      name: "apikey",
      alias: "apikeys",
      description: "API keys (operator keys, and each tenant's own)",
      columns: [
        { header: "id", value: (k) => k.id },
        { header: "name", value: (k) => k.name },
        { header: "role", value: (k) => k.role },
        { header: "tenant", value: (k) => k.tenantId },
        { header: "last used", value: (k) => k.lastUsedAt },
      ],
      list: (c, f) => c.apiKeys.list(f),
      listAll: (c, f) => c.apiKeys.listAll(f),
    },
    io,
  );
  group
    .command("create")
    .description("issue a key; it is shown once, the region keeps only a hash")
    .argument("<name>", "what the key is for, e.g. acme-ci")
    .option("--tenant <id>", "a key of this tenant (default: an operator key)")
    .addOption(
      new Option("--role <role>", "admin or tenant (default: tenant with --tenant)").choices([
        "admin",
        "tenant",
      ]),
    )
    .action(
      withContext(io, async (ctx, name: string, o: { tenant?: string; role?: "admin" | "tenant" }) => {
        const k = await ctx.client.apiKeys.create({
          name,
          ...(o.tenant !== undefined ? { tenantId: o.tenant } : {}),
          ...(o.role !== undefined ? { role: o.role } : {}),
        });
        if (ctx.json) ctx.io.out(`${JSON.stringify(k, null, 2)}\n`);
        else {
          const owner = k.tenantId ? ` of tenant ${k.tenantId}` : "";
          ctx.io.out(`API key ${k.id} (${k.role}${owner}), shown once:\n${k.key}\n`);
        }
      }),
    );
  group
    .command("delete")
    .description("revoke a key")
    .argument("<id>", "key id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.apiKeys.delete(id);
        if (!ctx.json) ctx.io.out(`revoked ${id}\n`);
      }),
    );
  return group;
}
