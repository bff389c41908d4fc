/**
 * vm.power (payload { vmId, host, powerState }): start a VM, or shut it down (ACPI, then
 * destroyed if the guest ignores it within the timeout). Idempotent: a VM already in the asked
 * state is left alone. Result: { powerState, forced? }.
 */
import type { VmHost } from "../../libvirt/vm-host";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { optPowerState } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

const KIND = "vm.power";

export async function setVmPower(
  host: VmHost,
  domain: string,
  want: "on" | "off",
  stopTimeoutMs: number,
): Promise<{ changed: boolean; forced: boolean }> {
  const d = await findDomain(host, domain);
  if (!d) throw new TaskError("VM_NOT_FOUND", `domain ${domain} does not exist on ${host.uri}`);
  const off = d.state === "shutoff" || d.state === "crashed" || d.state === "nostate";
  if (want === "on" && off) {
    await host.startDomain(domain);
    return { changed: true, forced: false };
  }
  if (want === "off" && !off) {
    const r = await host.stopDomain(domain, { timeoutMs: stopTimeoutMs });
    return { changed: true, forced: r.forced };
  }
  return { changed: false, forced: false };
}

export function vmPowerExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const { host, domain } = vmTarget(deps, task.payload, KIND);
      const want = optPowerState(task.payload, KIND);
      if (!want) throw new TaskError("BAD_PAYLOAD", `${KIND} task: powerState must be "on" or "off"`);
      const r = await setVmPower(host, domain, want, deps.vmStopTimeoutMs);
      return { powerState: want, changed: r.changed, ...(r.forced ? { forced: true } : {}) };
    },
  };
}
