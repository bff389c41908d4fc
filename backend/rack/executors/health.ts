import type { Executor } from "../executor";
import { toReading, toSel } from "../health-report";
import type { ExecutorDeps } from "./deps";

/** Reads a machine's sensors and event log through its power driver (IPMI SDR + SEL). */
export function healthExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: "health",
    async run({ task }) {
      const driver = deps.power((task.payload as { power: unknown }).power);
      try {
        const powerState = await driver.status();
        const sensors = (await driver.sensors?.()) ?? [];
        const sel = (await driver.events?.()) ?? [];
        return { powerState, sensors: sensors.map(toReading), sel: sel.map(toSel) };
      } finally {
        await driver.close();
      }
    },
  };
}
