/**
 * Attributes that live only in Terraform, never sent to the region: `timeouts` (per-operation
 * upper bounds for the waits, like terraform-plugin-framework-timeouts: "30m", "1h30m") and a
 * region's `force_destroy`.
 */
import { attributePath, type Diagnostic, errorDiagnostic } from "./diagnostics";
import type { TfObject } from "./dynamic-value";
import type { TfAttribute } from "./schema";
import { objectOf, TfBool, TfString } from "./tf-type";

export type Operation = "create" | "update" | "delete";

function local(name: string, description: string, rest: Partial<TfAttribute>): TfAttribute {
  return {
    name,
    apiName: name,
    type: TfString,
    description,
    required: false,
    optional: true,
    computed: false,
    sensitive: false,
    updatable: true,
    writeOnly: true,
    local: true,
    ...rest,
  };
}

export function timeoutsAttribute(ops: readonly Operation[]): TfAttribute {
  const nested = ops.map((op) =>
    local(
      op,
      `Longest wait on ${op}, a Go duration such as "30m" (default: the provider's wait_timeout_seconds).`,
      {},
    ),
  );
  return local("timeouts", "Per-operation time limits for the waits of this resource.", {
    type: objectOf(Object.fromEntries(nested.map((a) => [a.name, a.type]))),
    nested,
  });
}

export const forceDestroyAttribute: TfAttribute = local(
  "force_destroy",
  "On destroy, also delete the region's racks (which must have no machines left). Default false.",
  { type: TfBool },
);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("90s", "1h30m", "2.5m") in milliseconds, or undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  return ms > 0 ? ms : undefined;
}

/** The configured timeout of `op`, if any. */
export function timeoutOf(state: TfObject | null, op: Operation): number | undefined {
  const t = state?.timeouts;
  if (!t || typeof t !== "object" || Array.isArray(t)) return undefined;
  const v = (t as TfObject)[op];
  return typeof v === "string" ? parseDuration(v) : undefined;
}

export function validateTimeouts(config: TfObject): Diagnostic[] {
  const t = config.timeouts;
  if (!t || typeof t !== "object" || Array.isArray(t)) return [];
  return Object.entries(t as TfObject).flatMap(([op, v]) =>
    typeof v === "string" && parseDuration(v) === undefined
      ? [
          errorDiagnostic(
            "Invalid duration",
            `timeouts.${op}: ${JSON.stringify(v)} is not a duration like "30m" or "1h30m"`,
            attributePath("timeouts", op),
          ),
        ]
      : [],
  );
}
