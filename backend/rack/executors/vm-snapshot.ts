/**
 * snapshot.create / snapshot.revert / snapshot.delete (payload { vmId, snapshotId, host }):
 * internal qcow2 snapshots of the VM's disk (backend/libvirt/disk-snapshots.ts says why and
 * how). create result: { consistency }. revert needs the domain shut off (the region asks only
 * for a Stopped VM; a domain found running is a CONFLICT, nothing changed). delete is
 * idempotent, and a VM whose domain is gone has no snapshots left to delete.
 */
import { DiskSnapshots } from "../../libvirt/disk-snapshots";
import { TaskError, type Executor } from "../executor";
import type { ExecutorDeps } from "./deps";
import { type Payload, str } from "./payload";
import { findDomain, vmTarget } from "./vm-target";

function target(deps: ExecutorDeps, p: Payload, kind: string) {
  const t = vmTarget(deps, p, kind);
  const tag = str(p, "snapshotId", kind);
  return { ...t, tag, snaps: new DiskSnapshots(deps.virsh, t.host.uri) };
}

export function snapshotCreateExecutor(deps: ExecutorDeps): Executor {
  const KIND = "snapshot.create";
  return {
    kind: KIND,
    async run({ task, progress }) {
      const { host, domain, tag, snaps } = target(deps, task.payload, KIND);
      const d = await findDomain(host, domain);
      if (!d) throw new TaskError("NOT_FOUND", `domain ${domain} is not on ${host.uri}`);
      // A retried create after a dead rack: start from nothing (a stopped disk keeps duplicate tags).
      if (task.attempt > 1) await snaps.delete(d, tag);
      const consistency = await snaps.create(d, tag);
      await progress(`snapshot ${tag} of ${domain} taken (${consistency}, domain ${d.state})`);
      return { consistency, domainState: d.state };
    },
  };
}

export function snapshotRevertExecutor(deps: ExecutorDeps): Executor {
  const KIND = "snapshot.revert";
  return {
    kind: KIND,
    async run({ task }) {
      const { host, domain, tag, snaps } = target(deps, task.payload, KIND);
      const d = await findDomain(host, domain);
      if (!d) throw new TaskError("NOT_FOUND", `domain ${domain} is not on ${host.uri}`);
      if (d.state !== "shutoff")
        throw new TaskError("CONFLICT", `domain ${domain} is ${d.state}; a revert needs the VM stopped`);
      await snaps.revert(d, tag);
      return { reverted: tag };
    },
  };
}

export function snapshotDeleteExecutor(deps: ExecutorDeps): Executor {
  const KIND = "snapshot.delete";
  return {
    kind: KIND,
    async run({ task }) {
      const { host, domain, tag, snaps } = target(deps, task.payload, KIND);
      const d = await findDomain(host, domain);
      if (!d) return { deleted: "absent" }; // the disk went with its VM
      return { deleted: await snaps.delete(d, tag) };
    },
  };
}
