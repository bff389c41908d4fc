/**
 * A HostShell on a remote VM host (the host of a qemu+ssh:// URI), over OpenSSH's `ssh` client:
 * BatchMode (never a prompt), strict host key checking against the operator's known_hosts, and
 * a ControlMaster socket in a rack-owned directory so the many ip/nft/bridge commands of one
 * apply share one connection. Connection failures are typed SshErrors (ssh-command.ts); a
 * command that ran and failed is a ShellError, as with localShell.
 */
import { execFile } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { type Command, type HostShell, inNetns, ShellError } from "./host-shell";
import {
  describeTarget,
  type SshClientOptions,
  SshError,
  type SshTarget,
  sshArgv,
  sshExitArgv,
  sshFailure,
} from "./ssh-command";

export interface SshShellOptions extends SshClientOptions {
  /** Bound of one command, handshake included (ms). */
  timeoutMs?: number;
  /** The ssh client binary. */
  sshBinary?: string;
}

export interface SshShell extends HostShell {
  /** Stops this host's master connection (if any). */
  close(): Promise<void>;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: string;
}

function runSsh(bin: string, args: string[], timeoutMs: number, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean }) | null;
        resolve({
          code: e ? (typeof e.code === "number" ? e.code : null) : 0,
          stdout,
          stderr,
          timedOut: !!e?.killed,
          ...(e && typeof e.code === "string" ? { spawnError: e.message } : {}),
        });
      },
    );
    // Always end stdin: a command without input must not wait on ours.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

export function sshShell(target: SshTarget, opts: SshShellOptions, netns?: string): SshShell {
  const where = `${describeTarget(target)}${netns ? ` netns ${netns}` : ""}`;
  const bin = opts.sshBinary ?? "ssh";
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // The master sockets: only this rack's user may reach them (they are open sessions as root).
  mkdirSync(opts.controlDir, { recursive: true, mode: 0o700 });
  const st = lstatSync(opts.controlDir);
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid()))
    throw new SshError(
      "HOST_SSH_UNAVAILABLE",
      `ssh master directory ${opts.controlDir} is not a directory of this rack's user`,
      false,
    );
  chmodSync(opts.controlDir, 0o700);
  return {
    where,
    async run(cmd: Command, input?: string) {
      const r = await runSsh(bin, sshArgv(target, opts, inNetns(cmd, netns)), timeoutMs, input);
      if (r.code === 0) return r.stdout;
      if (r.spawnError) throw new SshError("HOST_SSH_UNAVAILABLE", `${where}: ${r.spawnError}`, false);
      if (r.timedOut)
        throw new SshError(
          "HOST_SSH_TIMEOUT",
          `${where}: ${cmd.join(" ")}: no answer in ${timeoutMs} ms`,
          true,
        );
      throw sshFailure(where, r.code, r.stderr) ?? new ShellError(cmd, r.stderr || `exit ${r.code}`);
    },
    async close() {
      await runSsh(bin, sshExitArgv(target, opts), 10_000);
    },
  };
}
