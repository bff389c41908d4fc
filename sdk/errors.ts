/**
 * The one catalogue of coded errors, shared by the region API (which renders them as
 * RFC 9457 problem+json), the SDK (which turns problem+json back into typed errors) and the
 * providers (which turn them into diagnostics). Like fastify's lib/errors.js: code, HTTP
 * status, retryable flag and a title, in one place.
 */

export interface ErrorSpec {
  status: number;
  title: string;
  retryable: boolean;
}

export const ERRORS = {
  VALIDATION: { status: 400, title: "Invalid request", retryable: false },
  UNAUTHORIZED: { status: 401, title: "Missing or invalid API key", retryable: false },
  FORBIDDEN: { status: 403, title: "Not allowed for this API key", retryable: false },
  NOT_FOUND: { status: 404, title: "Not found", retryable: false },
  CONFLICT: { status: 409, title: "Conflict", retryable: false },
  ILLEGAL_TRANSITION: { status: 409, title: "Illegal lifecycle transition", retryable: false },
  IDEMPOTENCY_MISMATCH: {
    status: 422,
    title: "Idempotency key reused with a different request",
    retryable: false,
  },
  PRECONDITION_FAILED: { status: 412, title: "ETag does not match (object changed)", retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Request body too large", retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type", retryable: false },
  UPGRADE_REQUIRED: { status: 426, title: "Upgrade required (a WebSocket endpoint)", retryable: false },
  NO_CAPACITY: { status: 409, title: "No capacity", retryable: false },
  QUOTA_EXCEEDED: { status: 409, title: "Quota exceeded", retryable: false },
  RATE_LIMITED: { status: 429, title: "Too many requests", retryable: true },
  INTERNAL: { status: 500, title: "Internal error", retryable: true },
  UNAVAILABLE: { status: 503, title: "Service unavailable", retryable: true },
  TIMEOUT: { status: 504, title: "Timed out", retryable: true },
  /** Client side only (no region answers it): the region's certificate is not trusted (nginx's 495). */
  TLS_UNTRUSTED: { status: 495, title: "Region certificate not trusted", retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** One invalid field: a JSON pointer into the request (e.g. `/power/address`) and why. */
export interface FieldError {
  field: string;
  reason: string;
}

/** The problem+json body every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  /** For ILLEGAL_TRANSITION: the transitions allowed from the current state. */
  allowed?: string[];
  /** For QUOTA_EXCEEDED: which quota, its limit, what is held and what was asked. */
  quota?: QuotaRefusal;
  retryable: boolean;
}

/** A quota refusal's figures (sdk/schema/quota.ts `QuotaRefusal`, kept here free of TypeBox). */
export interface QuotaRefusal {
  quota: string;
  quotaId: string;
  tenantId: string;
  poolId: string | null;
  limit: number;
  used: number;
  requested: number;
}

export class FibrixError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly errors: FieldError[];
  readonly allowed?: string[];
  readonly quota?: QuotaRefusal;

  constructor(
    code: ErrorCode,
    detail: string,
    extra: { errors?: FieldError[]; allowed?: string[]; quota?: QuotaRefusal } = {},
  ) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.errors = extra.errors ?? [];
    if (extra.allowed) this.allowed = extra.allowed;
    if (extra.quota) this.quota = extra.quota;
  }

  toProblem(): Problem {
    const p: Problem = {
      type: `https://fibrix.example/problems/${this.code.toLowerCase().replace(/_/g, "-")}`,
      title: ERRORS[this.code].title,
      status: this.status,
      code: this.code,
      detail: this.message,
      retryable: this.retryable,
    };
    if (this.errors.length > 0) p.errors = this.errors;
    if (this.allowed) p.allowed = this.allowed;
    if (this.quota) p.quota = this.quota;
    return p;
  }
}

export class ValidationError extends FibrixError {
  constructor(detail: string, errors: FieldError[] = []) {
    super("VALIDATION", detail, { errors });
  }
  static field(field: string, reason: string): ValidationError {
    return new ValidationError(`${field || "body"}: ${reason}`, [{ field, reason }]);
  }
  /** One error naming every field (a model's rules). */
  static fields(errors: FieldError[]): ValidationError {
    return new ValidationError(errors.map((e) => `${e.field} ${e.reason}`).join("; "), errors);
  }
}
export class UnauthorizedError extends FibrixError {
  constructor(detail = "send `Authorization: Bearer <api key>`") {
    super("UNAUTHORIZED", detail);
  }
}
export class ForbiddenError extends FibrixError {
  constructor(detail: string) {
    super("FORBIDDEN", detail);
  }
}
export class NotFoundError extends FibrixError {
  constructor(detail: string) {
    super("NOT_FOUND", detail);
  }
  static of(kind: string, id: string): NotFoundError {
    return new NotFoundError(`${kind} ${id} not found`);
  }
}
export class ConflictError extends FibrixError {
  constructor(
    detail: string,
    code: "CONFLICT" | "ILLEGAL_TRANSITION" | "NO_CAPACITY" = "CONFLICT",
    allowed?: string[],
  ) {
    super(code, detail, allowed ? { allowed } : {});
  }
}
/**
 * A create or resize that would take a tenant past a quota: 409 like NO_CAPACITY (the request
 * is valid; the tenant's holdings conflict with it and it succeeds once something is freed or
 * the limit raised), with the figures as structured fields.
 */
export class QuotaExceededError extends FibrixError {
  constructor(detail: string, quota: QuotaRefusal) {
    super("QUOTA_EXCEEDED", detail, { quota });
  }
}
export class PreconditionFailedError extends FibrixError {
  constructor(detail: string) {
    super("PRECONDITION_FAILED", detail);
  }
}
export class RateLimitedError extends FibrixError {
  constructor(
    detail: string,
    /** Sent as Retry-After (delay-seconds). */
    readonly retryAfterSeconds?: number,
  ) {
    super("RATE_LIMITED", detail);
  }
}
export class UnavailableError extends FibrixError {
  constructor(detail: string) {
    super("UNAVAILABLE", detail);
  }
}
export class TimeoutError extends FibrixError {
  constructor(detail: string) {
    super("TIMEOUT", detail);
  }
}

/** Rebuild the typed error from a problem+json body (SDK side). */
export function errorFromProblem(p: Problem): FibrixError {
  const code: ErrorCode = p.code in ERRORS ? p.code : p.status >= 500 ? "INTERNAL" : "VALIDATION";
  switch (code) {
    case "VALIDATION":
      return new ValidationError(p.detail, p.errors ?? []);
    case "UNAUTHORIZED":
      return new UnauthorizedError(p.detail);
    case "FORBIDDEN":
      return new ForbiddenError(p.detail);
    case "NOT_FOUND":
      return new NotFoundError(p.detail);
    case "CONFLICT":
    case "ILLEGAL_TRANSITION":
    case "NO_CAPACITY":
      return new ConflictError(p.detail, code, p.allowed);
    case "QUOTA_EXCEEDED":
      if (p.quota) return new QuotaExceededError(p.detail, p.quota);
      return new FibrixError(code, p.detail);
    case "PRECONDITION_FAILED":
      return new PreconditionFailedError(p.detail);
    case "UNAVAILABLE":
      return new UnavailableError(p.detail);
    case "TIMEOUT":
      return new TimeoutError(p.detail);
    default:
      return new FibrixError(code, p.detail, { errors: p.errors ?? [] });
  }
}
