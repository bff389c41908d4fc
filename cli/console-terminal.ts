/**
 * `fibrix vms console`'s terminal side: the local terminal in raw mode (when it is a TTY) so
 * every key reaches the guest, Ctrl-] (sdk/console.ts CONSOLE_ESCAPE, as in telnet and `virsh
 * console`) to leave, and the terminal restored however the session ends (escape, the region
 * closing, an error, a signal). Piped input works too: its bytes are sent as they come, and at
 * its end the session stays open `lingerMs` for the answers before closing.
 */
import type { Readable, Writable } from "node:stream";
import { CONSOLE_CLOSE, CONSOLE_ESCAPE } from "../sdk/console";
import type { ConsoleConnection } from "../sdk/resources/vm-console";

export interface TerminalInput extends Readable {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

/** Splits input at the escape byte: what to send, and whether the escape was typed. */
export function scanEscape(
  chunk: Uint8Array,
  escapeByte = CONSOLE_ESCAPE,
): { send: Uint8Array; escaped: boolean } {
  const at = chunk.indexOf(escapeByte);
  return at < 0 ? { send: chunk, escaped: false } : { send: chunk.subarray(0, at), escaped: true };
}

export interface TerminalOptions {
  input: TerminalInput;
  output: Writable;
  /** Notices (connected, closed) go here, never into the console's bytes. */
  notice(text: string): void;
  /** After piped input ends, how long to wait for output before closing (default 2 s). */
  lingerMs?: number;
  /** Resolves when the command should stop (SIGINT/SIGTERM). */
  stop?: Promise<unknown>;
}

/** Runs the session to its end; resolves with the exit code (0 when the client ended it). */
export async function runTerminal(conn: ConsoleConnection, o: TerminalOptions): Promise<number> {
  const raw = o.input.isTTY === true && typeof o.input.setRawMode === "function";
  let isRaw = false;
  const restore = () => {
    if (isRaw) o.input.setRawMode!(false);
    isRaw = false;
  };
  // Also on a crash or an exit from elsewhere: never leave the user's terminal raw.
  process.once("exit", restore);
  let byClient = false;
  let linger: NodeJS.Timeout | undefined;
  const close = () => {
    byClient = true;
    conn.close();
  };
  const onData = (chunk: Buffer) => {
    const { send, escaped } = scanEscape(chunk);
    if (send.length > 0) conn.stream.write(send);
    if (escaped) close();
  };
  const onEnd = () => {
    linger = setTimeout(close, o.lingerMs ?? 2_000);
  };
  try {
    if (raw) {
      o.input.setRawMode!(true);
      isRaw = true;
    }
    o.notice(`connected to the console (escape: Ctrl-])${raw ? "\r\n" : "\n"}`);
    o.input.on("data", onData);
    o.input.once("end", onEnd);
    o.input.resume();
    conn.stream.on("data", (d: Buffer) => o.output.write(d));
    void o.stop?.then(close);
    const { code, reason } = await conn.closed;
    restore();
    const clean = byClient || code === CONSOLE_CLOSE.NORMAL;
    o.notice(
      `${raw ? "\r\n" : "\n"}console closed${clean ? "" : `: ${reason || "no reason given"} (code ${code})`}\n`,
    );
    return clean ? 0 : 1;
  } finally {
    clearTimeout(linger);
    o.input.off("data", onData);
    o.input.off("end", onEnd);
    o.input.pause();
    restore();
    process.off("exit", restore);
  }
}
