/**
 * Thin appliers: read what the VM host has, plan (link-plan.ts, nft-plan.ts), run the plan
 * through the host's shell. Each step is idempotent, so a task run again after a dead rack
 * converges on the same state.
 */
import type { HostNetwork, TenantNic } from "../../../sdk/schema/tenant-network-payload";
import { type Command, type HostShell, ShellError } from "./host-shell";
import { type Fabric, planLinks } from "./link-plan";
import { type LinkInfo, parseFdb, parseLinks } from "./link-state";
import { bridgeName, tapName } from "./names";
import { publicAddresses, pruneNftScript, removeTapsNftScript, vmNftScript } from "./nft-plan";
import { type NftState, parseNftRuleset } from "./nft-state";
import { type RoutePlanInput, planRoutes, sysctlKeys } from "./route-plan";
import { type RouteState, parseAddrs, parseRoutes, parseRules, parseSysctls } from "./route-state";

export async function readLinks(shell: HostShell): Promise<LinkInfo[]> {
  return parseLinks(await shell.run(["ip", "-j", "-d", "link", "show"]));
}

export async function readNft(shell: HostShell): Promise<NftState> {
  return parseNftRuleset(await shell.run(["nft", "-j", "list", "ruleset"]));
}

async function runAll(shell: HostShell, commands: readonly Command[]): Promise<void> {
  for (const c of commands) await shell.run(c);
}

async function nftApply(shell: HostShell, script: string | null): Promise<boolean> {
  if (script === null) return false;
  await shell.run(["nft", "-f", "-"], script);
  return true;
}

export interface NetworksApplied {
  commands: number;
  /** Bridges not wanted but kept: a tap is still on them. */
  kept: string[];
}

/** Makes the host carry `networks` (and, with prune, nothing else of ours). */
export async function applyNetworks(
  shell: HostShell,
  fabric: Fabric,
  networks: readonly HostNetwork[],
  opts: { prune?: boolean } = {},
): Promise<NetworksApplied> {
  const links = await readLinks(shell);
  const fdb = parseFdb(await shell.run(["bridge", "-j", "fdb", "show"]));
  const plan = planLinks(networks, fabric, links, fdb, opts);
  await runAll(shell, plan.commands);
  return { commands: plan.commands.length, kept: plan.kept };
}

const BRNF = ["sysctl", "-n", "net.bridge.bridge-nf-call-iptables"];

/**
 * Security groups are enforced in the inet hooks, which bridged IPv4 reaches only through
 * br_netfilter (link-plan.ts). Its sysctls exist exactly when it is loaded; a host without it
 * would pass every frame unfiltered, so it is loaded if it can be and the rules fail closed
 * (the task fails) if it cannot.
 */
export async function ensureBridgeNetfilter(shell: HostShell): Promise<void> {
  const present = () =>
    shell.run(BRNF).then(
      () => true,
      () => false,
    );
  if (await present()) return;
  await shell.run(["modprobe", "br_netfilter"]).catch(() => undefined);
  if (!(await present())) {
    throw new ShellError(
      BRNF,
      `br_netfilter is not available on ${shell.where}: security groups cannot be enforced`,
    );
  }
}

/** Writes the nftables rules of a VM's NICs (one transaction). */
export async function applyVmRules(
  shell: HostShell,
  nics: readonly TenantNic[],
  uplink?: string,
): Promise<void> {
  await ensureBridgeNetfilter(shell);
  const state = await readNft(shell);
  await nftApply(shell, vmNftScript(nics, state, uplink ? { uplink } : {}));
}

/** Removes the rules of these MACs' taps; true when there were any. */
export async function removeVmRules(shell: HostShell, macs: readonly string[]): Promise<boolean> {
  if (macs.length === 0) return false;
  return nftApply(shell, removeTapsNftScript(new Set(macs.map(tapName)), await readNft(shell)));
}

/**
 * Keeps the rules of the taps of `keepMacs` (NICs of VMs the host still has) and the conntrack
 * zones of `networks`' bridges; removes every other rule of ours (our tables when nothing is kept).
 */
export async function pruneRules(
  shell: HostShell,
  keepMacs: readonly string[],
  networks: readonly HostNetwork[],
): Promise<boolean> {
  const keepTaps = new Set(keepMacs.map(tapName));
  const keepBridges = new Set(networks.map((n) => bridgeName(n.segment)));
  return nftApply(shell, pruneNftScript(keepTaps, keepBridges, await readNft(shell)));
}

export async function readRoutes(shell: HostShell, input: RoutePlanInput): Promise<RouteState> {
  const devs = new Set((await readLinks(shell)).map((l) => l.name));
  const keys = sysctlKeys(input)
    .filter((k) => k.dev === "" || devs.has(k.dev))
    .map((k) => k.key);
  return {
    addresses: parseAddrs(await shell.run(["ip", "-j", "-4", "addr", "show"])),
    rules: parseRules(await shell.run(["ip", "-j", "-4", "rule", "show"])),
    routes: parseRoutes(await shell.run(["ip", "-j", "-4", "route", "show", "table", "all"])),
    sysctls: keys.length > 0 ? parseSysctls(keys, await shell.run(["sysctl", "-n", ...keys])) : new Map(),
  };
}

/**
 * Makes the host route its tenant networks' public-address traffic (route-plan.ts): the public
 * addresses are those its nftables NAT now, so this runs after the rules. `networks` undefined
 * leaves per-network routing alone (a VM's public address changed); with prune, our rules and
 * tables of networks not in `networks` go. A host without an uplink routes nothing of ours.
 * Returns the number of commands run.
 */
export async function applyRoutes(
  shell: HostShell,
  fabric: Fabric,
  networks: readonly HostNetwork[] | undefined,
  opts: { prune?: boolean } = {},
): Promise<number> {
  if (!fabric.uplinkDevice && !opts.prune) return 0;
  const input: RoutePlanInput = {
    ...(fabric.uplinkDevice ? { uplink: fabric.uplinkDevice } : {}),
    ...(networks ? { networks } : {}),
    publics: fabric.uplinkDevice ? publicAddresses(await readNft(shell)) : [],
  };
  const commands = planRoutes(input, await readRoutes(shell, input), opts);
  await runAll(shell, commands);
  return commands.length;
}
