import type { CommandId } from "./commands/command";

/** Result of one command: the completion code and the response data after it. */
export interface CommandResult {
  completionCode: number;
  data: Buffer;
}

/**
 * Sends one command in an open session. Resolves for completion code 0 and for the codes in
 * `allowed` (the caller handles those, e.g. 0xCA "ask for fewer bytes"); any other code rejects
 * with the typed error from completion-codes.ts. The SDR and SEL walkers depend only on this,
 * so they can be tested against a scripted runner and reused over an IPMI v2.0 session.
 */
export type CommandRunner = (
  command: CommandId,
  data: Uint8Array,
  allowed?: readonly number[],
) => Promise<CommandResult>;
