/**
 * What executors share: one IPMI session pool for every BMC of the rack, the power registry,
 * and libvirt hosts. Tests swap pieces (name prefix, shorter power deadlines, a virsh runner).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import { type VirshRunner, virsh } from "../../libvirt/virsh";
import { VirshVmHost } from "../../libvirt/vm-host";
import type { PowerDriver, RetryPolicy } from "../../power/driver";
import { Ipmi15ClientPool } from "../../power/ipmi15/client-pool";
import { createPowerDriver } from "../../power/registry";
import { TaskError } from "../executor";
import { KeyedLock } from "../keyed-lock";
import { type HostShell, localShell } from "../tenant-net/host-shell";
import { isRemoteUri, sshTargetOf } from "../tenant-net/ssh-command";
import { type SshShell, type SshShellOptions, sshShell } from "../tenant-net/ssh-shell";

export interface ExecutorDeps {
  ipmiPool: Ipmi15ClientPool;
  /** Name prefix of libvirt objects (tests use their own). */
  vmPrefix: string;
  /** A power driver for a task's `power` parameters ({ type, ...settings }). */
  power(params: unknown): PowerDriver;
  vmHost(host: VmHostConfig): VirshVmHost;
  /** The virsh edge, for the few libvirt calls VmHost does not offer (disk growth). */
  virsh: VirshRunner;
  /** How long a VM gets to shut down on ACPI before it is destroyed (default 60 s). */
  vmStopTimeoutMs: number;
  /** Base image imports, one at a time per host and image (executors/image-import.ts). */
  imageLocks: KeyedLock;
  /**
   * Where new VMs' serial console sockets live on their host, as its libvirtd sees the path
   * (default /var/lib/libvirt/qemu, libvirt's own per-domain directory, on every QEMU host).
   */
  consoleDir: string;
  /** The rack's backup store (`--backup-dir`, may be an NFS mount); no backups without it. */
  backupDir?: string;
  /** Where a VM host's tenant-network commands run: ssh to a qemu+ssh host, else here (in its netns). */
  hostShell(host: VmHostConfig): HostShell;
  /** Ends what the host shells keep open (ssh master connections); the agent calls it on stop. */
  closeHostShells(): Promise<void>;
  /** Tenant-network changes, one at a time per VM host (executors/host-network.ts). */
  netLocks: KeyedLock;
}

export const DEFAULT_CONSOLE_DIR = "/var/lib/libvirt/qemu";

export interface DepsOptions {
  /** Retry policy of every power driver (tests shorten the 30 s deadline). */
  powerPolicy?: Partial<RetryPolicy>;
  vmStopTimeoutMs?: number;
  virsh?: VirshRunner;
  consoleDir?: string;
  backupDir?: string;
  /** How the rack reaches qemu+ssh VM hosts (identity, known_hosts, master socket directory). */
  ssh?: SshShellOptions;
}

/** The default directory of the rack's ssh master sockets (`fibrix rack serve` uses DATA/ssh). */
export function defaultSshControlDir(): string {
  return join(tmpdir(), `fibrix-rack-ssh-${process.getuid?.() ?? "user"}`);
}

/**
 * The host shell registry: a VM host's libvirt URI says where its network stack is. An ssh
 * transport (qemu+ssh://user@host:port/…, as libvirt parses it) → sshShell, one per host and
 * netns, kept so its master connection is reused; tcp/tls → refused (no shell reaches that host:
 * never build its networks on the rack's own stack instead); local → localShell in its netns.
 */
export function hostShells(ssh: SshShellOptions = { controlDir: defaultSshControlDir() }): {
  shell(host: VmHostConfig): HostShell;
  close(): Promise<void>;
} {
  const remote = new Map<string, SshShell>();
  return {
    shell(h) {
      const target = sshTargetOf(h.uri);
      if (!target) {
        if (isRemoteUri(h.uri))
          throw new TaskError(
            "HOST_NET_UNSUPPORTED",
            `tenant networks on remote VM host ${h.uri} need a qemu+ssh:// URI (the rack runs ip/nft there over ssh)`,
          );
        return localShell(h.netns);
      }
      const key = JSON.stringify([target, h.netns ?? ""]);
      let s = remote.get(key);
      if (!s) {
        s = sshShell(target, ssh, h.netns);
        remote.set(key, s);
      }
      return s;
    },
    async close() {
      const all = [...remote.values()];
      remote.clear();
      await Promise.allSettled(all.map((s) => s.close()));
    },
  };
}

export function defaultDeps(vmPrefix = "fibrix-vm-", opts: DepsOptions = {}): ExecutorDeps {
  const ipmiPool = new Ipmi15ClientPool();
  const shells = hostShells(opts.ssh);
  return {
    ipmiPool,
    vmPrefix,
    power(params) {
      if (typeof params !== "object" || params === null) {
        throw new TaskError("BAD_PAYLOAD", "task has no power parameters");
      }
      const { type, ...settings } = params as { type?: unknown } & Record<string, unknown>;
      if (typeof type !== "string") throw new TaskError("BAD_PAYLOAD", "task power parameters name no type");
      return createPowerDriver(type, settings, {
        ipmiPool,
        ...(opts.powerPolicy ? { policy: opts.powerPolicy } : {}),
      });
    },
    vmHost: (h) => new VirshVmHost({ uri: h.uri, pool: h.storagePool ?? "default" }),
    virsh: opts.virsh ?? virsh,
    vmStopTimeoutMs: opts.vmStopTimeoutMs ?? 60_000,
    imageLocks: new KeyedLock(),
    consoleDir: opts.consoleDir ?? DEFAULT_CONSOLE_DIR,
    ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
    hostShell: (h) => shells.shell(h),
    closeHostShells: () => shells.close(),
    netLocks: new KeyedLock(),
  };
}
