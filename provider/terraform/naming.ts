/**
 * Terraform names attributes in snake_case, the API and TypeBox schemas in camelCase: one
 * mapping both ways (`dnsDomain` ↔ `dns_domain`, `memoryMiB` ↔ `memory_mib`).
 */

/** `dnsDomain` → `dns_domain`; `memoryMiB` → `memory_mib`; `diskGiB` → `disk_gib`. */
export function toSnake(name: string): string {
  return name
    .replace(/([KMGT])iB/g, "$1ib") // binary units are one word: MiB → mib, not mi_b
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** The API name of a Terraform attribute, given the API names it may stand for. */
export function toCamel(name: string, candidates: readonly string[]): string {
  return (
    candidates.find((c) => toSnake(c) === name) ?? name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
  );
}
