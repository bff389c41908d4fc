/**
 * The `fibrix` command (bin/fibrix.js calls `main(process.argv)`). One group per file in
 * cli/commands/. Errors a person can act on are one line (plus one per invalid field), never a
 * stack trace; exit code 1, or 2 for usage errors (bad flags, missing arguments, no endpoint).
 */
import { Command, CommanderError } from "commander";
import { groupsFor } from "./command-groups";
import { type CliIo, processIo } from "./io";
import { reportError } from "./report-error";
import { packageVersion } from "./version";

/** Applies to every command of the tree (addCommand'ed groups do not inherit these settings). */
function everywhere(cmd: Command, io: CliIo): void {
  cmd.exitOverride();
  cmd.showHelpAfterError("(add --help for usage)");
  cmd.configureOutput({
    writeOut: (s) => io.out(s),
    writeErr: (s) => io.err(s),
    outputError: (s, write) => write(s),
  });
  for (const sub of cmd.commands) everywhere(sub, io);
}

export function buildProgram(io: CliIo = processIo(), argv?: readonly string[]): Command {
  const program = new Command("fibrix")
    .description("fibrix-metal: Metal as a Service for a small ISP")
    .version(packageVersion())
    .option(
      "--endpoint <url>",
      "region URL, e.g. http://127.0.0.1:5240, or several comma-separated replicas to fail over between (or FIBRIX_ENDPOINT)",
    )
    .option("--api-key <key>", "API key (or FIBRIX_API_KEY)")
    .option(
      "--ca-bundle <pem>",
      "trust the region's certificate by this CA bundle, a PEM file (or FIBRIX_CA_BUNDLE)",
    )
    .option(
      "--tls-fingerprint <sha256>",
      "trust exactly the region certificate with this SHA-256 fingerprint (or FIBRIX_TLS_FINGERPRINT)",
    )
    .option("--json", "print JSON instead of tables");
  // Only the group argv names is loaded (all of them for top-level help): see command-groups.ts.
  for (const group of groupsFor(argv)) program.addCommand(group.load(io));
  everywhere(program, io);
  return program;
}

/**
 * Runs the command line (`argv` as in process.argv: node, script, args…) and resolves with the
 * exit code. With the default io it also sets process.exitCode; pass an io to run in-process.
 */
export async function main(argv: string[], io?: CliIo): Promise<number> {
  const out = io ?? processIo();
  let code = 0;
  try {
    await buildProgram(out, argv).parseAsync(argv);
  } catch (e) {
    // commander has already printed its own message (help, version, usage error).
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else code = reportError(out, e);
  }
  // Commands with their own exit codes (power, lab) set process.exitCode themselves: keep theirs.
  if (!io && code !== 0) process.exitCode = code;
  return code;
}
