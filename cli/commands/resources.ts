/**
 * Operator and tenant commands on a running region: `tenant`, `apikey`, `<resource> list|show`,
 * `machines action … --wait`, `events list`. Endpoint and key come from --endpoint/--api-key
 * or FIBRIX_ENDPOINT/FIBRIX_API_KEY.
 */
import { Command } from "commander";
import { FibrixClient } from "../../sdk/client";
import { FibrixError } from "../../sdk/errors";
import type { MachineAction } from "../../sdk/schema/machine";
import { table } from "../table";

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  setExit(code: number): void;
}
const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  setExit: (c) => {
    process.exitCode = c;
  },
};

interface Globals {
  endpoint?: string;
  apiKey?: string;
  json?: boolean;
}

const COLUMNS: Record<string, string[]> = {
  regions: ["id", "name", "dnsDomain", "description"],
  fabrics: ["id", "name", "regionId"],
  racks: ["id", "name", "regionId", "subnet", "status", "lastHeartbeat"],
  pools: ["id", "name", "cpuOvercommit", "memoryOvercommit", "hosts"],
  machines: ["id", "hostname", "status", "powerState", "health", "ip", "rackId"],
  vms: ["id", "name", "status", "cores", "memoryMiB", "diskGiB", "ip", "fqdn"],
  tenants: ["id", "name", "description"],
};

/** Prints one line a person can act on (plus each bad field), never a stack trace. */
export function report(io: CliIo, e: unknown): void {
  if (e instanceof FibrixError) {
    io.err(`error: ${e.message}\n`);
    for (const f of e.errors) io.err(`  ${f.field}: ${f.reason}\n`);
    if (e.allowed?.length) io.err(`  allowed: ${e.allowed.join(", ")}\n`);
  } else io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  io.setExit(1);
}

function flatten(o: Record<string, unknown>): Record<string, unknown> {
  const health = o.health as { status?: string } | undefined;
  return { ...o, ...(health?.status ? { health: health.status } : {}) };
}

