/**
 * vm.console (payload { vmId, name, host, session }): open the VM's serial console socket on its
 * host (console-dialer.ts) and dial the region for the session (console-bridge.ts). Done once
 * both are open; the bridge then lives on its own until either side ends. A VM whose domain
 * has a pty serial port (made before VMs had a console socket) or that is not running fails
 * with CONSOLE_UNAVAILABLE, which the region answers 409.
 */
import type { ConsoleBridges } from "../console-bridge";
import { consoleRoute, openConsole } from "../console-dialer";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { str } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

const KIND = "vm.console";

export function vmConsoleExecutor(deps: ExecutorDeps, bridges: ConsoleBridges): Executor {
  return {
    kind: KIND,
    async run({ task, signal }) {
      const { vmId, host, domain } = vmTarget(deps, task.payload, KIND);
      const session = str(task.payload, "session", KIND);
      const d = await findDomain(host, domain);
      if (!d) throw new TaskError("VM_NOT_FOUND", `domain ${domain} does not exist on ${host.uri}`);
      if (d.state !== "running") {
        throw new TaskError(
          "CONSOLE_UNAVAILABLE",
          `VM ${vmId} is ${d.state}: its console is there only while it runs`,
        );
      }
      if (!d.serialSocket) {
        throw new TaskError(
          "CONSOLE_UNAVAILABLE",
          `console not available for this VM (created before VMs had a serial console socket: its serial port is a pty); recreate the VM to get one`,
        );
      }
      const serial = await openConsole(consoleRoute(host.uri, d.serialSocket), signal);
      await bridges.bridge(session, serial, signal);
      return { session, socket: d.serialSocket };
    },
  };
}
