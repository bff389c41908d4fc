/**
 * The API's power parameters, built from the settings each power driver declares
 * (backend/power/declared/), as MAAS builds its power schema from its drivers' settings: a
 * driver that gains or loses a setting changes the API, the OpenAPI document, the SDK types
 * and both providers' schemas at once, and nothing can accept what the driver refuses.
 *
 * One flat object (not a union per type) so that a mistake gets one precise error instead of
 * one per union branch. A name several drivers declare (port, timeoutMs) takes the widest of
 * their bounds here; which fields each type needs, and each driver's own bounds, are checked by
 * the machine model (sdk/model/machine.ts) with the driver's spec. Wake-on-LAN's `mac` is the
 * machine's first MAC, not a parameter.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import { POWER_DECLARATIONS as POWER_DRIVERS, type PowerTypeName } from "../../backend/power/declared";
import type { IPMI_SETTINGS } from "../../backend/power/declared/ipmi";
import type { VIRSH_SETTINGS } from "../../backend/power/declared/virsh";
import type { WOL_SETTINGS } from "../../backend/power/declared/wol";
import type { SettingSpec } from "../../backend/power/settings";
import { Strict, StringEnum } from "./common";

/** The static type, derived from the same declarations (their names and value types). */
type Declared = Exclude<
  (typeof IPMI_SETTINGS)[number] | (typeof VIRSH_SETTINGS)[number] | (typeof WOL_SETTINGS)[number],
  { name: "mac" }
>;
type ValueOf<S> = S extends { type: "int" }
  ? number
  : S extends { type: "boolean" }
    ? boolean
    : S extends { type: "choice"; choices: readonly (infer C)[] }
      ? C
      : string;
type Settings<S extends { name: string }> = { [K in S as K["name"]]?: ValueOf<K> };
export type PowerParameters = { type: PowerTypeName } & Settings<Declared>;
export type PowerParametersView = { type: PowerTypeName; passwordSet: boolean } & Settings<
  Exclude<Declared, { secret: true }>
>;

/** Settings that are not power parameters of the API (derived from other fields). */
const DERIVED = new Set(["mac"]);

interface Merged {
  specs: SettingSpec[];
  drivers: string[];
}

function mergedSettings(): Map<string, Merged> {
  const out = new Map<string, Merged>();
  for (const d of POWER_DRIVERS) {
    for (const s of d.settings) {
      if (DERIVED.has(s.name)) continue;
      const m = out.get(s.name) ?? { specs: [], drivers: [] };
      m.specs.push(s);
      m.drivers.push(d.name);
      out.set(s.name, m);
    }
  }
  return out;
}

function describe(m: Merged): string {
  const s = m.specs[0]!;
  const secret = s.secret ? " (secret; write-only, never returned)" : "";
  return `${s.label}${secret} (${m.drivers.join(", ")})`;
}

function schemaOf(m: Merged): TSchema {
  const types = new Set(m.specs.map((s) => s.type));
  if (types.size !== 1) throw new Error(`power setting ${m.specs[0]!.name}: drivers disagree on its type`);
  const description = describe(m);
  const s = m.specs[0]!;
  switch (s.type) {
    case "int": {
      const mins = m.specs.map((x) => x.min);
      const maxs = m.specs.map((x) => x.max);
      return Type.Integer({
        ...(mins.every((x) => x !== undefined) ? { minimum: Math.min(...(mins as number[])) } : {}),
        ...(maxs.every((x) => x !== undefined) ? { maximum: Math.max(...(maxs as number[])) } : {}),
        description,
      });
    }
    case "choice":
      return StringEnum([...new Set(m.specs.flatMap((x) => x.choices ?? []))], description);
    case "boolean":
      return Type.Boolean({ description });
    default: {
      const lengths = m.specs.map((x) => x.maxLength);
      return Type.String({
        // Empty is a value only where some driver takes it (an IPMI anonymous user).
        ...(m.specs.every((x) => x.required) ? { minLength: 1 } : {}),
        ...(lengths.every((x) => x !== undefined) ? { maxLength: Math.max(...(lengths as number[])) } : {}),
        description,
      });
    }
  }
}

const MERGED = mergedSettings();

export const PowerType = StringEnum(
  POWER_DRIVERS.map((d) => d.name as PowerTypeName),
  POWER_DRIVERS.map((d) => `${d.name}: ${d.description}`).join("; "),
);

/** The parameter names a secret setting of some driver has (never returned by reads). */
export const SECRET_POWER_PARAMETERS: readonly string[] = [...MERGED]
  .filter(([, m]) => m.specs.some((s) => s.secret))
  .map(([name]) => name);

export const PowerParameters = Type.Unsafe<PowerParameters>(
  Type.Object(
    {
      type: PowerType,
      ...Object.fromEntries([...MERGED].map(([name, m]) => [name, Type.Optional(schemaOf(m))])),
    },
    Strict,
  ),
);

/** Power parameters as returned: secrets replaced by whether one is set. */
export const PowerParametersView = Type.Unsafe<PowerParametersView>(
  Type.Object({
    type: PowerType,
    ...Object.fromEntries(
      [...MERGED]
        .filter(([name]) => !SECRET_POWER_PARAMETERS.includes(name))
        .map(([name, m]) => [name, Type.Optional(schemaOf(m))]),
    ),
    passwordSet: Type.Boolean(),
  }),
);
