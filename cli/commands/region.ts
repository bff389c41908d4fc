/**
 * `fibrix region serve`: the region's API (and DNS, with --dns-port/--dns-listen) in the
 * foreground until SIGINT/SIGTERM. HTTPS with --tls-cert/--tls-key, or a self-signed
 * certificate (its fingerprint printed) off loopback; plain HTTP off loopback only with
 * --insecure-http. Prints `listening on URL` (scripts and tests wait for that
 * phrase) and, on first start only, the generated admin API key; FIBRIX_ADMIN_KEY sets the
 * admin key instead.
 */
import { Command } from "commander";
import type { CliIo } from "../io";
import { TlsModeError, tlsModeOf } from "../../backend/region/tls-mode";
import { UsageError } from "../usage-error";

interface ServeFlags {
  listen: string;
  data: string;
  database?: string;
  dnsPort?: number;
  dnsListen?: string;
  reconcileEvery?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
  insecureHttp?: boolean;
}

/**
 * HOST:PORT as backend/region/serve.ts `parseListen` accepts it. Checked here rather than by
 * importing it: that module loads the whole region (fastify, the store), seconds of start-up
 * that every other command would pay.
 */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = value.match(/^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    throw new UsageError(`${flag} must be HOST:PORT (e.g. 127.0.0.1:5240), got ${value}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function hostPort(flag: string): (value: string) => string {
  return (value: string) => {
    parseHostPort(value, flag);
    return value;
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 86_400)
    throw new UsageError(`--reconcile-every must be 0-86400 seconds, got ${value}`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`--dns-port must be 0-65535, got ${value}`);
  return n;
}

/** Where DNS listens: --dns-listen as given, or --dns-port on the API's host. Off when neither. */
export function dnsListenOf(flags: Pick<ServeFlags, "listen" | "dnsPort" | "dnsListen">): string | undefined {
  if (flags.dnsListen !== undefined && flags.dnsPort !== undefined) {
    throw new UsageError("pass either --dns-listen HOST:PORT or --dns-port N, not both");
  }
  if (flags.dnsListen !== undefined) return flags.dnsListen;
  if (flags.dnsPort === undefined) return undefined;
  const { host } = parseHostPort(flags.listen, "--listen");
  return `${host.includes(":") ? `[${host}]` : host}:${flags.dnsPort}`;
}

export function regionCommand(io: CliIo): Command {
  const region = new Command("region").description("the region server (API, store, DNS)");
  region
    .command("serve")
    .description("run the region server until SIGINT/SIGTERM")
    .option("--listen <host:port>", "HTTP API address", hostPort("--listen"), "127.0.0.1:5240")
    .requiredOption("--data <dir>", "data directory (SQLite store, secrets)")
    .option(
      "--database <url>",
      "PostgreSQL URL for the HA store: postgres://u:p@host:port/db, or Patroni's nodes as postgres://u:p@h1:p1,h2:p2,h3:p3/db?target_session_attrs=read-write; default SQLite in --data",
    )
    .option("--dns-port <port>", "authoritative DNS on the API's host, this port (0: any free port)", port)
    .option("--dns-listen <host:port>", "authoritative DNS address (UDP and TCP)", hostPort("--dns-listen"))
    .option(
      "--reconcile-every <seconds>",
      "how often the watchdog reconciles VM hosts against libvirt (default 600; 0: never)",
      seconds,
    )
    .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (chain); needs --tls-key")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option(
      "--tls-self-signed",
      "serve HTTPS with a self-signed certificate made once under DATA/tls (the default off loopback)",
    )
    .option(
      "--insecure-http",
      "serve plain HTTP even off loopback (API keys and BMC passwords then cross the network in clear)",
    )
    .action(async (o: ServeFlags) => {
      try {
        tlsModeOf(o, parseHostPort(o.listen, "--listen").host);
      } catch (e) {
        if (e instanceof TlsModeError) throw new UsageError(e.message);
        throw e;
      }
      if (o.database !== undefined && !/^postgres(ql)?:\/\//.test(o.database)) {
        throw new UsageError(`--database must be a postgres:// URL, got ${JSON.stringify(o.database)}`);
      }
      const dnsListen = dnsListenOf(o);
      // Subscribe before starting, so a signal during start-up still stops us cleanly.
      let off: () => void = () => undefined;
      const stop = new Promise<string>((resolve) => {
        off = io.onStop(resolve);
      });
      try {
        await serve(io, o, dnsListen, stop);
      } finally {
        off();
      }
    });
  return region;
}

async function serve(io: CliIo, o: ServeFlags, dnsListen: string | undefined, stop: Promise<string>) {
  const adminKey = io.env.FIBRIX_ADMIN_KEY;
  const { startRegionServer } = await import("../../backend/region/serve");
  const { clockFromEnv } = await import("../../backend/region/clock");
  const running = await startRegionServer({
    listen: o.listen,
    clock: clockFromEnv(process.env),
    dataDir: o.data,
    ...(o.database !== undefined ? { databaseUrl: o.database } : {}),
    ...(dnsListen !== undefined ? { dnsListen } : {}),
    ...(adminKey ? { adminKey } : {}),
    tls: {
      ...(o.tlsCert !== undefined ? { tlsCert: o.tlsCert } : {}),
      ...(o.tlsKey !== undefined ? { tlsKey: o.tlsKey } : {}),
      ...(o.tlsSelfSigned ? { tlsSelfSigned: true } : {}),
      ...(o.insecureHttp ? { insecureHttp: true } : {}),
    },
    ...(o.reconcileEvery !== undefined
      ? {
          watchdog: {
            reconcileEveryMs: o.reconcileEvery * 1000,
            // A pass at least as often as the reconcile period asks for (default pass: 5 s).
            ...(o.reconcileEvery > 0 && o.reconcileEvery < 5 ? { intervalMs: o.reconcileEvery * 1000 } : {}),
          },
        }
      : {}),
  });
  const key = running.region.bootstrapKey;
  if (key) {
    io.out(
      `admin API key (shown once, store it now): ${key}\n` +
        `  export FIBRIX_ENDPOINT=${running.url} FIBRIX_API_KEY=${key}\n`,
    );
  }
  if (running.tls) {
    const t = running.tls;
    io.out(
      `TLS certificate SHA-256 fingerprint: ${t.fingerprint}\n` +
        `  ${t.certFile}${t.selfSigned ? ` (self-signed${t.created ? ", made now" : ""}: clients pin the fingerprint or trust this file)` : ""}\n`,
    );
  }
  const dns = running.dnsPort !== undefined ? ` (DNS on port ${running.dnsPort})` : "";
  io.out(`listening on ${running.url}${dns}\n`);
  const signal = await stop;
  io.out(`${signal}: stopping\n`);
  await running.close();
  io.out("stopped\n");
}
