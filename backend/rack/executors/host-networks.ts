/**
 * host.networks (payload { machineId, host, networks: HostNetwork[] }): the host carries exactly
 * `networks` (a peer host joined or left one: the VXLAN head-end lists change), with what no VM
 * uses pruned (executors/host-network.ts). Idempotent. Result: { commands, kept, rulesRemoved }.
 */
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { settleHostNetworks } from "./host-network";
import { hostConfig, optNetworks } from "./payload";

const KIND = "host.networks";

export function hostNetworksExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task }) {
      const cfg = hostConfig(task.payload, KIND);
      const networks = optNetworks(task.payload, KIND);
      if (!networks) throw new TaskError("BAD_PAYLOAD", `${KIND} task: networks are required`);
      return { ...(await settleHostNetworks(deps, cfg, deps.vmHost(cfg), networks, KIND)) };
    },
  };
}
