/**
 * Power actions on one machine's BMC (payload { machineId, action, device?, persistent?, power }).
 * The driver base retries transient failures and confirms the state by query; the result
 * carries the state read afterwards. A failure keeps the driver's code (POWER_AUTHENTICATION,
 * POWER_TIMEOUT, …), which the region records as the machine's powerError.
 */
import type { BootTarget, PowerDriver, PowerState } from "../../power/driver";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { type Payload, optStr, str } from "./payload";

export const POWER_ACTIONS = ["on", "off", "cycle", "reset", "soft", "query", "bootdev"] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

function isAction(a: string): a is PowerAction {
  return (POWER_ACTIONS as readonly string[]).includes(a);
}

async function apply(driver: PowerDriver, action: PowerAction, p: Payload): Promise<void> {
  switch (action) {
    case "on":
      return driver.on();
    case "off":
      return driver.off();
    case "cycle":
      return driver.cycle();
    case "reset":
      return driver.reset();
    case "soft":
      return driver.softOff();
    case "bootdev": {
      const device = optStr(p, "device", "power") ?? "pxe";
      if (device !== "pxe" && device !== "disk") {
        throw new TaskError("BAD_PAYLOAD", `power task: device must be pxe or disk, not ${device}`);
      }
      return driver.setBootDevice(device satisfies BootTarget, { persistent: p.persistent === true });
    }
    case "query":
      return;
  }
}

export function powerExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: "power",
    async run({ task }) {
      const p = task.payload;
      const action = str(p, "action", "power");
      if (!isAction(action)) throw new TaskError("BAD_PAYLOAD", `unknown power action ${action}`);
      const driver = deps.power(p.power);
      try {
        await apply(driver, action, p);
        const powerState: PowerState = await driver.status();
        return { action, powerState };
      } finally {
        await driver.close();
      }
    },
  };
}
