/**
 * `fibrix usage --from T --to T [--tenant ID] [--granularity hour|day] [--csv]`: metered
 * resource-seconds per tenant × VM × bucket, as a table with totals, JSON (--json) or the
 * CSV billing export (--csv, as the region writes it).
 */
import { Command, Option } from "commander";
import type { UsageRow } from "../../sdk/schema/quota";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { withContext } from "./listing";

const COLUMNS: readonly Column<UsageRow>[] = [
  { header: "tenant", value: (l) => l.tenantId },
  { header: "vm", value: (l) => l.vmName },
  { header: "from", value: (l) => l.bucketStart },
  { header: "to", value: (l) => l.bucketEnd },
  { header: "core-s", value: (l) => l.coreSeconds },
  { header: "MiB-s", value: (l) => l.memoryMiBSeconds },
  { header: "GiB-s", value: (l) => l.diskGiBSeconds },
  { header: "address-s", value: (l) => l.publicIpSeconds },
];

export function usageCommand(io: CliIo): Command {
  return new Command("usage")
    .description("metered usage (resource-seconds) for billing; tenant keys see their own")
    .requiredOption("--from <time>", "start, RFC 3339 (e.g. 2026-12-01T00:00:00Z), inclusive")
    .requiredOption("--to <time>", "end, RFC 3339, exclusive")
    .option("--tenant <id>", "one tenant (operators; default all)")
    .addOption(new Option("--granularity <g>", "bucket size").choices(["hour", "day"]).default("day"))
    .option("--csv", "print the CSV billing export")
    .action(
      withContext(
        io,
        async (
          ctx,
          o: { from: string; to: string; tenant?: string; granularity: "hour" | "day"; csv?: boolean },
        ) => {
          const q = {
            from: o.from,
            to: o.to,
            granularity: o.granularity,
            ...(o.tenant ? { tenant: o.tenant } : {}),
          };
          if (o.csv) return ctx.io.out(await ctx.client.usage.csv(q));
          const report = await ctx.client.usage.get(q);
          if (ctx.json) return ctx.io.out(`${JSON.stringify(report, null, 2)}\n`);
          ctx.printList(report.items, COLUMNS);
          const t = report.totals;
          ctx.io.out(
            `total  core-s ${t.coreSeconds}  MiB-s ${t.memoryMiBSeconds}  GiB-s ${t.diskGiBSeconds}  address-s ${t.publicIpSeconds}\n`,
          );
        },
      ),
    );
}
