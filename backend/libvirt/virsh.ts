/**
 * A small typed runner around `virsh -c URI …` (child_process.execFile, arguments as an array,
 * never a shell string). virsh is the whole libvirt surface we use: it speaks every URI
 * transport (qemu:///system, qemu+ssh://, test:///) and covers pools and volumes, which the
 * npm bindings do not.
 *
 * Failures become a `LibvirtError` whose `code` is derived from virsh's message through one
 * table (`classifyVirshMessage`), in the manner of MAAS's ipmi.py failure table.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type LibvirtErrorCode = "NOT_FOUND" | "UNREACHABLE" | "CONFLICT" | "TIMEOUT" | "FAILED";

export class LibvirtError extends Error {
  override readonly name = "LibvirtError";
  constructor(
    readonly code: LibvirtErrorCode,
    message: string,
    readonly retryable: boolean,
    /** The virsh arguments that failed (after `-c URI`), for logs. */
    readonly command: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface VirshOptions {
  /** Kill virsh after this long (qemu+ssh can hang on a dead host). Default 30 s. */
  timeoutMs?: number;
  /**
   * Content handed to virsh as a file: written to a private temp file whose path replaces
   * every `INPUT_FILE` in the arguments, e.g. `virsh(uri, ["define", INPUT_FILE], { input: xml })`.
   * Not stdin: Node's child stdio is a socketpair, and virsh cannot open /dev/stdin on a
   * socket (ENXIO); its batch mode on stdin exits 0 even when a command fails.
   */
  input?: string | Buffer;
}

/** The shape every libvirt edge depends on, so tests and callers can swap the transport. */
export type VirshRunner = (uri: string, args: readonly string[], opts?: VirshOptions) => Promise<string>;

interface Rule {
  re: RegExp;
  code: LibvirtErrorCode;
  retryable: boolean;
}

/**
 * Ordered: the first match wins. Connection failures come first because virsh prints
 * "failed to connect to the hypervisor" together with the transport's own reason.
 * Messages are those of libvirt 9 (virerror.c) and virsh's "failed to get …" wrappers.
 */
const RULES: readonly Rule[] = [
  { re: /failed to connect to the hypervisor/i, code: "UNREACHABLE", retryable: true },
  { re: /no connection driver available/i, code: "UNREACHABLE", retryable: false },
  {
    re: /(cannot recv data|cannot write data|end of file while reading data)/i,
    code: "UNREACHABLE",
    retryable: true,
  },
  {
    re: /(connection refused|connection reset|broken pipe|no route to host)/i,
    code: "UNREACHABLE",
    retryable: true,
  },
  { re: /(unable to connect to server|failed to connect socket)/i, code: "UNREACHABLE", retryable: true },
  { re: /(timed out during operation|cannot acquire state change lock)/i, code: "TIMEOUT", retryable: true },
  { re: /asynchronous jobs running/i, code: "CONFLICT", retryable: true },
  {
    re: /(already exists|exists already|already in use|is already active|already running)/i,
    code: "CONFLICT",
    retryable: false,
  },
  { re: /(domain is not running|is not active|not running)/i, code: "CONFLICT", retryable: false },
  {
    re: /(not found|failed to get (domain|vol|pool|network)|no (storage )?(vol|pool|domain) with matching)/i,
    code: "NOT_FOUND",
    retryable: false,
  },
];

/** Pure: map virsh's stderr to a code and a retry hint. */
export function classifyVirshMessage(stderr: string): { code: LibvirtErrorCode; retryable: boolean } {
  for (const r of RULES) if (r.re.test(stderr)) return { code: r.code, retryable: r.retryable };
  return { code: "FAILED", retryable: false };
}

/** The useful part of virsh's stderr: its "error: …" lines, joined. */
export function virshErrorText(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^error:\s*/i, ""));
  return lines.join(": ") || "virsh failed without a message";
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Placeholder argument replaced by the path of the `input` file. */
export const INPUT_FILE = "\u0000fibrix-virsh-input\u0000";

/** Runs `virsh -c uri ...args` and resolves with its stdout. */
export const virsh: VirshRunner = async (uri, args, opts = {}) => {
  if (opts.input === undefined)
    return runVirsh(["-c", uri, ...args], args, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const dir = await mkdtemp(join(tmpdir(), "fibrix-virsh-"));
  try {
    const file = join(dir, "input");
    await writeFile(file, opts.input, { mode: 0o600 });
    const argv = ["-c", uri, ...args.map((a) => a.split(INPUT_FILE).join(file))];
    return await runVirsh(argv, args, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

function runVirsh(argv: readonly string[], args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = execFile(
      "virsh",
      argv,
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (e.code === "ENOENT") {
          reject(new LibvirtError("FAILED", "virsh is not installed (libvirt-clients)", false, args));
        } else if (e.killed && e.signal === "SIGKILL") {
          reject(
            new LibvirtError("TIMEOUT", `virsh ${args[0] ?? ""} timed out after ${timeoutMs} ms`, true, args),
          );
        } else {
          const { code, retryable } = classifyVirshMessage(stderr);
          reject(new LibvirtError(code, virshErrorText(stderr), retryable, args));
        }
      },
    );
    // virsh with a command never reads stdin; closing it keeps it from ever waiting on us.
    child.stdin?.on("error", () => {});
    child.stdin?.end();
  });
}

export function isLibvirtError(e: unknown, code?: LibvirtErrorCode): e is LibvirtError {
  return e instanceof LibvirtError && (code === undefined || e.code === code);
}
