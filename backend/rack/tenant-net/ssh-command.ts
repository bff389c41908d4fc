/**
 * The pure half of the ssh HostShell (ssh-shell.ts): where a libvirt URI's ssh transport goes,
 * the OpenSSH client argv that runs one command there, and what an ssh failure means.
 *
 * Target: the same user/host/port libvirt's remote driver takes from the URI
 * (libvirt src/remote/remote_driver.c doRemoteOpen: `uri->user`, `uri->server` or
 * "localhost", `uri->port` else ssh's default), plus its `keyfile` parameter (passed as `-i`,
 * as libvirt's ssh transport does in src/rpc/virnetsocket.c virNetSocketNewConnectSSH).
 * `no_verify=1` is NOT honoured: host keys are always checked strictly.
 */
import { TaskError } from "../executor";
import type { Command } from "./host-shell";

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** The URI's `keyfile`: this host's identity, before the rack's own. */
  keyFile?: string;
}

/** The libvirt transports whose far end is an ssh server. */
const SSH_TRANSPORT = /^[a-z0-9]+\+(ssh|libssh|libssh2):$/i;

/** The ssh target of a libvirt URI, or undefined when the URI is not an ssh transport. */
export function sshTargetOf(uri: string): SshTarget | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (!SSH_TRANSPORT.test(u.protocol)) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, "") || "localhost";
  const keyFile = u.searchParams.get("keyfile");
  return {
    host,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.port ? { port: Number(u.port) } : {}),
    ...(keyFile ? { keyFile } : {}),
  };
}

/** A remote URI whose transport is not ssh (tcp, tls): no shell reaches its host. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z0-9]+\+(ssh|libssh2?|tcp|tls):/i.test(uri);
}

export interface SshClientOptions {
  /** The rack's identity (private key file); without it ssh's defaults. */
  identityFile?: string;
  /** The operator's known_hosts; without it ssh's defaults (~/.ssh/known_hosts). Never accept-new. */
  knownHostsFile?: string;
  /** Rack-owned directory (mode 0700) of the ControlMaster sockets. */
  controlDir: string;
  /** How long an idle master connection stays up (s). */
  controlPersistS?: number;
  connectTimeoutS?: number;
}

/** One word for the remote shell: sshd hands the command line to the user's shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function destination(t: SshTarget): string[] {
  return [...(t.port ? ["-p", String(t.port)] : []), ...(t.user ? ["-l", t.user] : []), "--", t.host];
}

/** ssh options shared by a command and the control (`-O exit`) of its master. */
function options(t: SshTarget, o: SshClientOptions): string[] {
  const opt = (kv: string) => ["-o", kv];
  const ids = [t.keyFile, o.identityFile].filter((f): f is string => !!f);
  return [
    ...opt("BatchMode=yes"),
    ...opt("StrictHostKeyChecking=yes"),
    // Never write the operator's known_hosts (no hashing, no key rotation behind their back).
    ...opt("UpdateHostKeys=no"),
    ...(o.knownHostsFile
      ? [...opt(`UserKnownHostsFile=${o.knownHostsFile}`), ...opt("GlobalKnownHostsFile=/dev/null")]
      : []),
    ...ids.flatMap((f) => ["-i", f]),
    ...(ids.length ? opt("IdentitiesOnly=yes") : []),
    ...opt(`ConnectTimeout=${o.connectTimeoutS ?? 10}`),
    ...opt("ServerAliveInterval=10"),
    ...opt("ServerAliveCountMax=3"),
    // One handshake per host, shared by the dozens of commands of an apply. %C: a hash of
    // local host, remote host, port and user, short enough for a socket path.
    ...opt("ControlMaster=auto"),
    ...opt(`ControlPath=${o.controlDir}/%C`),
    ...opt(`ControlPersist=${o.controlPersistS ?? 60}`),
    ...opt("LogLevel=ERROR"),
  ];
}

/** The `ssh` arguments that run `cmd` on the target (no tty, stdin passed through). */
export function sshArgv(t: SshTarget, o: SshClientOptions, cmd: Command): string[] {
  return ["-T", ...options(t, o), ...destination(t), cmd.map(shellQuote).join(" ")];
}

/** The `ssh` arguments that stop the target's master connection. */
export function sshExitArgv(t: SshTarget, o: SshClientOptions): string[] {
  return [...options(t, o), "-O", "exit", ...destination(t)];
}

/** Where a target is, for messages. */
export function describeTarget(t: SshTarget): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `ssh ${t.user ? `${t.user}@` : ""}${host}${t.port ? `:${t.port}` : ""}`;
}

/** A failure of the ssh connection itself (not of the command it ran). */
export class SshError extends TaskError {
  constructor(code: string, message: string, retryable: boolean) {
    super(code, message, retryable);
    this.name = "SshError";
  }
}

/** ssh's own messages (OpenSSH 9: ssh.c, sshconnect.c, sshconnect2.c) → code, retryable. */
const FAILURES: readonly [RegExp, string, boolean][] = [
  [/Host key for .* has changed/i, "HOST_SSH_HOST_KEY_MISMATCH", false],
  [/REMOTE HOST IDENTIFICATION HAS CHANGED/i, "HOST_SSH_HOST_KEY_MISMATCH", false],
  [/No [A-Z0-9-]+ host key is known for/i, "HOST_SSH_HOST_KEY_UNKNOWN", false],
  [/Host key verification failed/i, "HOST_SSH_HOST_KEY_MISMATCH", false],
  [
    /Permission denied \(|Too many authentication failures|no such identity|Load key .*: /i,
    "HOST_SSH_AUTH_REFUSED",
    false,
  ],
  [
    /Connection refused|Connection timed out|No route to host|Network is unreachable|Could not resolve hostname|Connection closed by|Connection reset|kex_exchange_identification|Broken pipe|Timeout, server .* not responding/i,
    "HOST_SSH_UNREACHABLE",
    true,
  ],
];

/**
 * What a failed ssh run means. ssh exits 255 on its own errors, else with the remote command's
 * status; a 255 whose stderr is none of ssh's messages is the command's (a ShellError).
 */
export function sshFailure(where: string, exitCode: number | null, stderr: string): SshError | undefined {
  if (exitCode !== 255) return undefined;
  const text = stderr.trim();
  const lines = text.split("\n").map((l) => l.trim());
  for (const [re, code, retryable] of FAILURES) {
    // The matching line says it (a changed key's verdict, not its banner a dozen lines before).
    const line = lines.find((l) => re.test(l));
    if (line) return new SshError(code, `${where}: ${line.slice(0, 1000)}`, retryable);
  }
  const own = lines.find((l) => /^(ssh:|mux_client|Control socket)/.test(l));
  return own ? new SshError("HOST_SSH_FAILED", `${where}: ${own.slice(0, 1000)}`, true) : undefined;
}
