/**
 * host.reconcile (payload { machineId?, host, vms: VmRecord[], busy?: vmId[], clean? }): compare
 * a VM host with the VMs the region expects there (backend/libvirt/reconcile.ts), clean orphans
 * (ours only: prefixed domains with fibrix metadata, volumes named by our scheme) and report
 * VMs whose domain is missing. VMs being created or deleted right now (`busy`, as the region
 * saw them when this task was claimed, plus those whose tasks this agent claimed since:
 * ctx.claimedSince) are neither orphans nor missing: their own tasks settle them, and the next
 * reconcile judges them.
 * With `networks` (the tenant networks the host must still carry), the host is pruned to them
 * after the orphans are cleaned: bridges, VXLAN/VLAN devices and nftables rules no VM uses go
 * (executors/host-network.ts); the result adds { network }.
 * An unreachable host is data, not a failure.
 */
import { type VmRecord, reconcileHost } from "../../libvirt/reconcile";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { settleHostNetworks } from "./host-network";
import { hostConfig, optNetworks, strList } from "./payload";

const KIND = "host.reconcile";

function records(raw: unknown): VmRecord[] {
  if (!Array.isArray(raw)) throw new TaskError("BAD_PAYLOAD", `${KIND} task: vms must be a list`);
  return raw.map((v) => {
    const r = v as Partial<VmRecord> & { vmId?: string };
    const id = r.id ?? r.vmId;
    if (typeof id !== "string") throw new TaskError("BAD_PAYLOAD", `${KIND} task: every VM needs an id`);
    return {
      id,
      tenant: typeof r.tenant === "string" ? r.tenant : "",
      vcpus: typeof r.vcpus === "number" ? r.vcpus : 0,
      memoryMiB: typeof r.memoryMiB === "number" ? r.memoryMiB : 0,
      powerState: r.powerState === "off" ? "off" : "on",
      ...(typeof r.diskBytes === "number" ? { diskBytes: r.diskBytes } : {}),
    };
  });
}

export function hostReconcileExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task, claimedSince }) {
      const p = task.payload;
      const cfg = hostConfig(p, KIND);
      const host = deps.vmHost(cfg);
      const networks = optNetworks(p, KIND);
      const busy = new Set(strList(p, "busy", KIND));
      const expected = records(p.vms);
      const known = new Set(expected.map((v) => v.id));
      // Busy VMs, and those this agent took work for since the region listed them (at this
      // task's claim), count as expected: a half-made or brand-new one is not an orphan.
      const spared = new Set([...busy, ...claimedSince()].filter((id) => !known.has(id)));
      const placeholders: VmRecord[] = [...spared].map((id) => ({
        id,
        tenant: "",
        vcpus: 0,
        memoryMiB: 0,
        powerState: "on",
      }));
      const settled = (id: string) => !busy.has(id) && !spared.has(id);
      const r = await reconcileHost(host, [...expected, ...placeholders], {
        clean: p.clean !== false,
        prefix: deps.vmPrefix,
      });
      if (r.unreachable) return { unreachable: true, code: r.code, message: r.message };
      const network = networks ? await settleHostNetworks(deps, cfg, host, networks, KIND) : undefined;
      return {
        ...(network ? { network } : {}),
        unreachable: false,
        diff: {
          missingDomains: r.diff.missingDomains.filter((m) => settled(m.id)).map((m) => ({ id: m.id })),
          orphanDomains: r.diff.orphanDomains.map((d) => ({ name: d.name })),
          orphanVolumes: r.diff.orphanVolumes.map((v) => ({ name: v.name })),
          drifted: r.diff.drifted
            .filter((d) => settled(d.id))
            .map((d) => ({ id: d.id, field: d.field, expected: d.expected, actual: d.actual })),
          unmanaged: r.diff.unmanaged,
        },
        cleaned: { domains: r.cleaned.domains, volumes: r.cleaned.volumes },
        failures: r.failures.map((f) => ({ object: f.object, code: f.code, message: f.message })),
      };
    },
  };
}
