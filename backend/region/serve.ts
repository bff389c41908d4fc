/**
 * `fibrix region serve`: the region's HTTP(S) API and its authoritative DNS, until SIGINT/SIGTERM.
 */
import type { Logger } from "pino";
import pino from "pino";
import type { Clock } from "./clock";
import { ZoneCache } from "./dns-zones";
import { type DnsServer, startDnsServer } from "./dns/server";
import { buildRegion, type RegionApp } from "./server";
import { loadRegionTls, type RegionTls } from "./tls-cert";
import { type TlsFlags, tlsModeOf } from "./tls-mode";
import { Watchdog, type WatchdogOptions } from "./watchdog";

export interface ServeOptions {
  listen: string;
  dataDir: string;
  databaseUrl?: string;
  /** HOST:PORT for the authoritative DNS (UDP and TCP); port 0 picks a free one. Off when absent. */
  dnsListen?: string;
  adminKey?: string;
  logger?: Logger;
  watchdog?: WatchdogOptions;
  clock?: Clock;
  /** TLS as `region serve`'s flags ask for it (tls-mode.ts): by default plain HTTP on loopback, a self-signed certificate elsewhere. */
  tls?: TlsFlags;
}

export interface RunningRegion {
  url: string;
  /** The DNS port actually bound, when DNS is on. */
  dnsPort?: number;
  /** The certificate served, when the API speaks HTTPS. */
  tls?: RegionTls;
  region: RegionApp;
  close(): Promise<void>;
}

export function parseListen(listen: string, flag: string): { host: string; port: number } {
  const m = listen.match(/^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) throw new Error(`${flag} must be HOST:PORT (e.g. 127.0.0.1:5240), got ${listen}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export async function startRegionServer(opts: ServeOptions): Promise<RunningRegion> {
  const log = opts.logger ?? pino({ level: process.env.FIBRIX_LOG_LEVEL ?? "info" });
  const { host, port } = parseListen(opts.listen, "--listen");
  const tls = await loadRegionTls(tlsModeOf(opts.tls ?? {}, host), opts.dataDir, host);
  const region = await buildRegion({
    ...(tls ? { tls } : {}),
    dataDir: opts.dataDir,
    databaseUrl: opts.databaseUrl,
    adminKey: opts.adminKey,
    logger: log,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await region.app.listen({ host, port });
  const addr = region.app.server.address() as { address: string; port: number };
  const url = `${tls ? "https" : "http"}://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let dns: DnsServer | undefined;
  if (opts.dnsListen) {
    const d = parseListen(opts.dnsListen, "--dns-listen");
    const zones = new ZoneCache(region.ctx.store.db, region.dnsSerial, log, d.host);
    await zones.refresh();
    region.onDnsChange(() => void zones.refresh());
    dns = await startDnsServer({ host: d.host, port: d.port, getZones: () => zones.get(), logger: log });
    log.info({ host: d.host, port: dns.port }, "region DNS listening");
  }
  const watchdog = new Watchdog(region.ctx, opts.watchdog);
  watchdog.start();
  if (tls) {
    log.info(
      {
        fingerprint: tls.fingerprint,
        certFile: tls.certFile,
        selfSigned: tls.selfSigned,
        created: tls.created,
      },
      "region TLS certificate (SHA-256 fingerprint)",
    );
  }
  log.info({ url, store: region.ctx.store.dialect }, "region listening");
  return {
    url,
    region,
    ...(dns ? { dnsPort: dns.port } : {}),
    ...(tls ? { tls } : {}),
    async close() {
      await watchdog.stop();
      await dns?.close();
      await region.app.close();
    },
  };
}
