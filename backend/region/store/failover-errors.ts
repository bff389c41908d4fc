/**
 * Which database failures are a failover in progress rather than a bug: the primary went away
 * (connection refused, reset, terminated, admin shutdown), the connection landed on a replica
 * (read-only transaction), or the new primary is still starting. And two that PostgreSQL itself
 * calls retryable: serialization failure and deadlock. All of them roll the transaction back,
 * so the API answers 503 with Retry-After and the SDK repeats the idempotent call. Pure.
 */
import { UnavailableError } from "../../../sdk/errors";

export type StoreFailure =
  /** The connection is gone or never came: find the primary again. */
  | "connection"
  /** This server is (now) a replica: find the primary again. */
  | "read-only"
  /** The transaction lost a race; the same primary will take it again. */
  | "transient";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "NO_PRIMARY",
  "57P01", // admin_shutdown (fast or immediate shutdown, pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
]);

/** Messages node-postgres throws without a code when the socket goes. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /connection timeout/i,
  /timeout exceeded when trying to connect/i,
  /timeout expired/i,
  /Query read timeout/i,
  /not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Client was closed and is not queryable/i,
];

export function classifyStoreFailure(e: unknown): StoreFailure | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const code = String((e as { code?: unknown }).code ?? "");
  if (code === "25006") return "read-only"; // read_only_sql_transaction
  if (code === "40001" || code === "40P01") return "transient"; // serialization_failure, deadlock_detected
  if (CONNECTION_CODES.has(code) || code.startsWith("08")) return "connection"; // class 08: connection exception
  const message = (e as { message?: unknown }).message;
  if (typeof message === "string" && CONNECTION_MESSAGES.some((r) => r.test(message))) return "connection";
  return undefined;
}

/** Seconds a client should wait: a Patroni failover (ttl 10 s) is seconds, a lost race is at once. */
export function retryAfterSeconds(kind: StoreFailure): number {
  return kind === "transient" ? 0 : 1;
}

/** The API's answer to a store failure, or undefined when it is not one of ours. */
export function toUnavailable(e: unknown): { error: UnavailableError; retryAfter: number } | undefined {
  const kind = classifyStoreFailure(e);
  if (!kind) return undefined;
  const why =
    kind === "transient"
      ? "the transaction lost a race with another one; try again"
      : "no writable database primary is reachable right now (failover in progress?); try again";
  return { error: new UnavailableError(why), retryAfter: retryAfterSeconds(kind) };
}
