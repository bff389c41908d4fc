/**
 * The usage ledger's writer. `meterVm` is called in the transaction that commits a VM's
 * confirmed state change (task-effects.ts): it closes the VM's open interval and opens the
 * next one when what the VM bills changed, so a kill -9 between two changes loses nothing
 * (the open interval is durable, with its start) and the ledger never holds two open
 * intervals for one VM (a unique partial index; on PostgreSQL the VM row, updated by the same
 * transaction, already serialises two replicas).
 */
import type { Kysely } from "kysely";
import { newId } from "./ids";
import type { Database, UsageIntervalTable } from "./store/database";
import { billedRates, type Interval, type Rates, sameRates } from "./usage-arithmetic";

type Trx = Kysely<Database>;

export function intervalOf(r: UsageIntervalTable): Interval {
  return {
    tenantId: r.tenantId,
    vmId: r.vmId,
    vmName: r.vmName,
    poolId: r.poolId,
    state: r.state as Rates["state"],
    cores: r.cores,
    memoryMiB: r.memoryMib,
    diskGiB: r.diskGib,
    publicIps: r.publicIps,
    startMs: Number(r.startMs),
    endMs: r.endMs === null ? null : Number(r.endMs),
  };
}

/** Brings the VM's ledger in line with its row (or its absence) as of `atMs`. */
export async function meterVm(trx: Trx, vmId: string, atMs: number): Promise<void> {
  const vm = await trx
    .selectFrom("vms")
    .select(["id", "name", "tenantId", "poolId", "status", "hostId", "cores", "memoryMib", "diskGib"])
    .where("id", "=", vmId)
    .executeTakeFirst();
  // A public address is attached in the placing transaction and freed when the rack confirms
  // the VM gone (ipam/public-addresses.ts): both ends fall on metered changes.
  const addresses = vm
    ? Number(
        (
          await trx
            .selectFrom("publicIps")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("vmId", "=", vmId)
            .executeTakeFirstOrThrow()
        ).n,
      )
    : 0;
  const next = billedRates(vm, addresses);
  if (next === "unchanged") return;
  const row = await trx
    .selectFrom("usageIntervals")
    .selectAll()
    .where("vmId", "=", vmId)
    .where("endMs", "is", null)
    .executeTakeFirst();
  const open = row ? intervalOf(row) : null;
  if (open && next && sameRates(open, next)) return;
  // A replica's clock behind the last change's never makes a negative interval.
  const at = Math.max(atMs, open?.startMs ?? atMs);
  if (open) {
    await trx.updateTable("usageIntervals").set({ endMs: at }).where("id", "=", row!.id).execute();
  }
  if (next && vm) {
    await trx
      .insertInto("usageIntervals")
      .values({
        id: newId("usg"),
        vmId,
        vmName: vm.name,
        tenantId: vm.tenantId,
        poolId: vm.poolId,
        state: next.state,
        cores: next.cores,
        memoryMib: next.memoryMiB,
        diskGib: next.diskGiB,
        publicIps: next.publicIps,
        startMs: at,
        endMs: null,
      })
      .execute();
  }
}
