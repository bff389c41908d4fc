/** Which power parameters each power type needs (pure; never contacts the BMC, as in Ironic's validate()). */
import type { FieldError } from "../../sdk/errors";
import type { PowerParameters } from "../../sdk/schema/machine";

const HOST =
  /^(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])$/;

const NEEDS: Record<PowerParameters["type"], (keyof PowerParameters)[]> = {
  ipmi: ["address", "user", "password"],
  virsh: ["uri", "domain"],
  wol: [],
  manual: [],
};
const ALLOWED: Record<PowerParameters["type"], (keyof PowerParameters)[]> = {
  ipmi: ["type", "address", "port", "user", "password", "ipmiVersion", "authType"],
  virsh: ["type", "uri", "domain"],
  wol: ["type", "broadcast", "port"],
  manual: ["type"],
};

/**
 * @param passwordKnown an update may omit the password when one is already stored.
 */
export function checkPowerParameters(
  p: PowerParameters,
  passwordKnown = false,
  base = "/power",
): FieldError[] {
  const errors: FieldError[] = [];
  for (const k of NEEDS[p.type]) {
    if (p[k] === undefined && !(k === "password" && passwordKnown)) {
      errors.push({ field: `${base}/${k}`, reason: `is required for power type ${p.type}` });
    }
  }
  for (const k of Object.keys(p) as (keyof PowerParameters)[]) {
    if (!ALLOWED[p.type].includes(k))
      errors.push({ field: `${base}/${k}`, reason: `does not apply to power type ${p.type}` });
  }
  if (p.address !== undefined && !HOST.test(p.address)) {
    errors.push({ field: `${base}/address`, reason: "must be a host name or an IP address" });
  }
  if (p.authType === "none" && p.password) {
    errors.push({
      field: `${base}/authType`,
      reason: "none sends no password; drop the password or pick md5",
    });
  }
  if (p.uri !== undefined && !/^[a-z0-9+]+:\/\/[^\s]*$/.test(p.uri)) {
    errors.push({ field: `${base}/uri`, reason: "must be a libvirt URI like qemu:///system" });
  }
  return errors;
}
