/**
 * Where tenant-network commands run: the VM host's own network stack. A command is an argv
 * whose first word is `ip`, `bridge`, `nft` or `sysctl`; the shell decides how it reaches the
 * host. `localShell` runs it on this machine, inside the host's network namespace when the VM
 * host's config names one (`ip -n NS …`, `bridge -n NS …`, `ip netns exec NS nft …`): virtual
 * lab hosts on one machine. A remote host (ssh to the host of a qemu+ssh:// URI) is another
 * implementation of the same interface.
 */
import { execFile } from "node:child_process";

export type Command = readonly string[];

export interface HostShell {
  /** Runs one command; resolves with its stdout, rejects with a ShellError. `input` is its stdin. */
  run(cmd: Command, input?: string): Promise<string>;
  /** Where it runs, for messages. */
  readonly where: string;
}

export class ShellError extends Error {
  override readonly name = "ShellError";
  readonly code = "HOST_NET_FAILED";
  readonly retryable = false;
  constructor(
    readonly cmd: Command,
    readonly stderr: string,
  ) {
    super(`${cmd.join(" ")}: ${stderr.trim().slice(0, 1000)}`);
  }
}

/** The argv that runs `cmd` inside `netns` (pure, so it is unit-tested). */
export function inNetns(cmd: Command, netns: string | undefined): string[] {
  if (!netns) return [...cmd];
  const [tool, ...rest] = cmd;
  if (tool === "ip" || tool === "bridge") return [tool, "-n", netns, ...rest];
  return ["ip", "netns", "exec", netns, ...cmd];
}

export function localShell(netns?: string, timeoutMs = 30_000): HostShell {
  return {
    where: netns ? `netns ${netns}` : "this host",
    run(cmd, input) {
      const argv = inNetns(cmd, netns);
      return new Promise((resolve, reject) => {
        const child = execFile(
          argv[0]!,
          argv.slice(1),
          { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) =>
            err ? reject(new ShellError(cmd, stderr || err.message)) : resolve(stdout),
        );
        if (input !== undefined) child.stdin?.end(input);
      });
    },
  };
}
