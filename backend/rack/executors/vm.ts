/**
 * VM work on a libvirt host (backend/libvirt). Every executor is idempotent, because the region
 * hands a task out again when a rack died holding it: creating a VM that already exists, or
 * deleting one that is already gone, is success.
 */
import { composeVm, destroyVm } from "../../libvirt/compose";
import { domainName } from "../../libvirt/naming";
import { reconcileHost, type VmRecord } from "../../libvirt/reconcile";
import { isLibvirtError } from "../../libvirt/virsh";
import type { VmHost } from "../../libvirt/vm-host";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import type { Executor } from "../executor";
import type { ExecutorDeps } from "./deps";

interface VmPayload {
  vmId: string;
  tenantId?: string;
  hostname?: string;
  host: VmHostConfig;
  image?: string;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  userData?: string | null;
  sshKeys?: string[];
  powerState?: "on" | "off";
}

async function firstAddress(host: VmHost, name: string): Promise<string | null> {
  try {
    const addrs = await host.domainAddresses(name);
    return addrs.find((a) => a.protocol === "ipv4")?.address ?? null;
  } catch {
    return null; // no lease or agent yet: the address comes with a later reconcile
  }
}

async function exists(host: VmHost, name: string): Promise<boolean> {
  try {
    await host.getDomain(name);
    return true;
  } catch (e) {
    if (isLibvirtError(e) && e.code === "NOT_FOUND") return false;
    throw e;
  }
}

export function vmExecutors(deps: ExecutorDeps): Executor[] {
  const setup = (payload: unknown) => {
    const p = payload as VmPayload;
    return { p, host: deps.vmHost(p.host), name: domainName(deps.vmPrefix, p.vmId) };
  };
  return [
    {
      kind: "vm.create",
      async run({ task, progress }) {
        const { p, host, name } = setup(task.payload);
        if (!(await exists(host, name))) {
          await progress(`composing ${name} on ${p.host.uri}`);
          await composeVm(
            host,
            {
              id: p.vmId,
              tenant: p.tenantId ?? "",
              hostname: p.hostname ?? p.vmId,
              image: p.image!,
              vcpus: p.cores!,
              memoryMiB: p.memoryMiB!,
              diskBytes: p.diskGiB! * 1024 ** 3,
              ...(p.host.bridge ? { bridge: p.host.bridge } : {}),
              ...(p.userData ? { userData: p.userData } : {}),
              sshAuthorizedKeys: p.sshKeys ?? [],
              start: p.powerState !== "off",
            },
            { prefix: deps.vmPrefix },
          );
        }
        return { domain: name, ip: await firstAddress(host, name) };
      },
    },
    {
      kind: "vm.update",
      async run({ task }) {
        const { p, host, name } = setup(task.payload);
        const cpu = await host.setVcpus(name, p.cores!);
        const mem = await host.setMemory(name, p.memoryMiB!);
        return { applied: cpu.applied === "live" && mem.applied === "live" ? "live" : "next-boot" };
      },
    },
    {
      kind: "vm.power",
      async run({ task }) {
        const { p, host, name } = setup(task.payload);
        const running = (await host.getDomain(name)).state === "running";
        if (p.powerState === "on" && !running) await host.startDomain(name);
        if (p.powerState === "off" && running) await host.stopDomain(name, { timeoutMs: 60_000 });
        return { powerState: p.powerState ?? "on" };
      },
    },
    {
      kind: "vm.delete",
      async run({ task }) {
        const { p, host } = setup(task.payload);
        const r = await destroyVm(host, p.vmId, { prefix: deps.vmPrefix });
        return { ...r };
      },
    },
    {
      kind: "host.reconcile",
      async run({ task }) {
        const p = task.payload as { host: VmHostConfig; vms: VmRecord[]; busy?: string[]; clean?: boolean };
        // VMs being created or deleted right now are neither orphans nor missing.
        const busy = new Set(p.busy ?? []);
        const placeholders = [...busy].map((id) => ({
          id,
          tenant: "",
          vcpus: 0,
          memoryMiB: 0,
          powerState: "on" as const,
        }));
        const r = await reconcileHost(deps.vmHost(p.host), [...p.vms, ...placeholders], {
          clean: p.clean ?? true,
          prefix: deps.vmPrefix,
        });
        if (r.unreachable) return { unreachable: true, code: r.code, message: r.message };
        return {
          unreachable: false,
          diff: {
            missingDomains: r.diff.missingDomains.filter((m) => !busy.has(m.id)).map((m) => ({ id: m.id })),
            orphanDomains: r.diff.orphanDomains.map((d) => ({ name: d.name })),
            orphanVolumes: r.diff.orphanVolumes.map((v) => ({ name: v.name })),
            drifted: r.diff.drifted.filter((d) => !busy.has(d.id)),
            unmanaged: r.diff.unmanaged,
          },
          cleaned: JSON.parse(JSON.stringify(r.cleaned)) as unknown,
          failures: JSON.parse(JSON.stringify(r.failures)) as unknown,
        };
      },
    },
  ];
}
