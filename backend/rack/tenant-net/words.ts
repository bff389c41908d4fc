/**
 * A command written as one line, split on single spaces. Every word the planners put in a
 * command is a device name, address or number that holds no space (names.ts, the schemas), so
 * splitting cannot change what is run; no shell is ever involved.
 */
import type { Command } from "./host-shell";

export function words(line: string): Command {
  const w = line.split(" ");
  if (w.some((x) => x.length === 0)) throw new Error(`a command word is empty in ${JSON.stringify(line)}`);
  return w;
}
