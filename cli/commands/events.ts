/**
 * `fibrix events list [--object ID] [--follow]`: the event log, oldest first. --follow then
 * prints new events as the region streams them (GET /events/stream) until Ctrl-C or
 * --max-seconds: bounded.
 */
import { Command } from "commander";
import type { EventQuery } from "../../sdk/resources/events";
import type { Event } from "../../sdk/schema/tenant";
import { positiveInt } from "../context";
import type { CliIo } from "../io";
import { type Column, StreamingTable } from "../table";
import { withContext } from "./listing";

const COLUMNS: readonly (Column<Event> & { width: number })[] = [
  { header: "id", value: (e) => e.id, width: 6 },
  { header: "at", value: (e) => e.at, width: 24 },
  { header: "actor", value: (e) => e.actor, width: 14, max: 30 },
  { header: "object", value: (e) => e.objectId, width: 20 },
  { header: "kind", value: (e) => e.kind, width: 18 },
  { header: "from", value: (e) => e.from, width: 19 },
  { header: "to", value: (e) => e.to, width: 19 },
  { header: "reason", value: (e) => e.reason, width: 0, max: 100 },
];

interface EventListOptions {
  object?: string;
  type?: string;
  after?: number;
  limit: number;
  follow?: boolean;
  interval: number;
  maxSeconds: number;
}

const nonNegativeInt = (value: string) => (value === "0" ? 0 : positiveInt("--after")(value));

export function eventsCommand(io: CliIo): Command {
  const group = new Command("events").description("the event log: who did what, when, and why");
  group
    .command("list")
    .description("events, oldest first")
    .option("--object <id>", "only this object's")
    .option("--type <type>", "only this object type (machine, vm, rack, region, …)")
    .option("--after <event-id>", "only events after this one", nonNegativeInt)
    .option("--limit <n>", "at most this many (without --follow)", positiveInt("--limit"), 1000)
    .option("--follow", "keep printing new events until Ctrl-C or --max-seconds")
    // Kept so scripts that pass it still run: --follow reads the event stream, it does not poll.
    .option(
      "--interval <seconds>",
      "(ignored: --follow streams events as they happen)",
      positiveInt("--interval"),
      2,
    )
    .option("--max-seconds <n>", "with --follow: stop after N seconds", positiveInt("--max-seconds"), 600)
    .action(
      withContext(io, async (ctx, o: EventListOptions) => {
        const query: EventQuery = {
          ...(o.object !== undefined ? { object: o.object } : {}),
          ...(o.type !== undefined ? { type: o.type } : {}),
        };
        const printer = new StreamingTable(COLUMNS, ctx.io.out);
        // JSON: one array without --follow; one event per line (NDJSON) with it, for pipes.
        const print = (events: Event[]) => {
          if (!ctx.json) printer.rows(events);
          else if (o.follow) for (const e of events) ctx.io.out(`${JSON.stringify(e)}\n`);
          else ctx.io.out(`${JSON.stringify(events, null, 2)}\n`);
        };
        if (!o.follow) {
          const events = await ctx.client.events.list({
            ...query,
            ...(o.after !== undefined ? { after: o.after } : {}),
            limit: Math.min(o.limit, 1000),
          });
          if (events.length === 0 && !ctx.json) ctx.io.out("(none)\n");
          else print(events);
          if (events.length === 1000 && o.limit > 1000) {
            ctx.io.err(`(more: fibrix events list --after ${events[events.length - 1]!.id})\n`);
          }
          return;
        }
        // Live from the region's event stream (server-sent events): no polling.
        const ac = new AbortController();
        const off = ctx.io.onStop(() => ac.abort());
        const timer = setTimeout(() => ac.abort(), o.maxSeconds * 1000);
        try {
          for await (const e of ctx.client.events.stream(
            { ...query, after: o.after ?? 0 },
            { signal: ac.signal },
          )) {
            print([e]);
          }
        } finally {
          clearTimeout(timer);
          off();
        }
      }),
    );
  return group;
}
