/** `fibrix networks list|show|create|delete` (also `network …`): tenant networks and their IPAM. */
import type { Command } from "commander";
import type { NetworkFilters } from "../../sdk/resources/networks";
import type { Network } from "../../sdk/schema/network";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { positiveInt } from "../context";
import { listingCommand, withContext } from "./listing";

const COLUMNS: readonly Column<Network>[] = [
  { header: "id", value: (n) => n.id },
  { header: "name", value: (n) => n.name },
  { header: "cidr", value: (n) => n.cidr },
  { header: "gateway", value: (n) => n.gateway },
  { header: "vni", value: (n) => n.vni },
  { header: "used/cap", value: (n) => `${n.used}/${n.capacity}` },
  { header: "tenant", value: (n) => (n.shared ? "shared" : n.tenantId) },
  { header: "description", value: (n) => n.description, max: 40 },
];

interface CreateFlags {
  name: string;
  cidr?: string;
  prefixLength?: number;
  gateway?: string;
  dns?: string;
  description?: string;
  shared?: boolean;
  tenant?: string;
}

export function networksCommand(io: CliIo): Command {
  const group = listingCommand<Network, NetworkFilters>(
    {
      name: "networks",
      alias: "network",
      description: "tenant networks (isolated L2 segments with IPAM)",
      columns: COLUMNS,
      filters: [
        { flags: "--tenant <id>", description: "operators: this tenant's and the shared", key: "tenant" },
      ],
      list: (c, f) => c.networks.list(f),
      listAll: (c, f) => c.networks.listAll(f),
      get: (c, id) => c.networks.get(id),
    },
    io,
  );
  group
    .command("create")
    .description("create a network: give --cidr, or --prefix-length and the region picks a subnet")
    .requiredOption("--name <name>", "network name (a DNS label)")
    .option("--cidr <cidr>", "IPv4 subnet, e.g. 10.20.0.0/24")
    .option("--prefix-length <n>", "size of a subnet the region picks", positiveInt("--prefix-length"))
    .option("--gateway <ip>", "gateway (default: the first host address)")
    .option("--dns <ips>", "comma-separated DNS servers for the guests")
    .option("--description <text>", "free text")
    .option("--shared", "operators: every tenant may use it")
    .option("--tenant <id>", "operators: create it for this tenant")
    .action(
      withContext(io, async (ctx, o: CreateFlags) => {
        const n = await ctx.client.networks.create(
          {
            name: o.name,
            ...(o.cidr !== undefined ? { cidr: o.cidr } : {}),
            ...(o.prefixLength !== undefined ? { prefixLength: o.prefixLength } : {}),
            ...(o.gateway !== undefined ? { gateway: o.gateway } : {}),
            ...(o.dns !== undefined ? { dns: o.dns.split(",").map((s) => s.trim()) } : {}),
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...(o.shared ? { shared: true } : {}),
          },
          o.tenant ? { tenant: o.tenant } : {},
        );
        ctx.printList([n], COLUMNS);
      }),
    );
  group
    .command("delete")
    .description("delete a network (refused while VM NICs use it)")
    .argument("<id>", "network id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.networks.delete(id);
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
