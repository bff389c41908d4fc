/**
 * vm.delete (payload { vmId, host, networks? }): destroy, undefine and delete the VM's volumes
 * (backend/libvirt/compose.ts destroyVm). Idempotent: a domain or volume already gone is fine,
 * so a re-run after a dead rack, or a delete of a VM whose create failed, succeeds. Only then
 * does the region give the capacity back.
 * A VM on tenant networks loses its nftables rules with its domain; with `networks` (what the
 * host must still carry) the host is then pruned: bridges, VXLAN/VLAN devices and rules no VM
 * uses go (executors/host-network.ts). Result: { domainRemoved, volumesRemoved, network? }.
 */
import { destroyVm } from "../../libvirt/compose";
import type { Executor } from "../executor";
import { applyRoutes, removeVmRules } from "../tenant-net/apply";
import { tenantMacs } from "../tenant-net/nic-spec";
import type { ExecutorDeps } from "./deps";
import { settleHostNetworks, withHostNet } from "./host-network";
import { hostConfig, optNetworks } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

const KIND = "vm.delete";

export function vmDeleteExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const { vmId, host, domain } = vmTarget(deps, task.payload, KIND);
      const cfg = hostConfig(task.payload, KIND);
      const networks = optNetworks(task.payload, KIND);
      const macs = tenantMacs((await findDomain(host, domain))?.interfaces);
      const r = await destroyVm(host, vmId, { prefix: deps.vmPrefix });
      const out = { domainRemoved: r.domainRemoved, volumesRemoved: r.volumesRemoved };
      if (macs.length > 0 && networks === undefined) {
        const shell = deps.hostShell(cfg);
        await withHostNet(deps, cfg, async () => {
          await removeVmRules(shell, macs);
          // Its public address leaves the uplink with its NAT.
          if (cfg.fabric) await applyRoutes(shell, cfg.fabric, undefined);
        });
      }
      if (networks === undefined) return out;
      return { ...out, network: await settleHostNetworks(deps, cfg, host, networks, KIND) };
    },
  };
}
