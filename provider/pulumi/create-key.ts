/**
 * Idempotency keys for creates (design.md: "a retried create never makes a second VM").
 *
 * The key is derived from where the resource lives in the program (project/stack/type/name,
 * handed to the provider as the `createKeySeed` input) and from the request body, so a `pulumi
 * up` re-run after a crash mid-create gets the first answer back instead of a second object.
 *
 * The region remembers keys for good, so the same key after a destroy would replay an object
 * that no longer exists. `createOnce` therefore checks that what came back still exists, and if
 * not moves on to the next key of a deterministic chain (`…-r1`, `…-r2`): still stable across
 * retries, never a replay of a deleted object.
 */
import { createHash } from "node:crypto";
import { NotFoundError } from "../../sdk/errors";

/** Canonical JSON: object keys sorted, so equal bodies hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Key number `attempt` (0 = first) of the chain for this seed and body. */
export function createKey(seed: string, body: unknown, attempt = 0): string {
  const h = createHash("sha256").update(seed).update("\n").update(canonicalJson(body)).digest("hex");
  return `pulumi_${h.slice(0, 40)}${attempt > 0 ? `-r${attempt}` : ""}`;
}

/** Bound on the chain: each link is one destroyed generation of the same resource. */
export const MAX_KEY_CHAIN = 50;

/**
 * Creates with the key chain; `exists` answers whether the returned object is still there
 * (a GET; NotFoundError means a replay of a deleted one).
 */
export async function createOnce<T extends { id: string }>(
  seed: string,
  body: unknown,
  create: (idempotencyKey: string) => Promise<T>,
  exists: (id: string) => Promise<unknown>,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_KEY_CHAIN; attempt++) {
    const obj = await create(createKey(seed, body, attempt));
    try {
      await exists(obj.id);
      return obj;
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  throw new Error(`create replayed ${MAX_KEY_CHAIN} deleted objects; change createKeySeed`);
}
