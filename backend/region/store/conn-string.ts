/**
 * libpq's multi-host connection URI (PostgreSQL docs, "Connection Strings", §34.1.1.2):
 * `postgres://user:pass@h1:p1,h2:p2,h3:p3/db?target_session_attrs=read-write`. node-postgres
 * takes one host only, so the store splits the list here and connects to one host at a time
 * (primary-locator.ts). Pure: parsing and re-assembling, no I/O.
 */

export interface PgHost {
  host: string;
  port: number;
}

/** What libpq accepts; `read-write`/`primary` need a server that is not in recovery. */
export type TargetSessionAttrs = "any" | "read-write" | "primary";

export interface ParsedDatabaseUrl {
  hosts: PgHost[];
  targetSessionAttrs: TargetSessionAttrs;
  /** A single-host URL for node-postgres: the same user, password, database and other parameters. */
  urlFor(host: PgHost): string;
}

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(`--database: ${message}`);
    this.name = "DatabaseUrlError";
  }
}

const DEFAULT_PORT = 5432;
const ATTRS: readonly TargetSessionAttrs[] = ["any", "read-write", "primary"];

function parseHost(spec: string): PgHost {
  // [v6]:port, [v6], host:port, host
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(spec);
  if (!m) throw new DatabaseUrlError(`bad host "${spec}" (expected host[:port])`);
  const host = m[1]!;
  const portText = m[2];
  if (portText === undefined || portText === "") return { host, port: DEFAULT_PORT };
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new DatabaseUrlError(`bad port in "${spec}" (1-65535)`);
  return { host, port };
}

export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const m = /^(postgres(?:ql)?):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(url);
  if (!m) throw new DatabaseUrlError("must be a postgres:// URL");
  const [, scheme, userinfo, hostList, path, query] = m;
  if (!hostList) throw new DatabaseUrlError("names no host");
  const hosts = hostList.split(",").map(parseHost);
  const params = new URLSearchParams(query?.slice(1) ?? "");
  const attrs = params.get("target_session_attrs") ?? "any";
  if (!(ATTRS as readonly string[]).includes(attrs)) {
    throw new DatabaseUrlError(`target_session_attrs must be one of ${ATTRS.join(", ")}, got "${attrs}"`);
  }
  // node-postgres passes unknown parameters on as server options: keep only what it understands.
  params.delete("target_session_attrs");
  const rest = params.toString();
  return {
    hosts,
    targetSessionAttrs: attrs as TargetSessionAttrs,
    urlFor: (h) =>
      `${scheme}://${userinfo !== undefined ? `${userinfo}@` : ""}${h.host}:${h.port}${path ?? ""}${rest ? `?${rest}` : ""}`,
  };
}

export const hostKey = (h: PgHost): string => `${h.host}:${h.port}`;
