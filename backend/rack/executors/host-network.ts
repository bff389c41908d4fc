/**
 * The tenant-network steps VM executors share (backend/rack/tenant-net/): the host's fabric,
 * and "the host carries exactly this": its networks pruned to `networks`, nftables rules kept
 * only for the tenant NICs of the domains it still has, and routing (route-plan.ts) only for
 * those networks and the public addresses still NATed. One change at a time per host.
 */
import type { VmHostConfig } from "../../../sdk/schema/machine";
import type { HostNetwork } from "../../../sdk/schema/tenant-network-payload";
import type { VmHost } from "../../libvirt/vm-host";
import { TaskError } from "../executor";
import { applyNetworks, applyRoutes, pruneRules } from "../tenant-net/apply";
import type { Fabric } from "../tenant-net/link-plan";
import { tenantMacs } from "../tenant-net/nic-spec";
import type { ExecutorDeps } from "./deps";

export function fabricOf(cfg: VmHostConfig, kind: string): Fabric {
  if (!cfg.fabric)
    throw new TaskError("BAD_PAYLOAD", `${kind} task: host.fabric is needed for tenant networks`);
  return cfg.fabric;
}

export function withHostNet<T>(deps: ExecutorDeps, cfg: VmHostConfig, fn: () => Promise<T>): Promise<T> {
  return deps.netLocks.run(`${cfg.uri}#${cfg.netns ?? ""}`, fn);
}

export interface HostNetSettled {
  commands: number;
  kept: string[];
  rulesRemoved: boolean;
}

/** Prunes the host to `networks` and to the rules of the tenant NICs its domains still have. */
export async function settleHostNetworks(
  deps: ExecutorDeps,
  cfg: VmHostConfig,
  host: VmHost,
  networks: readonly HostNetwork[],
  kind: string,
): Promise<HostNetSettled> {
  // A host without a fabric never got anything of ours: nothing to carry is nothing to do.
  if (!cfg.fabric && networks.length === 0) return { commands: 0, kept: [], rulesRemoved: false };
  const fabric = fabricOf(cfg, kind);
  const shell = deps.hostShell(cfg);
  return withHostNet(deps, cfg, async () => {
    // Inside the lock: a VM create holds it until its domain is defined, so its rules are seen.
    const macs = (await host.listDomains()).flatMap((d) => tenantMacs(d.interfaces));
    // Rules first: a bridge is removed only once nothing of ours points at it.
    const rulesRemoved = await pruneRules(shell, macs, networks);
    const links = await applyNetworks(shell, fabric, networks, { prune: true });
    // After the links: a new network's bridge exists, a removed one took its addresses along.
    const routes = await applyRoutes(shell, fabric, networks, { prune: true });
    return { commands: links.commands + routes, kept: links.kept, rulesRemoved };
  });
}
