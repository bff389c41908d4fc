/** What executors share: one IPMI session pool for every BMC of the rack, and libvirt hosts. */
import { Ipmi15ClientPool } from "../../power/ipmi15/client-pool";
import type { PowerDriver } from "../../power/driver";
import { createPowerDriver } from "../../power/registry";
import { VirshVmHost } from "../../libvirt/vm-host";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import { TaskError } from "../executor";

export interface ExecutorDeps {
  ipmiPool: Ipmi15ClientPool;
  /** Name prefix of libvirt objects (tests use their own). */
  vmPrefix: string;
  power(params: unknown): PowerDriver;
  vmHost(host: VmHostConfig): VirshVmHost;
}

export function defaultDeps(vmPrefix = "fibrix-vm-"): ExecutorDeps {
  const ipmiPool = new Ipmi15ClientPool();
  return {
    ipmiPool,
    vmPrefix,
    power(params) {
      const { type, ...settings } = (params ?? {}) as { type?: string } & Record<string, unknown>;
      if (!type) throw new TaskError("BAD_PAYLOAD", "task has no power parameters");
      return createPowerDriver(type, settings, { ipmiPool });
    },
    vmHost: (h) => new VirshVmHost({ uri: h.uri, pool: h.storagePool ?? "default" }),
  };
}
