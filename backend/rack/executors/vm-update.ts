/**
 * vm.update (payload { vmId, host, cores, memoryMiB, diskGiB, powerState? }): resize a VM.
 * vCPUs and memory change live when the hypervisor allows it (within the domain's maximum),
 * otherwise in the persistent definition for the next boot; the disk only ever grows (live on a
 * running domain). A power change asked in the same update is applied too. Idempotent: setting
 * a size the VM already has changes nothing. Result: { applied: "live" | "next-boot", disk }.
 */
import { type Executor, TaskError } from "../executor";
import { growDisk } from "../vm-disk";
import type { ExecutorDeps } from "./deps";
import { optPowerState, posInt } from "./payload";
import { setVmPower } from "./vm-power";
import { findDomain, vmTarget } from "./vm-target";

const GiB = 1024 ** 3;
const KIND = "vm.update";

export function vmUpdateExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const p = task.payload;
      const { vmId, host, domain } = vmTarget(deps, p, KIND);
      const cores = posInt(p, "cores", KIND);
      const memoryMiB = posInt(p, "memoryMiB", KIND);
      const diskGiB = p.diskGiB === undefined ? undefined : posInt(p, "diskGiB", KIND);
      const d = await findDomain(host, domain);
      if (!d) throw new TaskError("VM_NOT_FOUND", `domain ${domain} does not exist on ${host.uri}`);
      const cpu = await host.setVcpus(domain, cores);
      const mem = await host.setMemory(domain, memoryMiB);
      const disk =
        diskGiB === undefined
          ? "unchanged"
          : await growDisk(deps.virsh, host, {
              prefix: deps.vmPrefix,
              vmId,
              bytes: diskGiB * GiB,
              running: d.state === "running",
            });
      const power = optPowerState(p, KIND);
      if (power) await setVmPower(host, domain, power, deps.vmStopTimeoutMs);
      const live = cpu.applied === "live" && mem.applied === "live";
      return {
        applied: live ? "live" : "next-boot",
        rebootRequired: cpu.rebootRequired || mem.rebootRequired,
        disk,
      };
    },
  };
}
