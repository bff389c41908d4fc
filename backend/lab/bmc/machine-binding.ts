/**
 * What a lab BMC's chassis power drives. Like virtualbmc, the BMC is a thin adapter: power
 * transitions of the (pure) chassis state machine are pushed to a binding, and Get Chassis
 * Status asks the binding for the real state when it can tell (a libvirt domain started or
 * destroyed by hand shows up). `simulatedMachine` drives nothing: pure simulation.
 */

import type { BootRecord } from "./power-state";

export interface MachineBinding {
  /** Human label for tables and logs ("libvirt qemu:///system lab-001", "simulated"). */
  readonly description: string;
  powerOn(boot: BootRecord): Promise<void>;
  powerOff(soft: boolean): Promise<void>;
  reset(boot: BootRecord): Promise<void>;
  /** The machine's actual power state, or undefined when the binding cannot tell. */
  state(): Promise<"on" | "off" | undefined>;
}

export function simulatedMachine(): MachineBinding {
  return {
    description: "simulated",
    powerOn: async () => {},
    powerOff: async () => {},
    reset: async () => {},
    state: async () => undefined,
  };
}
