/**
 * The command groups of `fibrix`, each loaded only when used. A group's module pulls in what it
 * runs (the rack agent, libvirt, the lab BMCs, the SDK's HTTP client, the whole region for
 * `demo`): loaded eagerly, `fibrix region serve` carried all of it, ~15 MB of idle RSS on a PE860.
 */
import type { Command } from "commander";
import type { CliIo } from "./io";

interface Group {
  /** The group's name and aliases, as its module declares them (a unit test checks they agree). */
  names: readonly string[];
  load(io: CliIo): Command;
}

// `require` inside each loader: the point is that nothing below is loaded before it is needed.
const m = <T>(path: string): T => require(path) as T;

/** In help order: running things first, then the groups that talk to a running region. */
export const GROUPS: readonly Group[] = [
  {
    names: ["region"],
    load: (io) => m<typeof import("./commands/region")>("./commands/region").regionCommand(io),
  },
  { names: ["rack"], load: () => m<typeof import("./commands/rack")>("./commands/rack").rackCommand() },
  { names: ["power"], load: () => m<typeof import("./commands/power")>("./commands/power").powerCommand() },
  { names: ["lab"], load: () => m<typeof import("./commands/lab")>("./commands/lab").labCommand() },
  { names: ["demo"], load: () => m<typeof import("./commands/demo")>("./commands/demo").demoCommand() },
  {
    names: ["regions"],
    load: (io) => m<typeof import("./commands/regions")>("./commands/regions").regionsCommand(io),
  },
  {
    names: ["fabrics", "fabric"],
    load: (io) => m<typeof import("./commands/fabrics")>("./commands/fabrics").fabricsCommand(io),
  },
  {
    names: ["racks"],
    load: (io) => m<typeof import("./commands/racks")>("./commands/racks").racksCommand(io),
  },
  {
    names: ["pools", "pool"],
    load: (io) => m<typeof import("./commands/pools")>("./commands/pools").poolsCommand(io),
  },
  {
    names: ["machines", "machine"],
    load: (io) => m<typeof import("./commands/machines")>("./commands/machines").machinesCommand(io),
  },
  { names: ["vms", "vm"], load: (io) => m<typeof import("./commands/vms")>("./commands/vms").vmsCommand(io) },
  {
    names: ["snapshots", "snapshot"],
    load: (io) => m<typeof import("./commands/snapshots")>("./commands/snapshots").snapshotsCommand(io),
  },
  {
    names: ["backups", "backup"],
    load: (io) => m<typeof import("./commands/backups")>("./commands/backups").backupsCommand(io),
  },
  {
    names: ["networks", "network"],
    load: (io) => m<typeof import("./commands/networks")>("./commands/networks").networksCommand(io),
  },
  {
    names: ["security-groups", "security-group"],
    load: (io) =>
      m<typeof import("./commands/security-groups")>("./commands/security-groups").securityGroupsCommand(io),
  },
  {
    names: ["images", "image"],
    load: (io) => m<typeof import("./commands/images")>("./commands/images").imagesCommand(io),
  },
  {
    names: ["tenant", "tenants"],
    load: (io) => m<typeof import("./commands/tenants")>("./commands/tenants").tenantsCommand(io),
  },
  {
    names: ["apikey", "apikeys"],
    load: (io) => m<typeof import("./commands/apikeys")>("./commands/apikeys").apiKeysCommand(io),
  },
  {
    names: ["quotas", "quota"],
    load: (io) => m<typeof import("./commands/quotas")>("./commands/quotas").quotasCommand(io),
  },
  {
    names: ["usage"],
    load: (io) => m<typeof import("./commands/usage")>("./commands/usage").usageCommand(io),
  },
  {
    names: ["events"],
    load: (io) => m<typeof import("./commands/events")>("./commands/events").eventsCommand(io),
  },
];

/** Program options that take a value: the word after them is not a command. */
const VALUED = new Set(["--endpoint", "--api-key", "--ca-bundle", "--tls-fingerprint"]);

/**
 * The groups `argv` (node, script, args…) can reach: the one it names, or all of them when it
 * names none (top-level help, `help GROUP`, a typo commander should answer with "did you mean").
 */
export function groupsFor(argv: readonly string[] | undefined): readonly Group[] {
  if (!argv) return GROUPS;
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h" || a === "--help" || a === "--") return GROUPS;
    if (VALUED.has(a)) i++;
    else if (!a.startsWith("-")) {
      const g = GROUPS.find((g) => g.names.includes(a));
      return g ? [g] : GROUPS;
    }
  }
  return GROUPS;
}
