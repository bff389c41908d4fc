/**
 * `Idempotency-Key` on POST: the create and the remembered response commit in one
 * transaction, so a retried create (same key, same body) gets the first answer and never
 * makes a second object; the same key with another body is refused (422).
 */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { FibrixError, ValidationError } from "../../sdk/errors";
import type { Database } from "./store/database";
import { isUniqueViolation } from "./store/open";

export interface Created<T> {
  status: number;
  body: T;
}

export interface IdempotencyScope {
  principal: string;
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

/** The scope of a create request: who sent it, with which key, for what. */
export function scopeOf(req: FastifyRequest, principal: { keyId: string }): IdempotencyScope {
  return {
    principal: principal.keyId,
    key: readIdempotencyKey(req.headers["idempotency-key"]),
    method: req.method,
    path: req.url,
    body: req.body,
  };
}

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw ValidationError.field("header:Idempotency-Key", "must be 1-255 visible ASCII characters");
  }
  return key;
}

export async function idempotent<T>(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  create: (trx: Kysely<Database>) => Promise<Created<T>>,
): Promise<Created<T>> {
  if (!scope.key) return db.transaction().execute(create);
  const requestHash = createHash("sha256")
    .update(`${scope.method} ${scope.path}\n${JSON.stringify(scope.body)}`)
    .digest("hex");
  const replay = async (): Promise<Created<T> | undefined> => {
    const row = await db
      .selectFrom("idempotencyKeys")
      .selectAll()
      .where("principal", "=", scope.principal)
      .where("key", "=", scope.key!)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.requestHash !== requestHash) {
      throw new FibrixError(
        "IDEMPOTENCY_MISMATCH",
        `Idempotency-Key ${scope.key} was first used for a different request`,
      );
    }
    return { status: row.statusCode, body: JSON.parse(row.response) as T };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await db.transaction().execute(async (trx) => {
      const result = await create(trx);
      await trx
        .insertInto("idempotencyKeys")
        .values({
          principal: scope.principal,
          key: scope.key!,
          method: scope.method,
          path: scope.path,
          requestHash,
          statusCode: result.status,
          response: JSON.stringify(result.body),
          createdAt: new Date().toISOString(),
        })
        .execute();
      return result;
    });
  } catch (e) {
    // A concurrent twin committed first: answer what it answered.
    if (isUniqueViolation(e)) {
      const twin = await replay();
      if (twin) return twin;
    }
    throw e;
  }
}
