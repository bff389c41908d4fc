/**
 * A route's validator compiled on its first request instead of at start-up. Compiling every
 * route's schemas up front (ajv generates code for each) costs ~10 MB of idle RSS on a PE860,
 * for routes that an idle region, or a tenant-only one, may never see.
 */
import type Ajv from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";

export function lazyValidator(ajv: Ajv, schema: object) {
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data) as boolean;
    // fastify reads the errors off the function it was given, as from an ajv validator.
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = undefined as ErrorObject[] | null | undefined;
  return validate;
}
