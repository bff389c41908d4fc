import { randomUUID } from "node:crypto";

/** A fresh Idempotency-Key; reuse the same key when retrying the same create. */
export function newIdempotencyKey(): string {
  return `idem_${randomUUID()}`;
}
