/**
 * Runs the rack's dnsmasq (DHCP + TFTP only) as a child process: writes the configuration from
 * dnsmasq-config.ts, starts `dnsmasq --keep-in-foreground --conf-file=…` (inside `ip netns exec
 * NS` when asked: `ip` execs dnsmasq in place, so the PID is dnsmasq's), restarts it when the
 * main configuration changes and sends SIGHUP when only the reservations change, stops it by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BootError } from "./boot-error";
import type { DnsmasqConfig } from "./dnsmasq-config";

export interface DnsmasqOptions {
  /** Directory for the config, hosts file, leases and TFTP root (made world-readable: dnsmasq drops to nobody). */
  workDir: string;
  netns?: string;
  binary?: string;
  /** Files copied into the TFTP root when present (undionly.kpxe, snponly.efi from the ipxe package). */
  tftpFiles?: readonly string[];
  onLog?: (line: string) => void;
}

export const DEFAULT_TFTP_FILES = [
  "/usr/lib/ipxe/undionly.kpxe",
  "/usr/lib/ipxe/snponly.efi",
  "/usr/lib/ipxe/ipxe.efi",
];

export class DnsmasqProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private current: DnsmasqConfig | undefined;
  readonly paths: { conf: string; hosts: string; leases: string; tftpRoot: string; pid: string };

  constructor(private readonly o: DnsmasqOptions) {
    this.paths = {
      conf: join(o.workDir, "dnsmasq.conf"),
      hosts: join(o.workDir, "dhcp-hosts"),
      leases: join(o.workDir, "dnsmasq.leases"),
      tftpRoot: join(o.workDir, "tftp"),
      pid: join(o.workDir, "dnsmasq.pid"),
    };
    mkdirSync(this.paths.tftpRoot, { recursive: true });
    chmodSync(o.workDir, 0o755);
    chmodSync(this.paths.tftpRoot, 0o755);
    for (const f of o.tftpFiles ?? DEFAULT_TFTP_FILES) {
      if (existsSync(f)) copyFileSync(f, join(this.paths.tftpRoot, f.split("/").pop()!));
    }
    if (!existsSync(this.paths.leases)) writeFileSync(this.paths.leases, "", { mode: 0o644 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Applies a configuration: start, restart (main changed) or SIGHUP (only hosts changed). */
  async apply(cfg: DnsmasqConfig): Promise<"started" | "restarted" | "reloaded" | "unchanged"> {
    const before = this.current;
    this.current = cfg;
    if (before && this.running && before.main === cfg.main) {
      if (before.hosts === cfg.hosts) return "unchanged";
      writeFileSync(this.paths.hosts, cfg.hosts, { mode: 0o644 });
      this.child!.kill("SIGHUP"); // dnsmasq(8): SIGHUP re-reads --dhcp-hostsfile
      return "reloaded";
    }
    const wasRunning = this.running;
    if (wasRunning) await this.stop();
    writeFileSync(this.paths.hosts, cfg.hosts, { mode: 0o644 });
    writeFileSync(this.paths.conf, cfg.main, { mode: 0o644 });
    await this.start();
    return wasRunning ? "restarted" : "started";
  }

  /**
   * A rack agent killed with SIGKILL leaves its dnsmasq running (holding the DHCP port): the
   * next agent on the same work directory ends that one first. Only a process whose command
   * line names our configuration file is killed.
   */
  private async killStale(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.paths.pid, "utf8").trim());
    } catch {
      return;
    }
    const cmdline = (): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "";
      }
    };
    if (!Number.isInteger(pid) || pid <= 1 || !cmdline().includes(this.paths.conf)) return;
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 50 && cmdline() !== ""; i++) await new Promise((r) => setTimeout(r, 100));
  }

  private async start(): Promise<void> {
    await this.killStale();
    const bin = this.o.binary ?? "dnsmasq";
    const args = [bin, "--keep-in-foreground", "--log-facility=-", `--conf-file=${this.paths.conf}`];
    const [cmd, ...rest] = this.o.netns ? ["ip", "netns", "exec", this.o.netns, ...args] : args;
    const child = spawn(cmd!, rest, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    if (child.pid) writeFileSync(this.paths.pid, `${child.pid}\n`);
    this.exited = new Promise((r) => child.once("exit", () => r()));
    return new Promise((resolve, reject) => {
      let out = "";
      let settled = false;
      const onData = (d: Buffer) => {
        const s = String(d);
        out += s;
        for (const line of s.split("\n")) if (line.trim()) this.o.onLog?.(line);
        // dnsmasq logs "started, version …" and then its DHCP/TFTP setup once it has bound.
        if (!settled && /(DHCP, IP range|TFTP root is)/.test(out)) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill("SIGKILL");
        reject(
          new BootError(
            "BOOT_DNSMASQ_FAILED",
            `dnsmasq did not start within 10 s: ${out.slice(-2000)}`,
            true,
          ),
        );
      }, 10_000);
      child.once("exit", (code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new BootError("BOOT_DNSMASQ_FAILED", `dnsmasq exited ${code}: ${out.slice(-2000)}`, true));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.running) this.child!.kill("SIGTERM");
    await this.exited;
    this.child = undefined;
  }
}
