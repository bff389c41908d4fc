import type { PowerState } from "../../power/driver";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";

/** Power actions on one machine's BMC; the result carries the state confirmed afterwards. */
export function powerExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: "power",
    async run({ task }) {
      const p = task.payload as {
        action: string;
        device?: "pxe" | "disk";
        persistent?: boolean;
        power: unknown;
      };
      const driver = deps.power(p.power);
      try {
        switch (p.action) {
          case "on":
            await driver.on();
            break;
          case "off":
            await driver.off();
            break;
          case "cycle":
            await driver.cycle();
            break;
          case "reset":
            await driver.reset();
            break;
          case "soft":
            await driver.softOff();
            break;
          case "bootdev":
            await driver.setBootDevice(p.device ?? "pxe", { persistent: p.persistent ?? false });
            break;
          case "query":
            break;
          default:
            throw new TaskError("BAD_PAYLOAD", `unknown power action ${p.action}`);
        }
        const powerState: PowerState = await driver.status();
        return { action: p.action, powerState };
      } finally {
        await driver.close();
      }
    },
  };
}
