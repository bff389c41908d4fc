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
 * (executors/host-network.ts); the result adds { network }. Then the rules of the VMs in
 * `vmNics` the host keeps are written again (network.rulesApplied: their ids), so a host that
 * lost them (nftables restarted) filters again; a VM worked on since the claim is left to its
 * own task, whose payload is newer.
 * An unreachable host is data, not a failure.
 */
import { type CleanFailure, type VmRecord, reconcileHost } from "../../libvirt/reconcile";
import type { VmNics } from "../../../sdk/schema/tenant-network-payload";
import { applyVmRules } from "../tenant-net/apply";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { settleHostNetworks, withHostNet } from "./host-network";
import { hostConfig, optNetworks, optVmNics, strList } from "./payload";

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

/**
 * Pure: the VMs whose rules a reconcile writes again: with tenant NICs, expected on the host with
 * their domain found, and not worked on (`busy`: being created or deleted, or claimed since).
 */
export function rulesToRestore(
  vmNics: readonly VmNics[],
  expected: ReadonlySet<string>,
  missing: ReadonlySet<string>,
  busy: ReadonlySet<string>,
): VmNics[] {
  return vmNics.filter(
    (v) => v.nics.length > 0 && expected.has(v.vmId) && !missing.has(v.vmId) && !busy.has(v.vmId),
  );
}

export function hostReconcileExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task, claimedSince }) {
      const p = task.payload;
      const cfg = hostConfig(p, KIND);
      const host = deps.vmHost(cfg);
      const networks = optNetworks(p, KIND);
      const vmNics = optVmNics(p, KIND);
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
      const settledNet = networks ? await settleHostNetworks(deps, cfg, host, networks, KIND) : undefined;
      const failures: CleanFailure[] = [...r.failures];
      const rulesApplied: string[] = [];
      if (vmNics.length > 0) {
        const shell = deps.hostShell(cfg);
        const missing = new Set(r.diff.missingDomains.map((m) => m.id));
        await withHostNet(deps, cfg, async () => {
          // Inside the lock, as of now: a task claimed meanwhile carries newer rules than ours.
          const worked = new Set([...busy, ...claimedSince()]);
          for (const v of rulesToRestore(vmNics, known, missing, worked)) {
            try {
              await applyVmRules(shell, v.nics, cfg.fabric?.uplinkDevice);
              rulesApplied.push(v.vmId);
            } catch (e) {
              failures.push({
                object: `rules of ${v.vmId}`,
                code: (e as { code?: string }).code ?? "FAILED",
                message: e instanceof Error ? e.message : String(e),
              });
            }
          }
        });
      }
      const network = settledNet ? { ...settledNet, rulesApplied } : undefined;
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
        failures: failures.map((f) => ({ object: f.object, code: f.code, message: f.message })),
      };
    },
  };
}
