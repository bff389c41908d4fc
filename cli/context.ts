/**
 * What every command that talks to a region needs: the client built from the global flags
 * (--endpoint, --api-key, --ca-bundle, --tls-fingerprint, or FIBRIX_ENDPOINT / FIBRIX_API_KEY /
 * FIBRIX_CA_BUNDLE / FIBRIX_TLS_FINGERPRINT) and the output mode (--json).
 */
import { EndpointListError, parseEndpoints } from "../sdk/endpoints";
import type { Command } from "commander";
import { FibrixClient } from "../sdk/client";
import { resolveTrust } from "../sdk/tls-trust";
import type { CliIo } from "./io";
import { type Column, details, table } from "./table";
import { UsageError } from "./usage-error";

export interface GlobalOptions {
  endpoint?: string;
  apiKey?: string;
  caBundle?: string;
  tlsFingerprint?: string;
  json?: boolean;
}

export interface CommandContext {
  client: FibrixClient;
  json: boolean;
  io: CliIo;
  /** A list: a table of `columns`, or a JSON array. */
  printList<T>(rows: readonly T[], columns: readonly Column<T>[]): void;
  /** One object: key/value lines, or JSON. */
  printOne(obj: object): void;
}

export function contextOf(cmd: Command, io: CliIo): CommandContext {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const endpoint = g.endpoint ?? io.env.FIBRIX_ENDPOINT;
  const apiKey = g.apiKey ?? io.env.FIBRIX_API_KEY;
  if (!endpoint) {
    throw new UsageError(
      "no region given: pass --endpoint URL or set FIBRIX_ENDPOINT (e.g. http://127.0.0.1:5240)",
    );
  }
  try {
    parseEndpoints(endpoint, "--endpoint");
  } catch (e) {
    throw new UsageError(
      `${e instanceof EndpointListError ? e.message : String(e)} (such as http://127.0.0.1:5240)`,
    );
  }
  if (!apiKey) throw new UsageError("no API key given: pass --api-key KEY or set FIBRIX_API_KEY");
  const json = g.json === true;
  return {
    client: new FibrixClient({
      endpoint,
      apiKey,
      ...resolveTrust(
        {
          ...(g.caBundle !== undefined ? { caBundle: g.caBundle } : {}),
          ...(g.tlsFingerprint !== undefined ? { fingerprint: g.tlsFingerprint } : {}),
        },
        io.env,
      ),
    }),
    json,
    io,
    printList(rows, columns) {
      io.out(json ? `${JSON.stringify(rows, null, 2)}\n` : table(rows, columns));
    },
    printOne(obj) {
      io.out(json ? `${JSON.stringify(obj, null, 2)}\n` : details(obj));
    },
  };
}

/** Parses a positive integer option value; a bad one is a usage error. */
export function positiveInt(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1)
      throw new UsageError(`${flag} must be a positive integer, got ${value}`);
    return n;
  };
}
