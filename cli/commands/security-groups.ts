/** `fibrix security-groups list|show|create|set-rules|delete` (also `security-group …`). */
import type { Command } from "commander";
import { ValidationError } from "../../sdk/errors";
import type { SecurityGroupFilters } from "../../sdk/resources/security-groups";
import type { SecurityGroup, SecurityGroupRule } from "../../sdk/schema/security-group";
import type { CliIo } from "../io";
import type { Column } from "../table";
import { listingCommand, withContext } from "./listing";

const COLUMNS: readonly Column<SecurityGroup>[] = [
  { header: "id", value: (g) => g.id },
  { header: "name", value: (g) => g.name },
  { header: "rules", value: (g) => g.rules.map(ruleText).join(", "), max: 80 },
  { header: "description", value: (g) => g.description, max: 40 },
];

function ruleText(r: SecurityGroupRule): string {
  const ports =
    r.fromPort === undefined ? "" : r.fromPort === r.toPort ? `:${r.fromPort}` : `:${r.fromPort}-${r.toPort}`;
  return `${r.protocol}${ports} from ${r.source}`;
}

/** `tcp:22:0.0.0.0/0`, `tcp:8000-8080:sg_…`, `icmp::10.0.0.0/8`, `any::sg_…` → a rule. */
export function parseRule(text: string): SecurityGroupRule {
  const [protocol, ports, source] = text.split(":");
  if (!protocol || ports === undefined || !source) {
    throw ValidationError.field(
      "--rule",
      `${text}: write PROTOCOL:PORTS:SOURCE, e.g. tcp:22:0.0.0.0/0 or icmp::sg_…`,
    );
  }
  const rule: SecurityGroupRule = { protocol: protocol as SecurityGroupRule["protocol"], source };
  if (ports !== "") {
    const [from, to] = ports.split("-").map(Number);
    rule.fromPort = from;
    rule.toPort = to ?? from;
  }
  return rule;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function securityGroupsCommand(io: CliIo): Command {
  const group = listingCommand<SecurityGroup, SecurityGroupFilters>(
    {
      name: "security-groups",
      alias: "security-group",
      description: "security groups (ingress rules on VM NICs)",
      columns: COLUMNS,
      filters: [{ flags: "--tenant <id>", description: "operators: only this tenant's", key: "tenant" }],
      list: (c, f) => c.securityGroups.list(f),
      listAll: (c, f) => c.securityGroups.listAll(f),
      get: (c, id) => c.securityGroups.get(id),
    },
    io,
  );
  group
    .command("create")
    .description("create a security group")
    .requiredOption("--name <name>", "group name (a DNS label)")
    .option("--rule <rule>", "PROTOCOL:PORTS:SOURCE, repeatable (tcp:22:0.0.0.0/0, icmp::sg_…)", collect)
    .option("--description <text>", "free text")
    .option("--tenant <id>", "operators: create it for this tenant")
    .action(
      withContext(
        io,
        async (ctx, o: { name: string; rule?: string[]; description?: string; tenant?: string }) => {
          const g = await ctx.client.securityGroups.create(
            {
              name: o.name,
              rules: (o.rule ?? []).map(parseRule),
              ...(o.description !== undefined ? { description: o.description } : {}),
            },
            o.tenant ? { tenant: o.tenant } : {},
          );
          ctx.printList([g], COLUMNS);
        },
      ),
    );
  group
    .command("set-rules")
    .description("replace a group's rules (re-applied on every VM host with a member NIC)")
    .argument("<id>", "security group id")
    .option("--rule <rule>", "PROTOCOL:PORTS:SOURCE, repeatable; none: admit nothing", collect)
    .action(
      withContext(io, async (ctx, id: string, o: { rule?: string[] }) => {
        const g = await ctx.client.securityGroups.update(id, { rules: (o.rule ?? []).map(parseRule) });
        ctx.printList([g], COLUMNS);
      }),
    );
  group
    .command("delete")
    .description("delete a security group (refused while NICs use it)")
    .argument("<id>", "security group id")
    .action(
      withContext(io, async (ctx, id: string) => {
        await ctx.client.securityGroups.delete(id);
        if (!ctx.json) ctx.io.out(`deleted ${id}\n`);
      }),
    );
  return group;
}
