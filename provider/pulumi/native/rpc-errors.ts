/**
 * Errors as gRPC statuses: the engine prints a failed RPC's status message as the resource's
 * error, so the message is the provider's own (`create Machine pe860-01: CONFLICT: …`) and the
 * code says what kind of failure it was (the error catalogue's code, sdk/errors.ts, mapped onto
 * the nearest gRPC code).
 */
import { status } from "@grpc/grpc-js";

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** sdk/errors.ts codes (and the provider's own) onto gRPC codes. */
const BY_CODE: Readonly<Record<string, status>> = {
  VALIDATION: status.INVALID_ARGUMENT,
  UNAUTHORIZED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  NOT_FOUND: status.NOT_FOUND,
  CONFLICT: status.FAILED_PRECONDITION,
  ILLEGAL_TRANSITION: status.FAILED_PRECONDITION,
  IDEMPOTENCY_MISMATCH: status.FAILED_PRECONDITION,
  PRECONDITION_FAILED: status.ABORTED,
  NO_CAPACITY: status.RESOURCE_EXHAUSTED,
  QUOTA_EXCEEDED: status.RESOURCE_EXHAUSTED,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  TIMEOUT: status.DEADLINE_EXCEEDED,
  PROVIDER_CONFIG: status.FAILED_PRECONDITION,
};

/** Any thrown value as an RpcError (the message kept, the code mapped). */
export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  return new RpcError(typeof code === "string" ? (BY_CODE[code] ?? status.UNKNOWN) : status.UNKNOWN, message);
}

/** Whether an error from the hooks says the object is gone. */
export function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "NOT_FOUND";
}
