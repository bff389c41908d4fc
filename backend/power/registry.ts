/**
 * The explicit list of power drivers (MAAS keeps an explicit registry too: adding a driver is
 * one line here). Validation of parameters is pure and never contacts a BMC.
 */

import type { DriverDeps, PowerDriver, PowerDriverSpec } from "./driver";
import { ConfigurationError } from "./errors";
import { ipmiDriverSpec } from "./ipmi";
import { manualDriverSpec } from "./manual";
import { type SettingValues, redactSettings, validateSettings } from "./settings";
import { virshDriverSpec } from "./virsh";
import { wolDriverSpec } from "./wol";

export const POWER_DRIVERS: readonly PowerDriverSpec[] = [
  ipmiDriverSpec,
  virshDriverSpec,
  wolDriverSpec,
  manualDriverSpec,
];

export type { PowerTypeName as PowerType } from "./declared";

export function powerDriverSpec(type: string): PowerDriverSpec {
  const spec = POWER_DRIVERS.find((d) => d.name === type);
  if (!spec) {
    throw new ConfigurationError(
      `unknown power type ${JSON.stringify(type)} (one of ${POWER_DRIVERS.map((d) => d.name).join(", ")})`,
      "type",
    );
  }
  return spec;
}

/** Pure: checked, coerced, defaulted parameters for `type`; ConfigurationError otherwise. */
export function validatePowerParameters(type: string, raw: Readonly<Record<string, unknown>>): SettingValues {
  return validateSettings(powerDriverSpec(type).settings, raw);
}

/** Parameters safe to log or return in an API read. */
export function redactPowerParameters(type: string, values: SettingValues): SettingValues {
  return redactSettings(powerDriverSpec(type).settings, values);
}

export function createPowerDriver(
  type: string,
  raw: Readonly<Record<string, unknown>>,
  deps: DriverDeps = {},
): PowerDriver {
  const spec = powerDriverSpec(type);
  return spec.create(validateSettings(spec.settings, raw), deps);
}
