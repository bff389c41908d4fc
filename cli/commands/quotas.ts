/**
 * `fibrix quotas list|show|set|delete` (also `quota …`): a tenant's limits, tenant-wide or in one
 * pool. `set` creates the quota of that scope or updates it; `none` lifts one limit.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../sdk/errors";
import { QUOTA_FIELDS, type Quota, type QuotaField } from "../../sdk/schema/quota";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { UsageError } from "../usage-error";
import { listingCommand, withContext } from "./listing";

const limit = (q: Quota, f: QuotaField) => `${q.used[f]}/${q[f] ?? "∞"}`;

const COLUMNS: readonly Column<Quota>[] = [
  { header: "id", value: (q) => q.id },
  { header: "tenant", value: (q) => q.tenantId },
  { header: "pool", value: (q) => q.poolId ?? "(all)" },
  ...QUOTA_FIELDS.map((f) => ({ header: `${f} used/max`, value: (q: Quota) => limit(q, f) })),
];

/** Each limit's flag: `--memory-mib`, `--public-ips`. */
const FLAG: Record<QuotaField, string> = {
  vms: "--vms",
  cores: "--cores",
  memoryMiB: "--memory-mib",
  diskGiB: "--disk-gib",
  publicIps: "--public-ips",
  networks: "--networks",
  snapshots: "--snapshots",
};
const OPT_KEY: Record<QuotaField, string> = {
  vms: "vms",
  cores: "cores",
  memoryMiB: "memoryMib",
  diskGiB: "diskGib",
  publicIps: "publicIps",
  networks: "networks",
  snapshots: "snapshots",
};

/** A limit value: a whole number ≥ 0, or `none` (no limit; kept as text: commander drops a null). */
function limitValue(flag: string): (v: string) => number | "none" {
  return (v) => {
    if (v === "none") return "none";
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number ≥ 0 or none, got ${v}`);
    return Number(v);
  };
}

export function quotasCommand(io: CliIo): Command {
  const group = listingCommand<Quota, { tenant?: string; pool?: string }>(
    {
      name: "quotas",
      alias: "quota",
      description: "per-tenant limits (VMs, cores, memory, disk, addresses, networks, snapshots)",
      columns: COLUMNS,
      filters: [
        { flags: "--tenant <id>", description: "only this tenant's", key: "tenant" },
        { flags: "--pool <id>", description: "only the quotas in this pool", key: "pool" },
      ],
      list: (c, f) => c.quotas.list(f),
      listAll: (c, f) => c.quotas.listAll(f),
    },
    io,
  );
  group
    .command("show")
    .description(
      "one quota with what is held: by id, or a tenant's (tenant-wide, or --pool); a tenant key: its own",
    )
    .argument("[id]", "quota id (quo_…)")
    .option("--tenant <id>", "the tenant's quota")
    .option("--pool <id>", "its quota in this pool (default: tenant-wide)")
    .action(
      withContext(io, async (ctx, id: string | undefined, o: { tenant?: string; pool?: string }) => {
        if (id) return ctx.printOne(await ctx.client.quotas.get(id));
        if (o.tenant) {
          const q = await ctx.client.quotas.find(o.tenant, o.pool);
          if (!q)
            throw new NotFoundError(
              `tenant ${o.tenant} has no quota ${o.pool ? `in pool ${o.pool}` : "tenant-wide"}`,
            );
          return ctx.printOne(q);
        }
        // A tenant key sees only its own: all of them.
        ctx.printList(await ctx.client.quotas.listAll(o.pool ? { pool: o.pool } : {}), COLUMNS);
      }),
    );
  const set = group
    .command("set")
    .description("set a tenant's limits (creates its quota of that scope, or updates it); operators only")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--pool <id>", "limit only in this pool (default: tenant-wide)")
    .option("--description <text>", "free text");
  for (const f of QUOTA_FIELDS)
    set.option(`${FLAG[f]} <n>`, `at most n ${f} (none: no limit)`, limitValue(FLAG[f]));
  set.action(
    withContext(
      io,
      async (ctx, o: Record<string, unknown> & { tenant: string; pool?: string; description?: string }) => {
        const limits: Partial<Record<QuotaField, number | null>> = {};
        for (const f of QUOTA_FIELDS)
          if (o[OPT_KEY[f]] !== undefined)
            limits[f] = o[OPT_KEY[f]] === "none" ? null : (o[OPT_KEY[f]] as number);
        const description = o.description !== undefined ? { description: o.description } : {};
        const existing = await ctx.client.quotas.find(o.tenant, o.pool);
        const q = existing
          ? await ctx.client.quotas.update(
              existing.id,
              { ...limits, ...description },
              { ifMatch: existing.version },
            )
          : await ctx.client.quotas.create({
              tenantId: o.tenant,
              ...(o.pool ? { poolId: o.pool } : {}),
              ...limits,
              ...description,
            });
        ctx.printList([q], COLUMNS);
      },
    ),
  );
  group
    .command("delete")
    .description("lift a quota (operators only)")
    .argument("<id>", "quota id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.quotas.delete(id);
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
