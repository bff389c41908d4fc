/**
 * `fibrix machines list|show|health|action`. `action … --wait STATUS` prints each status change
 * while the rack works (to stderr with --json, so stdout stays one JSON document).
 */
import { Argument, type Command, Option } from "commander";
import { removeMachine } from "../../sdk/model/machine-steps";
import type { MachineFilters } from "../../sdk/resources/machines";
import { type Machine, MachineAction, MachineStatus, type SensorReading } from "../../sdk/schema/machine";
import { THRESHOLDS, describeSensorState } from "../../sdk/sensor-state";
import { positiveInt } from "../context";
import type { CliIo } from "../io";
import { table } from "../table";
import { enumValues, listingCommand, withContext } from "./listing";

const STATUSES = enumValues(MachineStatus);

function describe(m: Machine): string {
  return m.statusReason ? `${m.status} (${m.statusReason})` : m.status;
}

export function machinesCommand(io: CliIo): Command {
  const group = listingCommand<Machine, MachineFilters>(
    {
      name: "machines",
      alias: "machine",
      description: "physical machines and their lifecycle",
      columns: [
        { header: "id", value: (m) => m.id },
        { header: "hostname", value: (m) => m.hostname },
        { header: "status", value: (m) => m.status },
        { header: "power", value: (m) => m.powerState },
        { header: "health", value: (m) => m.health.status },
        { header: "ip", value: (m) => m.ip },
        { header: "pool", value: (m) => m.poolId },
        { header: "rack", value: (m) => m.rackId },
      ],
      filters: [
        { flags: "--status <status>", description: "only in this status", key: "status", choices: STATUSES },
        { flags: "--rack <id>", description: "only this rack's", key: "rack" },
        { flags: "--pool <id>", description: "only in this pool", key: "pool" },
        { flags: "--region <id>", description: "only this region's", key: "region" },
        { flags: "--tag <tag>", description: "only with this tag", key: "tag" },
        { flags: "--vm-host", description: "only VM hosts", key: "vmHost" },
      ],
      list: (c, f) => c.machines.list(f),
      listAll: (c, f) => c.machines.listAll(f),
      get: (c, id) => c.machines.get(id),
    },
    io,
  );

  group
    .command("health")
    .description("health summary, sensor readings and the BMC event log (SEL)")
    .argument("<id>", "machine id")
    .action(
      withContext(io, async (ctx, id: string) => {
        const h = await ctx.client.machines.health(id);
        if (ctx.json) {
          ctx.io.out(`${JSON.stringify(h, null, 2)}\n`);
          return;
        }
        ctx.io.out(
          `health: ${h.health.status}${h.health.reasons.length ? ` (${h.health.reasons.join("; ")})` : ""}` +
            `, checked ${h.health.checkedAt ?? "never"}\n\n`,
        );
        ctx.io.out(
          table(h.sensors, [
            { header: "sensor", value: (s) => s.name },
            { header: "kind", value: (s) => s.kind },
            { header: "value", value: (s) => (s.value === null ? null : `${s.value} ${s.unit}`.trim()) },
            // ipmitool `sensor`'s threshold columns, in its order.
            ...THRESHOLDS.map((t) => ({
              header: t.short,
              value: (s: SensorReading) => s.thresholds?.[t.key],
            })),
            { header: "state", value: (s) => describeSensorState(s) },
          ]),
        );
        if (h.sel.length > 0) {
          ctx.io.out(
            `\n${table(h.sel, [
              { header: "sel", value: (e) => e.id },
              { header: "at", value: (e) => e.at },
              { header: "severity", value: (e) => e.severity },
              { header: "sensor", value: (e) => e.sensor },
              { header: "event", value: (e) => e.description, max: 80 },
            ])}`,
          );
        }
      }),
    );

  group
    .command("action")
    .description("a lifecycle action; with --wait, show progress until the machine reaches STATUS")
    .argument("<id>", "machine id")
    .addArgument(new Argument("<action>", "what to do").choices(enumValues(MachineAction)))
    .option("--reason <text>", "why (kept in the event log)")
    .option("--erase", "release: erase the disks first")
    .addOption(new Option("--wait <status>", "wait until the machine is in this status").choices(STATUSES))
    .option("--timeout <seconds>", "how long --wait waits", positiveInt("--timeout"), 1800)
    .option("--interval <seconds>", "how often --wait polls", positiveInt("--interval"), 1)
    .action(
      withContext(
        io,
        async (
          ctx,
          id: string,
          action: MachineAction,
          o: { reason?: string; erase?: boolean; wait?: MachineStatus; timeout: number; interval: number },
        ) => {
          let m = await ctx.client.machines.action(id, action, {
            ...(o.reason !== undefined ? { reason: o.reason } : {}),
            ...(o.erase ? { erase: true } : {}),
          });
          // Progress is for people: on stdout in table mode, on stderr when stdout is JSON.
          const progress = ctx.json ? ctx.io.err : ctx.io.out;
          progress(`${m.hostname}: ${describe(m)}\n`);
          if (o.wait) {
            let shown = describe(m);
            m = await ctx.client.machines.waitForStatus(id, o.wait, {
              timeoutMs: o.timeout * 1000,
              intervalMs: o.interval * 1000,
              onProgress: (x, ms) => {
                if (describe(x) === shown) return;
                shown = describe(x);
                progress(`  [${(ms / 1000).toFixed(0).padStart(4)} s] ${shown}\n`);
              },
            });
          }
          if (ctx.json) ctx.io.out(`${JSON.stringify(m, null, 2)}\n`);
        },
      ),
    );

  group
    .command("remove")
    .description(
      "remove a machine from any state: release, abort or leave rescue as the lifecycle allows, then delete",
    )
    .argument("<id>", "machine id")
    .option("--reason <text>", "why (kept in the event log)", "removed from the CLI")
    .option("--erase", "erase the disks when releasing")
    .option("--timeout <seconds>", "how long each step may wait", positiveInt("--timeout"), 1800)
    .option("--interval <seconds>", "how often a wait polls", positiveInt("--interval"), 1)
    .action(
      withContext(
        io,
        async (
          ctx,
          id: string,
          o: { reason: string; erase?: boolean; timeout: number; interval: number },
        ) => {
          const progress = ctx.json ? ctx.io.err : ctx.io.out;
          await removeMachine(ctx.client, id, {
            reason: o.reason,
            erase: o.erase === true,
            say: (line) => progress(`${id}: ${line}\n`),
            wait: () => ({
              timeoutMs: o.timeout * 1000,
              intervalMs: o.interval * 1000,
              onProgress: (x, ms) => progress(`  [${(ms / 1000).toFixed(0).padStart(4)} s] ${describe(x)}\n`),
            }),
          });
          if (ctx.json) ctx.io.out(`${JSON.stringify({ id, removed: true })}\n`);
          else ctx.io.out(`${id}: removed\n`);
        },
      ),
    );
  return group;
}
