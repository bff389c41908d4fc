/**
 * The rack's boot services as the executors see them: who is expected to PXE boot, with which
 * one-time token, and the reports their environments post back. The HTTP boot server asks it
 * what each MAC should boot (`decide`) and hands it the posted reports (`deliver`); the
 * commission/deploy executors `expect` a machine before powering it on and `wait` for its
 * report. The agent constructs one, calls `setConfig` on each heartbeat, and passes it to the
 * boot executors (see backend/rack/executors/commission.ts).
 *
 * A pending expectation wins over the heartbeat's `boot` field: the region's config may be up
 * to one heartbeat old, while an expectation exists exactly while an executor waits.
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RackConfig } from "../../../sdk/schema/rack-agent";
import { BootError } from "./boot-error";
import { normaliseMac } from "./dnsmasq-config";
import type { EnvReport, ReportKind } from "./env-report";
import type { BootDecision } from "./ipxe-scripts";

export interface BootServicesOptions {
  /** Base URL of the HTTP boot server as machines reach it (http://10.77.0.1:8080). */
  baseUrl: string;
  kernelPath: string;
  initrdPath: string;
  /** Directory of deployable raw disk images, served as /images/NAME. */
  imagesDir: string;
  /** Extra kernel arguments for the ephemeral environment (default: serial console). */
  kernelArgs?: readonly string[];
}

export interface ExpectOptions {
  machineId: string;
  mode: "commission" | "deploy";
  macs: readonly string[];
  /** Deploy: image name under imagesDir. */
  image?: string;
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Called every `tickMs` while waiting (progress messages keep the task's lease). */
  onTick?: (waitedMs: number) => void | Promise<void>;
  tickMs?: number;
}

export interface BootEvent {
  at: number;
  mac: string;
  machineId?: string;
  decision: BootDecision["kind"];
  mode?: string;
}

type Waiter = { resolve: (r: EnvReport) => void; reject: (e: Error) => void };

/** One machine the rack expects to boot: its token and the reports received so far. */
export class PendingBoot {
  readonly token = randomBytes(16).toString("hex");
  private readonly reports = new Map<ReportKind, EnvReport>();
  private readonly waiters = new Map<ReportKind, Waiter[]>();
  private closedWith: Error | undefined;

  constructor(
    readonly opts: ExpectOptions,
    private readonly onDone: (p: PendingBoot) => void,
  ) {}

  get machineId(): string {
    return this.opts.machineId;
  }

  has(kind: ReportKind): boolean {
    return this.reports.has(kind);
  }

  deliver(kind: ReportKind, report: EnvReport): void {
    if (this.closedWith) return;
    this.reports.set(kind, report);
    for (const w of this.waiters.get(kind) ?? []) w.resolve(report);
    this.waiters.delete(kind);
  }

  /** Resolves with the report of `kind` (at once if it already came), or rejects on timeout/abort. */
  wait(kind: ReportKind, o: WaitOptions): Promise<EnvReport> {
    const have = this.reports.get(kind);
    if (have) return Promise.resolve(have);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<EnvReport>((resolve, reject) => {
      const started = Date.now();
      const tick = o.onTick
        ? setInterval(
            () => void Promise.resolve(o.onTick?.(Date.now() - started)).catch(() => {}),
            o.tickMs ?? 15_000,
          )
        : undefined;
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(tick);
        o.signal?.removeEventListener("abort", onAbort);
        const list = this.waiters.get(kind) ?? [];
        this.waiters.set(
          kind,
          list.filter((w) => w !== waiter),
        );
      };
      const waiter: Waiter = {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new BootError(
              "BOOT_REPORT_TIMEOUT",
              `no ${kind} report from machine ${this.machineId} within ${Math.round(o.timeoutMs / 1000)} s`,
              true,
            ),
          ),
        o.timeoutMs,
      );
      const onAbort = () => waiter.reject(new BootError("BOOT_ABORTED", "the rack agent is stopping", true));
      if (o.signal?.aborted) {
        onAbort();
        return;
      }
      o.signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(kind, [...(this.waiters.get(kind) ?? []), waiter]);
    });
  }

  /** Forget this machine (the executor is done with it); waiters are rejected with `why`. */
  close(why: Error = new BootError("BOOT_ABORTED", "no longer expected")): void {
    if (this.closedWith) return;
    this.closedWith = why;
    for (const list of this.waiters.values()) for (const w of [...list]) w.reject(why);
    this.waiters.clear();
    this.onDone(this);
  }
}

export class BootServices {
  private config: RackConfig | undefined;
  private readonly byMachine = new Map<string, PendingBoot>();
  private readonly listeners = new Set<() => void>();
  /** The last boots served, newest last (bounded), for logs and tests. */
  readonly events: BootEvent[] = [];

