/**
 * `fibrix <resources> list [filters]` and `fibrix <resources> show ID`, the same for every
 * resource: each group file declares its columns and filters, this builds the commands.
 */
import { Command, Option } from "commander";
import type { FibrixClient } from "../../sdk/client";
import type { Page } from "../../sdk/resources/collection";
import { type CommandContext, contextOf, positiveInt } from "../context";
import type { CliIo } from "../io";
import type { Column } from "../table";

export interface FilterFlag<F> {
  /** The option, e.g. `--status <status>` or `--vm-host`. */
  flags: string;
  description: string;
  /** The SDK filter it sets. */
  key: keyof F & string;
  choices?: readonly string[];
}

export interface ListingSpec<T, F> {
  /** Command name (plural, as the API path): `machines`. */
  name: string;
  /** Also accepted: `machine`. */
  alias?: string;
  description: string;
  columns: readonly Column<T>[];
  filters?: readonly FilterFlag<F>[];
  list(client: FibrixClient, filters: F & { limit?: number }): Promise<Page<T>>;
  listAll(client: FibrixClient, filters: F): Promise<T[]>;
  get?(client: FibrixClient, id: string): Promise<object>;
}

/**
 * A commander action with the region context: commander calls it with the arguments, the
 * options and the command; `body` gets the context, then the arguments and the options.
 * Errors propagate to main's report.
 */
export function withContext<A extends unknown[]>(
  io: CliIo,
  body: (ctx: CommandContext, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const cmd = args[args.length - 1] as Command;
    await body(contextOf(cmd, io), ...(args.slice(0, -1) as A));
  };
}

/** The group command with `list` (and `show` when the API can read one object). */
export function listingCommand<T, F extends object>(spec: ListingSpec<T, F>, io: CliIo): Command {
  const group = new Command(spec.name).description(spec.description);
  if (spec.alias) group.alias(spec.alias);
  const list = group
    .command("list")
    .description(`list ${spec.name} (all pages unless --limit)`)
    .option("--limit <n>", "only the first N", positiveInt("--limit"));
  for (const f of spec.filters ?? []) {
    const opt = new Option(f.flags, f.description);
    if (f.choices) opt.choices(f.choices);
    list.addOption(opt);
  }
  list.action(
    withContext(io, async (ctx, opts: Record<string, unknown>) => {
      const filters = {} as Record<string, unknown>;
      for (const f of spec.filters ?? []) {
        const v = opts[optionKey(f.flags)];
        if (v !== undefined) filters[f.key] = v;
      }
      const limit = opts.limit as number | undefined;
      const rows =
        limit === undefined
          ? await spec.listAll(ctx.client, filters as F)
          : (await spec.list(ctx.client, { ...(filters as F), limit })).items;
      ctx.printList(rows, spec.columns);
    }),
  );
  const get = spec.get;
  if (get) {
    group
      .command("show")
      .description(`show one of the ${spec.name}, every field`)
      .argument("<id>", "object id")
      .action(
        withContext(io, async (ctx, id: string) => {
          ctx.printOne(await get(ctx.client, id));
        }),
      );
  }
  return group;
}

/** commander's attribute name for a flag: `--vm-host` → `vmHost`. */
function optionKey(flags: string): string {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith("--")) ?? flags;
  return long.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The values of a StringEnum schema (sdk/schema/common.ts), for `.choices()`. */
export function enumValues(schema: object): readonly string[] {
  const values = (schema as { enum?: unknown }).enum;
  return Array.isArray(values) ? values.map(String) : [];
}
