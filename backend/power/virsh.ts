/**
 * A libvirt domain as a machine: `virsh -c URI start|destroy|reset|shutdown|domstate DOMAIN`
 * (execFile, no shell). The boot device is changed in the persistent definition (dumpxml →
 * rewrite <os><boot dev=…/> → define), which takes effect at the next start of the domain.
 */

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BootTarget,
  BasePowerDriver,
  type DriverDeps,
  type PowerDriverSpec,
  type PowerState,
} from "./driver";
import {
  ConfigurationError,
  PowerActionError,
  type PowerError,
  PowerTimeoutError,
  UnreachableError,
  UnsupportedError,
} from "./errors";
import { virshDeclaration } from "./declared/virsh";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; resolves with its exit code (also for non-zero exits). */
export type Executor = (file: string, args: readonly string[], timeoutMs: number) => Promise<ExecResult>;

export const execFileExecutor: Executor = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.code === "ENOENT") return reject(new ConfigurationError(`${file} is not installed`, "type"));
      if (e.killed)
        return reject(new PowerTimeoutError(`${file} ${args.join(" ")}: no answer within ${timeoutMs} ms`));
      resolve({ code: typeof e.code === "number" ? e.code : 1, stdout, stderr });
    });
  });

/** Pure: libvirt domain state (virsh domstate) → power state. */
export function powerStateFromDomstate(out: string): PowerState {
  const s = out.trim().split("\n")[0]?.trim().toLowerCase() ?? "";
  if (["running", "idle", "paused", "in shutdown", "blocked", "pmsuspended"].includes(s)) return "on";
  if (["shut off", "crashed"].includes(s)) return "off";
  return "unknown";
}

/** Pure: the typed error for a failed virsh call (one table, like MAAS's ipmi.py). */
export function virshFailure(what: string, stderr: string): PowerError {
  const msg = `virsh ${what}: ${stderr.trim().replace(/\s+/g, " ") || "failed"}`;
  if (
    /failed to connect to the hypervisor|cannot connect|Connection refused|no connection driver/i.test(stderr)
  ) {
    return new UnreachableError(msg);
  }
  if (/Domain not found|failed to get domain|no domain with matching/i.test(stderr)) {
    return new ConfigurationError(msg, "domain");
  }
  if (/authentication failed|permission denied|access denied/i.test(stderr))
    return new ConfigurationError(msg, "uri");
  if (/not supported|unsupported/i.test(stderr)) return new UnsupportedError(msg);
  return new PowerActionError(msg);
}

/**
 * Pure: the domain XML with its <os> boot order replaced (network then disk for PXE, disk only
 * for disk). Per-device <boot order=…/> cannot be mixed with <os><boot dev=…/> (libvirt rejects
 * it), so such domains are UnsupportedError.
 */
export function withBootDevice(xml: string, device: BootTarget): string {
  if (/<boot\s+order=/.test(xml)) {
    throw new UnsupportedError(
      "domain uses per-device <boot order=…>; change its boot order with virsh edit",
    );
  }
  const os = /<os(\s[^>]*)?>([\s\S]*?)<\/os>/.exec(xml);
  if (!os) throw new UnsupportedError("domain XML has no <os> element");
  const inner = os[2]!.replace(/\s*<boot\s+dev=['"][^'"]*['"]\s*\/>/g, "");
  const indent = /\n(\s*)<type/.exec(inner)?.[1] ?? "    ";
  const boots = (device === "pxe" ? ["network", "hd"] : ["hd"])
    .map((d) => `\n${indent}<boot dev='${d}'/>`)
    .join("");
  const typeEnd = /<type[^>]*(\/>|>[\s\S]*?<\/type>)/.exec(inner);
  const at = typeEnd ? typeEnd.index + typeEnd[0].length : 0;
  const newInner = inner.slice(0, at) + boots + inner.slice(at);
  return `${xml.slice(0, os.index)}<os${os[1] ?? ""}>${newInner}</os>${xml.slice(os.index + os[0].length)}`;
}

export class VirshPowerDriver extends BasePowerDriver {
  readonly name = "virsh";

  constructor(
    readonly uri: string,
    readonly domain: string,
    private readonly timeoutMs = 30_000,
    private readonly exec: Executor = execFileExecutor,
    deps: DriverDeps = {},
  ) {
    super(deps);
  }

  /** One virsh call; `left` (time to the verb's deadline) cuts its timeout. */
  private async virsh(
    args: readonly string[],
    okIf?: RegExp,
    left = Number.POSITIVE_INFINITY,
  ): Promise<string> {
    const timeoutMs = Math.max(1, Math.floor(Math.min(this.timeoutMs, left)));
    const r = await this.exec("virsh", ["-c", this.uri, ...args], timeoutMs);
    if (r.code === 0 || okIf?.test(r.stderr)) return r.stdout;
    throw virshFailure(args[0] ?? "", r.stderr);
  }

  // Idempotent like virtualbmc: starting a running domain or destroying a stopped one succeeds.
  protected async powerOn(left?: number): Promise<void> {
    await this.virsh(["start", this.domain], /already active|is already running/i, left);
  }
  protected async powerOff(left?: number): Promise<void> {
    await this.virsh(["destroy", this.domain], /not running|is not active/i, left);
  }
  protected async powerCycle(left?: number): Promise<void> {
    const until = Date.now() + (left ?? Number.POSITIVE_INFINITY);
    await this.powerOff(left);
    await this.powerOn(until - Date.now());
  }
  protected async powerReset(left?: number): Promise<void> {
    await this.virsh(["reset", this.domain], undefined, left);
  }
  protected async powerSoftOff(left?: number): Promise<void> {
    await this.virsh(["shutdown", this.domain], /not running|is not active/i, left);
  }
  protected async queryPowerState(left?: number): Promise<PowerState> {
    return powerStateFromDomstate(await this.virsh(["domstate", this.domain], undefined, left));
  }
  protected async applyBootDevice(device: BootTarget, _persistent?: boolean, left?: number): Promise<void> {
    const until = Date.now() + (left ?? Number.POSITIVE_INFINITY);
    const xml = await this.virsh(["dumpxml", "--inactive", this.domain], undefined, left);
    const dir = await mkdtemp(join(tmpdir(), "fibrix-virsh-"));
    try {
      const file = join(dir, "domain.xml");
      await writeFile(file, withBootDevice(xml, device));
      await this.virsh(["define", file], undefined, until - Date.now());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export const virshDriverSpec: PowerDriverSpec = {
  ...virshDeclaration,
  create: (s, deps) =>
    new VirshPowerDriver(
      String(s["uri"]),
      String(s["domain"]),
      Number(s["timeoutMs"] ?? 30000),
      execFileExecutor,
      deps,
    ),
};
