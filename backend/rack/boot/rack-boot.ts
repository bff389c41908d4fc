/**
 * The rack's boot services as one unit that `fibrix rack serve --boot` starts and stops: the
 * boot state (services.ts), its HTTP server (iPXE scripts, kernel, initrd, images, reports) and
 * dnsmasq (DHCP + TFTP), whose configuration follows every RackConfig from the heartbeat and
 * every machine an executor is about to boot.
 *
 * Lab mode (`netns`): the machines' subnet exists only inside a network namespace. dnsmasq then
 * runs inside it, the HTTP server listens on a Unix socket and a relay inside the namespace
 * forwards the boot URL's address to it (netns-relay.ts).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { RackConfig } from "../../../sdk/schema/rack-agent";
import { BootError } from "./boot-error";
import { DnsmasqProcess } from "./dnsmasq";
import { renderDnsmasqConfig } from "./dnsmasq-config";
import { BootHttpServer, type ListenTarget } from "./http-server";
import { type NetnsRelay, startNetnsRelay } from "./netns-relay";
import { BootServices } from "./services";

export interface RackBootOptions {
  /** Interface facing the machines' subnet (dnsmasq binds to it alone). */
  interface: string;
  /** The boot server's URL as machines reach it: http://10.20.0.1:8080. */
  bootUrl: string;
  /** Where the HTTP server listens (default: the boot URL's address and port; a Unix socket in lab mode). */
  listen?: ListenTarget;
  /** Directory for dnsmasq's files (config, leases, TFTP root) and the lab's socket. */
  workDir: string;
  /** Deployable raw disk images, served as /images/NAME. */
  imagesDir: string;
  /** The ephemeral (commissioning/deploy) environment. */
  kernel: string;
  initrd: string;
  /** Lab mode: the network namespace of the machines' subnet. */
  netns?: string;
  log?: Logger;
}

export class RackBoot {
  readonly services: BootServices;
  private readonly http: BootHttpServer;
  private readonly dnsmasq: DnsmasqProcess;
  private relay: NetnsRelay | undefined;
  private applying: Promise<unknown> = Promise.resolve();
  private dhcpFailed = false;
  private stopped = false;

  constructor(private readonly o: RackBootOptions) {
    this.services = new BootServices({
      baseUrl: o.bootUrl,
      kernelPath: o.kernel,
      initrdPath: o.initrd,
      imagesDir: o.imagesDir,
    });
    this.http = new BootHttpServer(this.services, o.log);
    this.dnsmasq = new DnsmasqProcess({
      workDir: join(o.workDir, "dnsmasq"),
      ...(o.netns ? { netns: o.netns } : {}),
      onLog: (line) => o.log?.debug({ dnsmasq: line }, "dnsmasq"),
    });
    this.services.onChange(() => this.applyDhcp());
  }

  /** Starts the HTTP boot server (and the lab relay); dnsmasq starts with the first RackConfig. */
  async start(): Promise<void> {
    const url = new URL(this.o.bootUrl);
    const port = Number(url.port || 80);
    if (this.o.netns) {
      const listen = this.o.listen ?? { path: join(this.o.workDir, "boot.sock") };
      if (!("path" in listen)) {
        throw new BootError("BOOT_BAD_CONFIG", "lab mode (netns) needs the boot server on a Unix socket");
      }
      // A rack killed earlier leaves its socket file behind; listen() would fail on it.
      rmSync(listen.path, { force: true });
      await this.http.listen(listen);
      this.relay = await startNetnsRelay({
        netns: this.o.netns,
        host: url.hostname,
        port,
        socketPath: listen.path,
      });
    } else {
      await this.http.listen(this.o.listen ?? { host: url.hostname, port });
    }
  }

  /** The agent's onConfig: reservations and ranges follow the region. */
  setConfig(config: RackConfig): void {
    this.services.setConfig(config);
  }

  /** Service states for the heartbeat. */
  states(): Record<string, "running" | "stopped" | "failed"> {
    return {
      dhcp: this.dnsmasq.running ? "running" : this.dhcpFailed ? "failed" : "stopped",
      "boot-http": this.stopped ? "stopped" : "running",
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying.catch(() => undefined);
    await this.dnsmasq.stop();
    await this.relay?.stop();
    await this.http.close();
  }

  private applyDhcp(): void {
    const config = this.services.getConfig();
    if (!config || this.stopped) return;
    const cfg = renderDnsmasqConfig({
      config,
      interface: this.o.interface,
      bootUrl: this.o.bootUrl,
      tftpRoot: this.dnsmasq.paths.tftpRoot,
      leaseFile: this.dnsmasq.paths.leases,
      hostsFile: this.dnsmasq.paths.hosts,
      extraHosts: this.services.pendingHosts(),
    });
    // One apply at a time, in order: a reload must not race a restart.
    this.applying = this.applying
      .catch(() => undefined)
      .then(() => (this.stopped ? undefined : this.dnsmasq.apply(cfg)))
      .then(
        () => {
          this.dhcpFailed = false;
        },
        (e: unknown) => {
          this.dhcpFailed = true;
          this.o.log?.error({ err: e }, "dnsmasq: configuration not applied");
        },
      );
  }
}
