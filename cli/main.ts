/**
 * The `fibrix` command. Each group lives in cli/commands/<group>.ts; errors a person can act
 * on are printed as one line (no stack traces), exit code 1 (2 for usage errors).
 */
import { Command, CommanderError } from "commander";
import { demoCommand } from "./commands/demo";
import { labCommand } from "./commands/lab";
import { powerCommand } from "./commands/power";
import { rackCommand } from "./commands/rack";
import { regionCommand } from "./commands/region";
import { resourceCommands } from "./commands/resources";

export function buildProgram(): Command {
  const program = new Command("fibrix")
    .description("fibrix-metal: Metal as a Service for a small ISP")
    .version(require("../../package.json").version as string)
    .option("--endpoint <url>", "region URL (or FIBRIX_ENDPOINT)")
    .option("--api-key <key>", "API key (or FIBRIX_API_KEY)")
    .option("--json", "print JSON instead of tables")
    .showHelpAfterError();
  program.addCommand(regionCommand());
  program.addCommand(rackCommand());
  program.addCommand(powerCommand());
  program.addCommand(labCommand());
  program.addCommand(demoCommand());
  for (const c of resourceCommands()) program.addCommand(c);
  return program;
}

export function main(argv: string[]): void {
  const program = buildProgram().exitOverride();
  program.parseAsync(argv).catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
