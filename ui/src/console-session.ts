/**
 * What the VM page says about its serial console session, from the WebSocket's events: pure,
 * so every close code of the contract (sdk/console.ts CONSOLE_CLOSE) has its words tested.
 */
import { CONSOLE_CLOSE } from "../../sdk/console";

export type ConsoleState =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "connected"; since: number }
  | { kind: "closed"; code: number; message: string }
  /** Refused before the upgrade: the region's problem+json is shown instead. */
  | { kind: "refused" };

const WHY: Record<number, string> = {
  [CONSOLE_CLOSE.NORMAL]: "disconnected",
  [CONSOLE_CLOSE.GOING_AWAY]: "the region is shutting down",
  [CONSOLE_CLOSE.CONSOLE_ENDED]: "the VM's console ended on its host",
  [CONSOLE_CLOSE.IDLE]: "ended after a long idle time",
  [CONSOLE_CLOSE.MAX_DURATION]: "ended at its maximum length",
  [CONSOLE_CLOSE.RACK_LOST]: "the rack carrying the console went away",
  [CONSOLE_CLOSE.INTERNAL]: "the region could not carry the session",
  1006: "the connection was lost",
};

/** The words for a session's end: what the code means, and the region's reason when it gave one. */
export function closeMessage(code: number, reason: string): string {
  const why = WHY[code] ?? `closed with code ${code}`;
  const said = reason.trim();
  return said && said !== why ? `${why}: ${said}` : why;
}

/** The state line shown beside the terminal (and read by screen readers). */
export function stateLabel(s: ConsoleState): string {
  switch (s.kind) {
    case "idle":
      return "Not connected";
    case "connecting":
      return "Connecting… (the region asks the VM's rack to open the console)";
    case "connected":
      return "Connected: typing goes to the VM's serial console. Ctrl-] disconnects.";
    case "closed":
      return `Disconnected (${s.message})`;
    case "refused":
      return "The console was refused";
  }
}
