/**
 * A machine's hardware health through its power driver (payload { machineId, power }): power
 * state, sensor readings (IPMI SDR) and the event log (SEL), mapped to the region's
 * HealthReport by health-report.ts. Drivers without sensors (manual, wol) report empty lists.
 */
import type { Executor } from "../executor";
import { toHealthReport } from "../health-report";
import type { ExecutorDeps } from "./deps";

export function healthExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: "health",
    async run({ task }) {
      const driver = deps.power(task.payload.power);
      try {
        const powerState = await driver.status();
        const sensors = (await driver.sensors?.()) ?? [];
        const sel = (await driver.events?.()) ?? [];
        return { ...toHealthReport(powerState, sensors, sel) };
      } finally {
        await driver.close();
      }
    },
  };
}
