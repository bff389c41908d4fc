/**
 * `fibrix region serve`: the region's HTTP API and its authoritative DNS, until SIGINT/SIGTERM.
 */
import type { Logger } from "pino";
import pino from "pino";
import { buildRegion, type RegionApp } from "./server";

export interface ServeOptions {
  listen: string;
  dataDir: string;
  databaseUrl?: string;
  dnsListen?: string;
  adminKey?: string;
  logger?: Logger;
}

export interface RunningRegion {
  url: string;
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
  const region = await buildRegion({
    dataDir: opts.dataDir,
    databaseUrl: opts.databaseUrl,
    adminKey: opts.adminKey,
    logger: log,
  });
  await region.app.listen({ host, port });
  const addr = region.app.server.address() as { address: string; port: number };
  const url = `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log.info({ url, store: region.ctx.store.dialect }, "region listening");
  return {
    url,
    region,
    async close() {
      await region.app.close();
    },
  };
}
