/**
 * Power parameter schemas and their pure validation (Ironic: "validate() never contacts the
 * BMC"). Each driver declares its settings; the registry, the API and the CLI validate input
 * against them and redact the secret ones before logging.
 */

import { ConfigurationError } from "./errors";

export type SettingType = "string" | "int" | "choice" | "mac" | "boolean";
export type SettingValue = string | number | boolean;
export type SettingValues = Readonly<Record<string, SettingValue>>;

export interface SettingSpec {
  name: string;
  label: string;
  type: SettingType;
  required: boolean;
  /** Never logged or returned by reads (passwords). */
  secret?: boolean;
  choices?: readonly string[];
  default?: SettingValue;
  min?: number;
  max?: number;
  /** Longest string accepted (bytes the protocol has room for). */
  maxLength?: number;
}

const MAC = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

export function normalizeMac(s: string): string | undefined {
  if (!MAC.test(s)) return undefined;
  const hex = s.replace(/[:-]/g, "").toLowerCase();
  return hex.match(/../g)!.join(":");
}

type Coerced = { ok: true; value: SettingValue } | { ok: false; error: string };

const bad = (error: string): Coerced => ({ ok: false, error });
const good = (value: SettingValue): Coerced => ({ ok: true, value });

function coerce(spec: SettingSpec, raw: unknown): Coerced {
  switch (spec.type) {
    case "int": {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : Number.NaN;
      if (!Number.isInteger(n)) return bad(`must be an integer, got ${JSON.stringify(raw)}`);
      if (spec.min !== undefined && n < spec.min) return bad(`must be >= ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return bad(`must be <= ${spec.max}`);
      return good(n);
    }
    case "boolean":
      if (typeof raw === "boolean") return good(raw);
      if (raw === "true" || raw === "false") return good(raw === "true");
      return bad(`must be true or false, got ${JSON.stringify(raw)}`);
    case "choice": {
      const v = String(raw).toLowerCase();
      if (!spec.choices?.includes(v))
        return bad(`must be one of ${spec.choices?.join(", ")}, got ${JSON.stringify(raw)}`);
      return good(v);
    }
    case "mac": {
      const m = typeof raw === "string" ? normalizeMac(raw) : undefined;
      return m ? good(m) : bad(`must be a MAC address like 52:54:00:12:34:56, got ${JSON.stringify(raw)}`);
    }
    default:
      if (typeof raw !== "string") return bad(`must be a string, got ${typeof raw}`);
      if (spec.maxLength !== undefined && Buffer.byteLength(raw) > spec.maxLength)
        return bad(`must be at most ${spec.maxLength} bytes`);
      return good(raw);
  }
}

/**
 * Checks and coerces raw parameters (strings from a CLI or JSON from the API). Unknown names,
 * missing required values and bad values are all reported together in one ConfigurationError
 * (its `field` is the first bad one). Defaults are filled in.
 */
export function validateSettings(
  specs: readonly SettingSpec[],
  raw: Readonly<Record<string, unknown>>,
): SettingValues {
  const { values, problems } = checkSettings(specs, raw);
  if (problems.length > 0) {
    throw new ConfigurationError(problems.map(([n, m]) => `${n}: ${m}`).join("; "), problems[0]![0]);
  }
  return values;
}

/** The same checks, returning every problem as [setting, reason] instead of throwing (for APIs). */
export function checkSettings(
  specs: readonly SettingSpec[],
  raw: Readonly<Record<string, unknown>>,
): { values: SettingValues; problems: Array<[string, string]> } {
  const out: Record<string, SettingValue> = {};
  const problems: Array<[string, string]> = [];
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(raw)) {
    if (!known.has(name) && raw[name] !== undefined) problems.push([name, "unknown parameter"]);
  }
  for (const spec of specs) {
    const v = raw[spec.name];
    if (v === undefined || v === null || v === "") {
      if (spec.default !== undefined) out[spec.name] = spec.default;
      else if (spec.required) problems.push([spec.name, "is required"]);
      continue;
    }
    const c = coerce(spec, v);
    if (c.ok) out[spec.name] = c.value;
    else problems.push([spec.name, c.error]);
  }
  return { values: out, problems };
}

/** A copy safe to log or return: secrets replaced. */
export function redactSettings(specs: readonly SettingSpec[], values: SettingValues): SettingValues {
  const out: Record<string, SettingValue> = { ...values };
  for (const s of specs) if (s.secret && out[s.name] !== undefined) out[s.name] = "********";
  return out;
}
