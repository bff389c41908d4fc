/**
 * ValidateResourceConfig: the configuration checked against the same TypeBox Create schema
 * the region validates with, before any API call, so `terraform validate` catches a bad MAC
 * or CIDR offline. Values still unknown at validate time (another resource's id) are skipped.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { type Diagnostic, errorDiagnostic, pathText, pointerToPath } from "./diagnostics";
import { type TfObject, type TfValue, UNKNOWN } from "./dynamic-value";
import { validateTimeouts } from "./local-attributes";
import type { TfAttribute } from "./schema";
import { stateToApi } from "./state-mapping";

/** JSON pointers (API names) of every unknown value in `v`. */
function unknownPointers(attrs: readonly TfAttribute[], v: TfObject, prefix: string, out: string[]): void {
  for (const a of attrs) {
    const x: TfValue | undefined = v[a.name];
    const ptr = `${prefix}/${a.apiName}`;
    if (x === UNKNOWN) out.push(ptr);
    else if (Array.isArray(x)) {
      for (const [i, el] of x.entries()) if (el === UNKNOWN) out.push(`${ptr}/${i}`);
    } else if (a.nested && x !== null && x !== undefined && typeof x === "object") {
      unknownPointers(a.nested, x as TfObject, ptr, out);
    }
  }
}

export function validateConfig(
  attrs: readonly TfAttribute[],
  create: TSchema,
  config: TfObject,
): Diagnostic[] {
  const body = stateToApi(attrs, config);
  const unknown: string[] = [];
  unknownPointers(attrs, config, "", unknown);
  const diags: Diagnostic[] = validateTimeouts(config);
  for (const e of Value.Errors(create, body)) {
    // A required field whose value is unknown is reported at its own path by TypeBox.
    if (unknown.some((u) => e.path === u || e.path.startsWith(`${u}/`))) continue;
    // A value that fails a union reports once per branch; keep the first for that path.
    const path = pointerToPath(e.path);
    const where = pathText(path) || "configuration";
    if (diags.some((d) => d.detail.startsWith(`${where}:`))) continue;
    diags.push(errorDiagnostic("Invalid attribute value", `${where}: ${e.message}`, path));
  }
  return diags;
}
