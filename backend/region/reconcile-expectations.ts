/**
 * What a host.reconcile task tells the rack: the VMs the region expects on the host, and those
 * still being created or deleted (busy: their own tasks settle them). Computed when a rack
 * claims the task, not when it is queued, so a VM made while the task waited in the queue is
 * never taken for an orphan.
 */
import type { Kysely } from "kysely";
import type { Database } from "./store/database";

export interface ReconcileExpectations {
  vms: { id: string; tenant: string; vcpus: number; memoryMiB: number; powerState: string }[];
  busy: string[];
}

/** VMs no task of their own is creating or deleting: a reconcile judges them. */
export const SETTLED_VM_STATUSES = ["Running", "Stopped", "Failed"];
const SETTLED = SETTLED_VM_STATUSES;

export async function reconcileExpectations(
  db: Kysely<Database>,
  hostId: string,
): Promise<ReconcileExpectations> {
  const vms = await db
    .selectFrom("vms")
    .select(["id", "tenantId", "cores", "memoryMib", "powerState", "status"])
    .where("hostId", "=", hostId)
    .execute();
  return {
    vms: vms
      .filter((v) => SETTLED.includes(v.status))
      .map((v) => ({
        id: v.id,
        tenant: v.tenantId,
        vcpus: v.cores,
        memoryMiB: v.memoryMib,
        powerState: v.powerState,
      })),
    busy: vms.filter((v) => !SETTLED.includes(v.status)).map((v) => v.id),
  };
}
