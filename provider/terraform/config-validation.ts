/**
 * ValidateResourceConfig: the configuration checked by the resource model, with the schema the
 * region validates with and the model's rules (sdk/model/input-check.ts), before any API call,
 * so `terraform validate` catches a bad MAC, a CIDR or a VM host without a pool offline, with
 * the field and reason the API and Pulumi give. Values still unknown at validate time (another
 * resource's id) are skipped.
 */
import { checkDesired } from "../../sdk/model/input-check";
import type { ResourceModel } from "../../sdk/model/resource-model";
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
  model: ResourceModel,
  config: TfObject,
): Diagnostic[] {
  const body = stateToApi(attrs, config);
  const unknown: string[] = [];
  unknownPointers(attrs, config, "", unknown);
  const diags: Diagnostic[] = validateTimeouts(config);
  const ctx = { unknown: (v: unknown) => v === UNKNOWN };
  for (const e of checkDesired(model, body, ctx)) {
    // A required field whose value is unknown is reported at its own path by the schema.
    if (unknown.some((u) => e.field === u || e.field.startsWith(`${u}/`))) continue;
    const path = pointerToPath(e.field);
    diags.push(
      errorDiagnostic("Invalid attribute value", `${pathText(path) || "configuration"}: ${e.reason}`, path),
    );
  }
  return diags;
}
