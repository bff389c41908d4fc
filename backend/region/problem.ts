/**
 * Every error leaves the region as application/problem+json (RFC 9457) with a code from the
 * catalogue in sdk/errors.ts and, for invalid input, the JSON pointer of each bad field. A
 * request never gets a stack trace; unexpected failures are logged and answered 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import {
  ConflictError,
  type FieldError,
  FibrixError,
  RateLimitedError,
  ValidationError,
} from "../../sdk/errors";
import { explainSchemaError, type SchemaError } from "../../sdk/schema-errors";
import { toUnavailable } from "./store/failover-errors";
import { isForeignKeyViolation, isUniqueViolation } from "./store/open";

/** One readable reason per field from ajv's errors. */
export function fieldErrors(errors: SchemaError[], where: string): FieldError[] {
  const out = new Map<string, string>();
  const prefix = where === "body" ? "" : `${where}:`;
  for (const e of errors) {
    const x = explainSchemaError(e, "field");
    if (!x) continue;
    const key = `${prefix}${x.pointer || "/"}`;
    if (!out.has(key)) out.set(key, x.reason);
  }
  return [...out].map(([field, reason]) => ({ field, reason }));
}

/** The column(s) named by either engine's unique-violation message ("UNIQUE constraint failed: tenants.name"). */
function uniqueWhat(message: string): string {
  const m = message.match(/UNIQUE constraint failed: ([\w.,\s]+)/) ?? message.match(/"(\w+?)(_key|_pkey)?"/);
  return m ? m[1]!.replace(/\w+\./g, "").trim() : "unique field";
}

export function sendProblem(reply: FastifyReply, err: FibrixError): FastifyReply {
  if (err instanceof RateLimitedError && err.retryAfterSeconds !== undefined) {
    reply.header("retry-after", String(err.retryAfterSeconds));
  }
  return reply.code(err.status).type("application/problem+json").send(err.toProblem());
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof FibrixError) return sendProblem(reply, error);
    // A database failover (or a lost serialization race): rolled back, safe to repeat.
    const unavailable = toUnavailable(error);
    if (unavailable) {
      request.log.warn({ err: error }, "store unavailable; answered 503");
      reply.header("retry-after", String(unavailable.retryAfter));
      return sendProblem(reply, unavailable.error);
    }
    // Races that slip past the routes' own checks still get a precise 409, never a 500.
    if (isUniqueViolation(error)) {
      return sendProblem(
        reply,
        new ConflictError(`an object with the same ${uniqueWhat(error.message)} already exists`),
      );
    }
    if (isForeignKeyViolation(error)) {
      return sendProblem(
        reply,
        new ConflictError("a referenced object does not exist (any more) or is still in use"),
      );
    }
    if (error.validation) {
      const errors = fieldErrors(error.validation as SchemaError[], error.validationContext ?? "body");
      const detail = errors.map((e) => `${e.field} ${e.reason}`).join("; ");
      return sendProblem(reply, new ValidationError(detail, errors));
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return sendProblem(reply, new FibrixError("PAYLOAD_TOO_LARGE", error.message));
    if (status === 415) return sendProblem(reply, new FibrixError("UNSUPPORTED_MEDIA_TYPE", error.message));
    if (status >= 400 && status < 500) {
      const reason =
        error instanceof SyntaxError || /JSON/i.test(error.message) ? "is not valid JSON" : error.message;
      return sendProblem(reply, ValidationError.field("", reason));
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, new FibrixError("INTERNAL", "internal error; the region logged the details"));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new FibrixError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
}
