import type { Writable } from "node:stream";
import type { TerminalInput } from "./console-terminal";

/**
 * Where the CLI writes and what stops a foreground command: the real process by default, a
 * capture in tests (so `main()` can run in-process without touching process.exit).
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /**
   * Calls `listener` (once, with the signal's name) when a foreground command should stop:
   * SIGINT or SIGTERM. Returns the unsubscribe.
   */
  onStop(listener: (signal: string) => void): () => void;
  /** The terminal of interactive commands (`vms console`); default process.stdin / stdout. */
  terminal?: { input: TerminalInput; output: Writable };
}

export function processIo(): CliIo {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
    onStop(listener) {
      const on = (signal: NodeJS.Signals) => {
        off();
        listener(signal);
      };
      const off = () => {
        process.off("SIGINT", on);
        process.off("SIGTERM", on);
      };
      process.on("SIGINT", on);
      process.on("SIGTERM", on);
      return off;
    },
  };
}
