/**
 * vm.network (payload { vmId, host, nics: TenantNic[], networks?: HostNetwork[] }): re-applies a
 * VM's tenant NIC rules (a security group changed, a public address attached or detached) and,
 * with `networks`, the host's network set (a peer host joined or left), pruning what nothing
 * uses. The NICs themselves (MAC, network) are the domain's and do not change here. A missing
 * domain is success: its create applies the state of its own claim (the region rebuilds NIC
 * payloads when a task is claimed). Idempotent. Result: { commands, kept, rulesRemoved } or
 * { skipped }.
 */
import { type Executor, TaskError } from "../executor";
import { applyRoutes, applyVmRules } from "../tenant-net/apply";
import type { ExecutorDeps } from "./deps";
import { fabricOf, settleHostNetworks, withHostNet } from "./host-network";
import { hostConfig, optNetworks, optNics } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

const KIND = "vm.network";

export function vmNetworkExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const p = task.payload;
      const { host, domain } = vmTarget(deps, p, KIND);
      const cfg = hostConfig(p, KIND);
      const nics = optNics(p, KIND);
      const networks = optNetworks(p, KIND);
      if (!nics) throw new TaskError("BAD_PAYLOAD", `${KIND} task: nics are required`);
      const fabric = fabricOf(cfg, KIND);
      if (!(await findDomain(host, domain))) return { skipped: `no domain ${domain} on ${host.uri}` };
      const shell = deps.hostShell(cfg);
      // A public address attached or detached: the uplink holds exactly the NATed ones.
      await withHostNet(deps, cfg, async () => {
        await applyVmRules(shell, nics, fabric.uplinkDevice);
        await applyRoutes(shell, fabric, undefined);
      });
      if (!networks) return { commands: 0, kept: [], rulesRemoved: false };
      return { ...(await settleHostNetworks(deps, cfg, host, networks, KIND)) };
    },
  };
}