export function resourceCommands(io: CliIo = processIo): Command[] {
  const client = (cmd: Command): { c: FibrixClient; json: boolean } => {
    const g = cmd.optsWithGlobals() as Globals;
    return {
      c: FibrixClient.fromEnv(process.env, {
        ...(g.endpoint ? { endpoint: g.endpoint } : {}),
        ...(g.apiKey ? { apiKey: g.apiKey } : {}),
      }),
      json: g.json === true,
    };
  };
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (e) {
        report(io, e);
      }
    };
  const print = (json: boolean, data: unknown, columns: string[]) => {
    if (json) io.out(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const rows = (Array.isArray(data) ? data : [data]) as Record<string, unknown>[];
      io.out(table(rows.map(flatten), columns));
    }
  };

  const cmds: Command[] = [];
  for (const [name, columns] of Object.entries(COLUMNS)) {
    const group = new Command(name).description(`${name} of the region`);
    group
      .command("list")
      .description(`list ${name}`)
      .option("--filter <k=v...>", "filters, e.g. status=Ready rack=rck_…", [])
      .action(
        run(async (o: { filter: string[] }, cmd: Command) => {
          const { c, json } = client(cmd);
          const filters = Object.fromEntries(o.filter.map((f) => f.split("=", 2) as [string, string]));
          const sub = c[name as "regions"] as unknown as { listAll(f: object): Promise<unknown[]> };
          print(json, await sub.listAll(filters), columns);
        }),
      );
    group
      .command("show <id>")
      .description(`show one of ${name}`)
      .action(
        run(async (id: string, _o: object, cmd: Command) => {
          const { c, json } = client(cmd);
          const sub = c[name as "regions"] as unknown as { get(id: string): Promise<unknown> };
          const obj = await sub.get(id);
          if (json) print(true, obj, columns);
          else
            io.out(
              `${Object.entries(obj as object)
                .map(([k, v]) => `${k.padEnd(16)} ${typeof v === "object" ? JSON.stringify(v) : v}`)
                .join("\n")}\n`,
            );
        }),
      );
    cmds.push(group);
  }

  const machines = cmds.find((c) => c.name() === "machines")!;
  machines
    .command("action <id> <action>")
    .description("commission, allocate, deploy, release, mark-broken, mark-fixed, rescue, exit-rescue, abort")
    .option("--reason <text>", "why (kept in the event log)")
    .option("--wait <status>", "wait until the machine reaches this status, showing progress")
    .option("--timeout <seconds>", "how long --wait waits", "1800")
    .action(
      run(
        async (
          id: string,
          action: string,
          o: { reason?: string; wait?: string; timeout: string },
          cmd: Command,
        ) => {
          const { c, json } = client(cmd);
          let m = await c.machines.action(id, action as MachineAction, o.reason ? { reason: o.reason } : {});
          io.out(`${m.hostname}: ${m.status}${m.statusReason ? ` (${m.statusReason})` : ""}\n`);
          if (o.wait) {
            m = await c.machines.waitForStatus(id, o.wait as never, {
              timeoutMs: Number(o.timeout) * 1000,
              failOn: ["FailedCommissioning", "FailedDeployment", "FailedReleasing", "Broken"],
              onProgress: (x, ms) =>
                io.out(`  [${(ms / 1000).toFixed(0).padStart(4)} s] ${x.status}  ${x.statusReason}\n`),
            });
          }
          if (json) print(true, m, []);
        },
      ),
    );

  const tenant = new Command("tenant").description("customer companies");
  tenant
    .command("create <name>")
    .option("--description <text>")
    .action(
      run(async (name: string, o: { description?: string }, cmd: Command) => {
        const { c, json } = client(cmd);
        const t = await c.tenants.create({ name, ...(o.description ? { description: o.description } : {}) });
        print(json, t, COLUMNS.tenants!);
      }),
    );
  tenant.command("list").action(
    run(async (_o: object, cmd: Command) => {
      const { c, json } = client(cmd);
      print(json, await c.tenants.listAll(), COLUMNS.tenants!);
    }),
  );
  cmds.push(tenant);

  const apikey = new Command("apikey").description("API keys");
  apikey
    .command("create <name>")
    .option("--tenant <id>", "a key for this tenant (default: an operator key)")
    .option("--role <role>", "admin or tenant")
    .action(
      run(async (name: string, o: { tenant?: string; role?: "admin" | "tenant" }, cmd: Command) => {
        const { c, json } = client(cmd);
        const k = await c.apiKeys.create({
          name,
          ...(o.tenant ? { tenantId: o.tenant } : {}),
          ...(o.role ? { role: o.role } : {}),
        });
        if (json) print(true, k, []);
        else
          io.out(
            `API key ${k.id} (${k.role}${k.tenantId ? ` of ${k.tenantId}` : ""}), shown once:\n${k.key}\n`,
          );
      }),
    );
  cmds.push(apikey);

  const events = new Command("events").description("the event log");
  events
    .command("list")
    .option("--object <id>")
    .option("--follow", "keep printing new events (polls every second; stops after --max-seconds)")
    .option("--max-seconds <n>", "with --follow: stop after this long", "600")
    .action(
      run(async (o: { object?: string; follow?: boolean; maxSeconds: string }, cmd: Command) => {
        const { c, json } = client(cmd);
        let after = 0;
        const until = Date.now() + Number(o.maxSeconds) * 1000;
        do {
          const items = await c.events({ ...(o.object ? { object: o.object } : {}), after, limit: 1000 });
          if (items.length) {
            print(json, items, ["id", "at", "actor", "objectId", "kind", "from", "to", "reason"]);
            after = items[items.length - 1]!.id;
          }
          if (o.follow) await new Promise((r) => setTimeout(r, 1000));
        } while (o.follow && Date.now() < until);
      }),
    );
  cmds.push(events);
  return cmds;
}
