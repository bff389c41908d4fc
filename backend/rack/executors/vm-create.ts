/**
 * vm.create (payload { vmId, hostname, host, image, cores, memoryMiB, diskGiB, userData?,
 * sshKeys, powerState, tenantId, imageSource? }): the base image first when the host lacks it
 * (imageSource: the catalogue's { name, os, format, path }), then compose the domain on its host (backend/libvirt/compose.ts:
 * disk cloned on the base image, seed ISO, define, start). Idempotent, because the region hands
 * the task out again when a rack died holding it: an existing domain of this VM is success (and
 * is started if it should run); on a second attempt, a half-made VM of the dead one (volumes,
 * no domain) is cleared first. A failed compose has created nothing, so the region gives the capacity back.
 * With tenant NICs (`nics`, `networks`: sdk/schema/tenant-network-payload.ts) the VM is only on
 * its tenant networks: the host first carries `networks`, the NICs' nftables rules are written
 * (before the taps exist, so no frame passes unfiltered), then the domain gets one interface per
 * NIC and the seed a network-config with the addresses IPAM assigned (and the network's gateway;
 * the host routes its public address: tenant-net/route-plan.ts); a failed compose takes the
 * rules away again. All under the host's network lock (executors/host-network.ts).
 * Result: { ip, domain } (+ addresses with NICs: the guest's addresses are the payload's).
 */
import { composeVm, destroyVm } from "../../libvirt/compose";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { ensureImage, imageSourceOf } from "./image-import";
import { applyNetworks, applyRoutes, applyVmRules, removeVmRules } from "../tenant-net/apply";
import { nicSpec } from "../tenant-net/nic-spec";
import { fabricOf, withHostNet } from "./host-network";
import { hostConfig, optNetworks, optNics, optPowerState, optStr, posInt, str, strList } from "./payload";
import { findDomain, firstIpv4, vmTarget } from "./vm-target";
import { restoreSource } from "./vm-restore";

const GiB = 1024 ** 3;
const KIND = "vm.create";

export function vmCreateExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task, progress, signal }) {
      const p = task.payload;
      const { vmId, host, domain } = vmTarget(deps, p, KIND);
      const spec = {
        id: vmId,
        tenant: optStr(p, "tenantId", KIND) ?? "",
        hostname: optStr(p, "hostname", KIND) ?? optStr(p, "name", KIND) ?? vmId,
        image: str(p, "image", KIND),
        vcpus: posInt(p, "cores", KIND),
        memoryMiB: posInt(p, "memoryMiB", KIND),
        diskBytes: posInt(p, "diskGiB", KIND) * GiB,
        sshAuthorizedKeys: strList(p, "sshKeys", KIND),
        start: optPowerState(p, KIND) !== "off",
      };
      const userData = optStr(p, "userData", KIND);
      const cfg = hostConfig(p, KIND);
      const nics = optNics(p, KIND);
      // Tenant NICs replace the host bridge: a NIC there would bypass the tenant's isolation.
      const bridge = nics ? undefined : cfg.bridge;
      const tenantNet = nics
        ? {
            nics,
            networks: optNetworks(p, KIND) ?? [],
            fabric: fabricOf(cfg, KIND),
            shell: deps.hostShell(cfg),
          }
        : undefined;
      const missing = tenantNet?.nics.find(
        (n) => !tenantNet.networks.some((w) => w.networkId === n.networkId),
      );
      if (missing) {
        throw new TaskError(
          "BAD_PAYLOAD",
          `${KIND} task: nic ${missing.mac} is on ${missing.networkId}, not in networks`,
        );
      }
      const addresses = nics?.map((n) => n.ipv4);
      const ipOf = async () => addresses?.[0] ?? (await firstIpv4(host, domain));
      const withNet = <T>(fn: () => Promise<T>): Promise<T> =>
        tenantNet ? withHostNet(deps, cfg, fn) : fn();
      const carryNetworks = async () => {
        if (!tenantNet) return;
        await applyNetworks(tenantNet.shell, tenantNet.fabric, tenantNet.networks);
        await applyVmRules(tenantNet.shell, tenantNet.nics, tenantNet.fabric.uplinkDevice);
        await applyRoutes(tenantNet.shell, tenantNet.fabric, tenantNet.networks);
      };
      const dropRules = async () => {
        if (tenantNet)
          await removeVmRules(
            tenantNet.shell,
            tenantNet.nics.map((n) => n.mac),
          )
            .then(() => applyRoutes(tenantNet.shell, tenantNet.fabric, undefined))
            .catch(() => {});
      };
      const existing = await findDomain(host, domain);
      if (existing) {
        // An earlier attempt got this far; finish what it may not have (its networks, the start).
        await withNet(carryNetworks);
        if (spec.start && existing.state === "shutoff") await host.startDomain(domain);
        return { domain, ip: await ipOf(), existed: true, ...(addresses ? { addresses } : {}) };
      }
      // The region names the catalogue's source: a VM placed on a host whose import of the
      // image has not run yet (or is running) gets it first, instead of failing.
      const restore = await restoreSource(p, KIND, progress);
      if (p.imageSource !== undefined && !restore) {
        const base = await ensureImage(deps, host, imageSourceOf(p.imageSource, KIND), progress, signal);
        if (base.existed === false) await progress(`imported base image ${spec.image}`);
      }
      if (task.attempt > 1) {
        // Leftovers of an attempt that died before its domain was defined (volumes, no domain).
        const cleared = await destroyVm(host, vmId, { prefix: deps.vmPrefix });
        if (cleared.volumesRemoved.length > 0) {
          await progress(`cleared ${cleared.volumesRemoved.length} volume(s) left by an earlier attempt`);
        }
      }
      signal.throwIfAborted();
      // Tenants read their VMs' events: the host's libvirt URI and pool stay the operators'.
      await progress(`composing ${domain}`);
      const watch = restore?.watchUpload(deps, host, vmId);
      try {
        await withNet(async () => {
          await carryNetworks();
          try {
            await composeVm(
              host,
              {
                ...spec,
                ...(bridge ? { bridge } : {}),
                ...(tenantNet
                  ? {
                      tenantNics: tenantNet.nics.map((n) =>
                        nicSpec(n, tenantNet.networks.find((w) => w.networkId === n.networkId)?.mtu),
                      ),
                    }
                  : {}),
                ...(userData ? { userData } : {}),
                ...(restore ? { restoreFrom: restore.source, start: false } : {}),
              },
              { prefix: deps.vmPrefix, consoleDir: deps.consoleDir },
            );
          } catch (e) {
            // A failed compose created nothing: neither do its rules stay.
            await dropRules();
            throw e;
          }
        });
      } finally {
        await watch?.stop();
      }
      if (restore) {
        try {
          await restore.finish(deps, host, vmId, spec.diskBytes, spec.start);
        } catch (e) {
          // A failed create has created nothing: the region gives the capacity back.
          await destroyVm(host, vmId, { prefix: deps.vmPrefix });
          await dropRules();
          throw e;
        }
      }
      return { domain, ip: await ipOf(), ...(addresses ? { addresses } : {}) };
    },
  };
}
