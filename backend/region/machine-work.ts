/**
 * The rack work each machine transition asks for, built from the machine's row (with its
 * sealed secrets opened: the rack must log in to the BMC and hand user data to the machine).
 */
import type { PowerParameters } from "../../sdk/schema/machine";
import { driverSettings } from "../../sdk/model/power-check";
import type { MachineTable } from "./store/database";
import type { SecretBox } from "./store/secret-box";
import type { NewTask } from "./tasks";

/**
 * Power parameters as the rack hands them to `createPowerDriver(type, rest)`: the driver's
 * own settings (with the password opened, and the MAC for Wake-on-LAN).
 */
export function powerWithSecret(
  m: MachineTable,
  secrets: SecretBox,
): { type: PowerParameters["type"] } & Record<string, unknown> {
  const power = JSON.parse(m.power) as PowerParameters;
  const full = m.powerSecret ? { ...power, password: secrets.open(m.powerSecret) } : power;
  return { type: power.type, ...driverSettings(full, JSON.parse(m.macs) as string[]) };
}

/** The task a machine entering `to` needs from its rack, if any. */
export function workForStatus(
  m: MachineTable,
  to: string,
  secrets: SecretBox,
  erase = false,
): NewTask | undefined {
  const base = {
    machineId: m.id,
    hostname: m.hostname,
    macs: JSON.parse(m.macs) as string[],
    power: powerWithSecret(m, secrets),
  };
  switch (to) {
    case "Commissioning":
      return { rackId: m.rackId, kind: "commission", objectId: m.id, payload: base, maxAttempts: 1 };
    case "Deploying":
      return {
        rackId: m.rackId,
        kind: "deploy",
        objectId: m.id,
        maxAttempts: 1,
        payload: {
          ...base,
          deploy: m.deploy ? JSON.parse(m.deploy) : null,
          userData: m.deploySecret ? secrets.open(m.deploySecret) : null,
          vmHost: m.vmHost === 1,
        },
      };
    case "Releasing":
      return {
        rackId: m.rackId,
        kind: "release",
        objectId: m.id,
        payload: { ...base, erase },
        maxAttempts: 2,
      };
    default:
      return undefined;
  }
}
