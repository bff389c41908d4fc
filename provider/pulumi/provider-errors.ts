/**
 * Errors as `pulumi up` shows them: the region's own message, with each invalid field named
 * (Pulumi property paths), and the code and retryable flag kept on the error.
 */
import { FibrixError } from "../../sdk/errors";
import { propertyPath } from "./schema-check";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** `what`: e.g. "create Machine pe860-01". */
export function providerError(what: string, e: unknown): ProviderError {
  if (e instanceof ProviderError) return e;
  if (e instanceof FibrixError) {
    const fields = e.errors.map((f) => `${propertyPath(f.field) || f.field}: ${f.reason}`);
    const allowed = e.allowed ? ` (allowed: ${e.allowed.join(", ")})` : "";
    const detail = fields.length > 0 ? `${e.message} [${fields.join("; ")}]` : e.message;
    return new ProviderError(`${what}: ${e.code}: ${detail}${allowed}`, e.code, e.retryable);
  }
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown })?.code;
  return new ProviderError(`${what}: ${msg}`, typeof code === "string" ? code : "INTERNAL", false);
}
