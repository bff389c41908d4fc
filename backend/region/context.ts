import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { PreconditionFailedError, ValidationError } from "../../sdk/errors";
import type { KeyAuthenticator, Principal } from "./auth";
import type { ConsoleSessions } from "./console-sessions";
import type { Clock } from "./clock";
import type { ConnectionLimiter } from "./connection-limiter";
import type { SecretBox } from "./store/secret-box";
import type { TaskSignal } from "./tasks";
import type { Store } from "./store/open";

/** What every route module needs; built once by server.ts. */
export interface RegionContext {
  store: Store;
  secrets: SecretBox;
  auth: KeyAuthenticator;
  log: Logger;
  /** Called after a commit that changes DNS-visible data (names, addresses). */
  dnsChanged(): void;
  /** SHA-256 of the certificate the API serves (HTTPS only): rack enrollment tokens carry it as their pin. */
  tlsFingerprint?: string;
  /** Per-key bound on long-lived connections (long polls, SSE, WebSockets): acquire a slot for each. */
  connections: ConnectionLimiter;
  /** Wakes racks long-polling for work; call after committing a task. */
  tasks: TaskSignal;
  /** Serial console sessions piped through this process (routes/vm-console.ts). */
  consoles: ConsoleSessions;
  /** The time usage is metered at (tests drive it; clock.ts). */
  clock: Clock;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  // The auth hook runs before every /api/v1 handler; a missing principal is a wiring bug.
  if (!req.principal) throw new Error("route reached without authentication");
  return req.principal;
}

export const nowIso = (): string => new Date().toISOString();

/** Keyset pagination by id: stable under concurrent inserts, O(limit) per page. */
export function page<T extends { id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: items[items.length - 1]!.id };
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

export function withEtag<T extends { version: number }>(reply: FastifyReply, body: T): T {
  reply.header("etag", etagOf(body.version));
  return body;
}

/** If-Match makes an update conditional on the version the client last read. */
export function checkIfMatch(req: FastifyRequest, version: number): void {
  const h = req.headers["if-match"];
  if (h === undefined || h === "*") return;
  const tags = String(h)
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""));
  if (!tags.includes(etagOf(version))) {
    throw new PreconditionFailedError(`object is at version ${version}; re-read it and retry`);
  }
}

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function boolQuery(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw ValidationError.field(`query:${name}`, "must be true or false");
}
