/**
 * Domain names as the zone data holds them: absolute, lower case, no trailing dot ("" is the
 * root). Pure. Syntax follows the "preferred name syntax" of RFC 1035 §2.3.1 as relaxed by
 * RFC 1123 §2.1 (labels may start with a digit); sizes from RFC 1035 §2.3.4 (label ≤ 63
 * octets, name ≤ 255 octets on the wire, i.e. ≤ 253 characters in text form).
 */

export const MAX_LABEL_LENGTH = 63;
export const MAX_NAME_LENGTH = 253;

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Lower-cases and strips one trailing dot; DNS names compare case-insensitively (RFC 4343). */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/**
 * Why `name` is not a valid host/zone name, or undefined when it is. `name` may carry one
 * trailing dot. The reasons are meant for people: they name the offending label.
 */
export function nameProblem(name: string): string | undefined {
  const n = normalizeName(name);
  if (n.length === 0) return "name is empty";
  if (n.length > MAX_NAME_LENGTH) {
    return `name is ${n.length} characters long; at most ${MAX_NAME_LENGTH} are allowed (RFC 1035 §2.3.4)`;
  }
  for (const label of n.split(".")) {
    if (label.length === 0) return "name has an empty label (two dots in a row, or a leading dot)";
    if (label.length > MAX_LABEL_LENGTH) {
      return `label "${label.slice(0, 20)}…" is ${label.length} characters long; at most ${MAX_LABEL_LENGTH} are allowed`;
    }
    if (!LDH_LABEL.test(label)) {
      return `label "${label}" must be letters, digits and hyphens, and must not start or end with a hyphen`;
    }
  }
  return undefined;
}

/** True when `name` equals `origin` or lies below it (both normalised). */
export function isAtOrBelow(name: string, origin: string): boolean {
  if (origin === "") return true;
  return name === origin || name.endsWith(`.${origin}`);
}

/** `www.girona.example` → `girona.example` → `example` → `` (root); undefined above the root. */
export function parentName(name: string): string | undefined {
  if (name === "") return undefined;
  const dot = name.indexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1);
}
