/**
 * VM placement inside the store's transaction: builds the allocator's state for one pool from
 * the tables, asks the pure allocator, and the caller writes the VM with its host in the same
 * transaction. On PostgreSQL the pool row is locked first, so concurrent creates in one pool
 * are serialised and can never push a host past its ratio; SQLite serialises writers anyway.
 */
import { type Kysely, sql } from "kysely";
import { place } from "../allocator/place";
import type { AllocatorState, Host, PlacedVm, PlacementResult } from "../allocator/types";
import type { Inventory, VmHostConfig } from "../../sdk/schema/machine";
import type { Database } from "./store/database";
import type { Dialect } from "./store/open";

export interface HostInfo {
  machineId: string;
  rackId: string;
  regionId: string;
  /** The fabric of the host's rack: VLAN tenant networks reach only its hosts. */
  fabricId: string | null;
  config: VmHostConfig;
}

export interface VmAsk {
  vmId: string;
  tenantId: string;
  poolId: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  antiAffinityGroup: string | null;
  spread: "host" | "rack" | "region" | null;
  regionId: string | null;
}

/** Locks the pool (PostgreSQL) and loads every VM host of it with what is already placed. */
export async function loadPoolState(
  trx: Kysely<Database>,
  dialect: Dialect,
  poolId: string,
  regionId: string | null,
): Promise<{ state: AllocatorState; hosts: Map<string, HostInfo> }> {
  if (dialect === "postgres") await sql`select id from pools where id = ${poolId} for update`.execute(trx);
  const pool = await trx.selectFrom("pools").selectAll().where("id", "=", poolId).executeTakeFirstOrThrow();
  let q = trx
    .selectFrom("machines")
    .innerJoin("racks", "racks.id", "machines.rackId")
    .select([
      "machines.id as id",
      "machines.inventory as inventory",
      "machines.tags as tags",
      "machines.vmHostConfig as vmHostConfig",
      "racks.id as rackId",
      "racks.regionId as regionId",
      "racks.fabricId as fabricId",
    ])
    .where("machines.poolId", "=", poolId)
    .where("machines.vmHost", "=", 1)
    .where("machines.status", "=", "Deployed")
    .where("machines.vmHostConfig", "is not", null)
    .where("machines.inventory", "is not", null);
  if (regionId) q = q.where("racks.regionId", "=", regionId);
  const rows = await q.execute();
  const placed = await trx
    .selectFrom("vms")
    .select(["id", "hostId", "cores", "memoryMib", "diskGib", "tenantId", "antiAffinityGroup"])
    .where("poolId", "=", poolId)
    .where("hostId", "is not", null)
    .execute();
  const used = new Map<string, { cores: number; memoryMiB: number; diskGiB: number }>();
  const vms: PlacedVm[] = placed.map((v) => {
    const u = used.get(v.hostId!) ?? { cores: 0, memoryMiB: 0, diskGiB: 0 };
    u.cores += v.cores;
    u.memoryMiB += v.memoryMib;
    u.diskGiB += v.diskGib;
    used.set(v.hostId!, u);
    return {
      vmId: v.id,
      hostId: v.hostId!,
      cores: v.cores,
      memoryMiB: v.memoryMib,
      diskGiB: v.diskGib,
      ...(v.antiAffinityGroup ? { group: `${v.tenantId}/${v.antiAffinityGroup}` } : {}),
    };
  });
  const hosts = new Map<string, HostInfo>();
  const list: Host[] = rows.map((r) => {
    const inv = JSON.parse(r.inventory!) as Inventory;
    hosts.set(r.id, {
      machineId: r.id,
      rackId: r.rackId,
      regionId: r.regionId,
      fabricId: r.fabricId,
      config: JSON.parse(r.vmHostConfig!),
    });
    return {
      id: r.id,
      pool: poolId,
      cores: inv.cores,
      memoryMiB: inv.memoryMiB,
      diskGiB: Math.floor(inv.storage.reduce((s, d) => s + d.sizeGiB, 0)),
      tags: JSON.parse(r.tags) as string[],
      failureDomains: { host: r.id, rack: r.rackId, region: r.regionId },
      used: used.get(r.id) ?? { cores: 0, memoryMiB: 0, diskGiB: 0 },
    };
  });
  return {
    state: {
      hosts: list,
      pools: [{ name: poolId, cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit }],
      vms,
    },
    hosts,
  };
}

export function placeVm(state: AllocatorState, ask: VmAsk, poolName: string): PlacementResult {
  const result = place(state, {
    id: ask.vmId,
    pool: ask.poolId,
    cores: ask.cores,
    memoryMiB: ask.memoryMiB,
    diskGiB: ask.diskGiB,
    ...(ask.antiAffinityGroup
      ? { antiAffinity: { group: `${ask.tenantId}/${ask.antiAffinityGroup}`, level: ask.spread ?? "host" } }
      : {}),
  });
  // The allocator names pools by id; people know them by name.
  return result.ok ? result : { ...result, reason: result.reason.split(ask.poolId).join(poolName) };
}
