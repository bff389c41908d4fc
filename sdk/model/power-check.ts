/**
 * Power parameters are checked against the settings each power driver declares
 * (backend/power/declared/): one source of truth for the API, the CLI and the rack, and
 * pure (it never contacts the BMC, as in Ironic's validate()).
 */
import { powerDeclaration } from "../../backend/power/declared";
import { checkSettings } from "../../backend/power/settings";
import type { FieldError } from "../errors";
import type { PowerParameters } from "../schema/machine";

/** The API's power parameters in the shape the driver takes (Wake-on-LAN wakes the first MAC). */
export function driverSettings(p: PowerParameters, macs: readonly string[]): Record<string, unknown> {
  const { type: _type, ...rest } = p;
  return p.type === "wol" ? { ...rest, mac: macs[0] } : rest;
}

/**
 * @param passwordKnown an update may omit the password when one is already stored.
 */
export function checkPowerParameters(
  p: PowerParameters,
  macs: readonly string[],
  passwordKnown = false,
  base = "/power",
): FieldError[] {
  const raw = driverSettings(p, macs);
  const declared = powerDeclaration(p.type);
  // An unknown type is the schema's to refuse (it lists the types).
  if (!declared) return [];
  const takesPassword = declared.settings.some((x: { name: string }) => x.name === "password");
  if (passwordKnown && takesPassword && raw.password === undefined) raw.password = "stored";
  const { problems } = checkSettings(declared.settings, raw);
  const errors = problems.map(([name, reason]) => ({
    field: name === "mac" ? "/macs/0" : `${base}/${name}`,
    reason: reason === "unknown parameter" ? `does not apply to power type ${p.type}` : reason,
  }));
  if (p.authType === "none" && p.password) {
    errors.push({
      field: `${base}/authType`,
      reason: "none sends no password; drop the password or pick md5",
    });
  }
  return errors;
}
