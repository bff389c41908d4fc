/**
 * Manual power: a person presses the button. Every action succeeds without doing anything and
 * the state is always "unknown" (MAAS's manual driver), so nothing waits for a confirmation.
 */

import { BasePowerDriver, type PowerDriverSpec, type PowerState } from "./driver";
import { manualDeclaration } from "./declared/manual";

export class ManualPowerDriver extends BasePowerDriver {
  readonly name = "manual";

  protected override get canQueryStatus(): boolean {
    return false;
  }

  protected async powerOn(): Promise<void> {}
  protected async powerOff(): Promise<void> {}
  protected async powerCycle(): Promise<void> {}
  protected async powerReset(): Promise<void> {}
  protected async powerSoftOff(): Promise<void> {}
  protected async queryPowerState(): Promise<PowerState> {
    return "unknown";
  }
  protected async applyBootDevice(): Promise<void> {}
}

export const manualDriverSpec: PowerDriverSpec = {
  ...manualDeclaration,
  create: (_s, deps) => new ManualPowerDriver(deps),
};