  constructor(readonly opts: BootServicesOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl.replace(/\/+$/, "");
  }

  /** For a boot server bound to an ephemeral port: its URL is known only once it listens. */
  setBaseUrl(url: string): void {
    this.opts.baseUrl = url;
  }

  /** The latest RackConfig (from the agent's heartbeat). */
  setConfig(config: RackConfig): void {
    this.config = config;
    this.changed();
  }

  getConfig(): RackConfig | undefined {
    return this.config;
  }

  /** Called when the set of machines/MACs changes (dnsmasq reservations follow it). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** MACs of machines being worked on that the last config may not list yet. */
  pendingHosts(): { mac: string; machineId: string }[] {
    return [...this.byMachine.values()].flatMap((p) =>
      p.opts.macs.map((mac) => ({ mac: normaliseMac(mac), machineId: p.machineId })),
    );
  }

  imagePath(name: string): string | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) return undefined;
    const p = join(this.opts.imagesDir, name);
    return existsSync(p) && statSync(p).isFile() ? p : undefined;
  }

  /** Registers a machine about to boot; a previous expectation for it is superseded. */
  expect(o: ExpectOptions): PendingBoot {
    if (o.mode === "deploy" && (!o.image || !this.imagePath(o.image))) {
      throw new BootError("BOOT_IMAGE_NOT_FOUND", `image ${JSON.stringify(o.image)} is not on this rack`);
    }
    for (const mac of o.macs) normaliseMac(mac);
    this.byMachine
      .get(o.machineId)
      ?.close(new BootError("BOOT_SUPERSEDED", `a newer ${o.mode} task took machine ${o.machineId}`));
    const p = new PendingBoot(o, (done) => {
      if (this.byMachine.get(done.machineId) === done) {
        this.byMachine.delete(done.machineId);
        this.changed();
      }
    });
    this.byMachine.set(o.machineId, p);
    this.changed();
    return p;
  }

  pending(machineId: string): PendingBoot | undefined {
    return this.byMachine.get(machineId);
  }

  /** What the machine with this MAC should boot now. */
  decide(macRaw: string): { decision: BootDecision; machineId?: string } {
    if (macRaw === "") return this.record("", { kind: "identify", baseUrl: this.baseUrl });
    let mac: string;
    try {
      mac = normaliseMac(macRaw);
    } catch {
      return this.record(macRaw, { kind: "exit", reason: "malformed MAC" });
    }
    for (const p of this.byMachine.values()) {
      if (!p.opts.macs.some((m) => normaliseMac(m) === mac)) continue;
      if (p.opts.mode === "deploy" && p.has("deploy")) {
        return this.record(mac, { kind: "local" }, p.machineId);
      }
      if (p.has(p.opts.mode)) {
        return this.record(mac, { kind: "exit", reason: `${p.opts.mode} already reported` }, p.machineId);
      }
      return this.record(
        mac,
        {
          kind: "ephemeral",
          mode: p.opts.mode,
          baseUrl: this.baseUrl,
          machineId: p.machineId,
          token: p.token,
          ...(p.opts.image ? { image: p.opts.image } : {}),
          kernelArgs: this.opts.kernelArgs ?? ["console=ttyS0"],
        },
        p.machineId,
      );
    }
    const m = this.config?.machines.find((x) => x.macs.some((y) => normaliseMac(y) === mac));
    if (!m) return this.record(mac, { kind: "exit", reason: "unknown MAC" });
    if (m.boot === "local") return this.record(mac, { kind: "local" }, m.id);
    // commission/deploy without a waiting executor: nobody would read the report; boot local.
    return this.record(
      mac,
      { kind: "exit", reason: m.boot === "none" ? "nothing to do" : "no task waiting" },
      m.id,
    );
  }

  /** Hands a posted report to the machine's waiting executor; throws when nobody expects it. */
  deliver(machineId: string, kind: ReportKind, token: string, report: EnvReport): void {
    const p = this.byMachine.get(machineId);
    if (!p) throw new BootError("BOOT_REPORT_UNEXPECTED", `machine ${machineId} is not expected to report`);
    if (p.token !== token)
      throw new BootError("BOOT_REPORT_FORBIDDEN", `wrong token for machine ${machineId}`);
    p.deliver(kind, report);
  }

  close(): void {
    for (const p of [...this.byMachine.values()]) p.close();
  }

  private record(mac: string, decision: BootDecision, machineId?: string) {
    this.events.push({
      at: Date.now(),
      mac,
      decision: decision.kind,
      ...(machineId ? { machineId } : {}),
      ...(decision.kind === "ephemeral" ? { mode: decision.mode } : {}),
    });
    if (this.events.length > 200) this.events.shift();
    return machineId ? { decision, machineId } : { decision };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
