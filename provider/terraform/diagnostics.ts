/**
 * Diagnostics (tfplugin6.proto `Diagnostic`, `AttributePath`): every failure the provider
 * reports carries a summary, a detail and, when one field is at fault, the attribute path, so
 * Terraform underlines the offending line of the configuration. Errors from the region keep
 * their field list: `/power/address` becomes `power.address`.
 */
import { FibrixError } from "../../sdk/errors";
import { toSnake } from "./naming";

export type PathStep =
  | { attribute_name: string }
  | { element_key_int: number }
  | { element_key_string: string };
export interface AttributePath {
  steps: PathStep[];
}

export interface Diagnostic {
  severity: "ERROR" | "WARNING";
  summary: string;
  detail: string;
  attribute?: AttributePath;
}

/** A JSON pointer into an API body (`/macs/0`) as a Terraform attribute path (`macs[0]`). */
export function pointerToPath(pointer: string): AttributePath {
  const parts = pointer
    .split("/")
    .slice(1)
    .filter((p) => p !== "")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  return {
    steps: parts.map((p) =>
      /^\d+$/.test(p) ? { element_key_int: Number(p) } : { attribute_name: toSnake(p) },
    ),
  };
}

/** `power.address`, `macs[0]`: a path as Terraform prints it. */
export function pathText(p: AttributePath): string {
  return p.steps
    .map((s, i) =>
      "attribute_name" in s
        ? `${i > 0 ? "." : ""}${s.attribute_name}`
        : "element_key_int" in s
          ? `[${s.element_key_int}]`
          : `[${JSON.stringify(s.element_key_string)}]`,
    )
    .join("");
}

export function attributePath(...names: (string | number)[]): AttributePath {
  return {
    steps: names.map((n) => (typeof n === "number" ? { element_key_int: n } : { attribute_name: n })),
  };
}

export function errorDiagnostic(summary: string, detail: string, attribute?: AttributePath): Diagnostic {
  return { severity: "ERROR", summary, detail, ...(attribute ? { attribute } : {}) };
}

/** Any thrown value as diagnostics: one per invalid field when the region listed them. */
export function diagnosticsFromError(err: unknown, summary: string): Diagnostic[] {
  if (err instanceof FibrixError) {
    const head = `${summary}: ${err.code}${err.retryable ? " (retryable)" : ""}`;
    if (err.errors.length > 0) {
      return err.errors.map((f) =>
        errorDiagnostic(
          head,
          `${f.field ? pathText(pointerToPath(f.field)) : "body"}: ${f.reason}`,
          f.field ? pointerToPath(f.field) : undefined,
        ),
      );
    }
    const allowed = err.allowed ? ` (allowed actions: ${err.allowed.join(", ")})` : "";
    return [errorDiagnostic(head, `${err.message}${allowed}`)];
  }
  const e = err as { code?: unknown; message?: unknown; path?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const code = typeof e?.code === "string" ? `: ${e.code}` : "";
  const path =
    Array.isArray(e?.path) && e.path.length > 0
      ? attributePath(...(e.path as (string | number)[]))
      : undefined;
  return [errorDiagnostic(`${summary}${code}`, message, path)];
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "ERROR");
}
