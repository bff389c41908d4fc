/**
 * Errors a person can act on: one line `error: <detail>`, then one line per invalid field
 * (`  /field: reason`); never a stack trace. Returns the exit code: 2 for usage errors, 1 else.
 */
import { FibrixError } from "../sdk/errors";
import type { CliIo } from "./io";
import { UsageError } from "./usage-error";

/** What to check next, for the errors whose fix is outside the region's answer. */
function hint(e: FibrixError): string {
  if (e.code === "UNAUTHORIZED") return " (check --api-key or FIBRIX_API_KEY)";
  if (e.code === "UNAVAILABLE" && /cannot reach/.test(e.message)) {
    return " (is the region running? check --endpoint or FIBRIX_ENDPOINT)";
  }
  if (e.allowed && e.allowed.length > 0 && !e.allowed.every((a) => e.message.includes(a))) {
    return `; allowed now: ${e.allowed.join(", ")}`;
  }
  return "";
}

export function reportError(io: CliIo, e: unknown): number {
  if (e instanceof FibrixError) {
    io.err(`error: ${e.message.replace(/\s*\n\s*/g, " ")}${hint(e)}\n`);
    for (const f of e.errors) io.err(`  ${f.field}: ${f.reason}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
  io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}
