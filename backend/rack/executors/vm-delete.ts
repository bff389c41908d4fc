/**
 * vm.delete (payload { vmId, host }): destroy, undefine and delete the VM's volumes
 * (backend/libvirt/compose.ts destroyVm). Idempotent: a domain or volume already gone is fine,
 * so a re-run after a dead rack, or a delete of a VM whose create failed, succeeds. Only then
 * does the region give the capacity back. Result: { domainRemoved, volumesRemoved }.
 */
import { destroyVm } from "../../libvirt/compose";
import type { Executor } from "../executor";
import type { ExecutorDeps } from "./deps";
import { vmTarget } from "./vm-target";

const KIND = "vm.delete";

export function vmDeleteExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const { vmId, host } = vmTarget(deps, task.payload, KIND);
      const r = await destroyVm(host, vmId, { prefix: deps.vmPrefix });
      return { domainRemoved: r.domainRemoved, volumesRemoved: r.volumesRemoved };
    },
  };
}
