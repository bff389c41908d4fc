/**
 * Release: power the machine off. Disk erase (`erase: true`) is not done by this rack yet: it
 * would PXE an erase environment like commissioning does; the result says it was skipped.
 */
import type { Executor } from "../executor";
import { TaskError } from "../executor";
import { ensureOff } from "./commission";
import type { ExecutorDeps } from "./deps";

export function releaseExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: "release",
    async run({ task }) {
      const p = task.payload as { power?: unknown; erase?: boolean };
      if (!p.power) throw new TaskError("BAD_PAYLOAD", "release task has no power parameters");
      const driver = deps.power(p.power);
      try {
        await ensureOff(driver);
        return {
          powerState: await driver.status(),
          ...(p.erase ? { erase: "skipped: not supported by this rack" } : {}),
        };
      } finally {
        await driver.close();
      }
    },
  };
}
