/**
 * The quota check, run inside the store transaction that commits what it judges (a VM's
 * placement, a resize; later a public address, a network or a snapshot): holdings are counted
 * from committed rows, so concurrent creates can never pass a limit together. SQLite has one
 * writer at a time; on PostgreSQL the tenant's quota rows are locked FOR UPDATE first
 * (tenant-wide before per-pool, after the pool row placement.ts locks), so a second create for
 * the tenant waits and then counts the first one's VM.
 *
 * Every object a quota limits calls `checkQuota(trx, tenantId, poolId, delta)` with what it
 * adds; each field is counted by its entry in COUNTERS.
 */
import { type Kysely, PostgresAdapter, sql } from "kysely";
import { QuotaExceededError } from "../../sdk/errors";
import type { QuotaField } from "../../sdk/schema/quota";
import {
  type Amounts,
  firstExceeded,
  type QuotaLimits,
  type QuotaState,
  refusalText,
} from "./quota-arithmetic";
import type { Database, QuotaTable } from "./store/database";

type Trx = Kysely<Database>;
type Counter = (trx: Trx, tenantId: string, poolId: string | null) => Promise<Amounts>;

/**
 * VMs hold their size from placement until their rack confirms them gone: Creating, Running,
 * Stopped, Updating, Deleting and a Failed VM still on a host (hostId set) all count, exactly
 * as placement counts a host's capacity.
 */
const countVms: Counter = async (trx, tenantId, poolId) => {
  let q = trx
    .selectFrom("vms")
    .select((eb) => [
      eb.fn.countAll<number>().as("vms"),
      eb.fn.sum<number>("cores").as("cores"),
      eb.fn.sum<number>("memoryMib").as("memoryMiB"),
      eb.fn.sum<number>("diskGib").as("diskGiB"),
    ])
    .where("tenantId", "=", tenantId)
    .where("hostId", "is not", null);
  if (poolId) q = q.where("poolId", "=", poolId);
  const r = await q.executeTakeFirstOrThrow();
  return {
    vms: Number(r.vms),
    cores: Number(r.cores ?? 0),
    memoryMiB: Number(r.memoryMiB ?? 0),
    diskGiB: Number(r.diskGiB ?? 0),
  };
};

/** Snapshots hold their place from the request until their rack confirms them deleted; a pool's are its VMs'. */
const countSnapshots: Counter = async (trx, tenantId, poolId) => {
  let q = trx
    .selectFrom("vmSnapshots")
    .innerJoin("vms", "vms.id", "vmSnapshots.vmId")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("vmSnapshots.tenantId", "=", tenantId);
  if (poolId) q = q.where("vms.poolId", "=", poolId);
  return { snapshots: Number((await q.executeTakeFirstOrThrow()).n) };
};

/** A tenant's networks (shared ones are the operator's); per pool, none: networks are not in a pool. */
const countNetworks: Counter = async (trx, tenantId, poolId) => {
  if (poolId) return { networks: 0 };
  const r = await trx
    .selectFrom("networks")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenantId", "=", tenantId)
    .executeTakeFirstOrThrow();
  return { networks: Number(r.n) };
};

/** Public addresses attached to the tenant's VMs, held until the rack confirms the VM gone. */
const countPublicIps: Counter = async (trx, tenantId, poolId) => {
  let q = trx
    .selectFrom("publicIps")
    .innerJoin("vms", "vms.id", "publicIps.vmId")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("vms.tenantId", "=", tenantId);
  if (poolId) q = q.where("vms.poolId", "=", poolId);
  return { publicIps: Number((await q.executeTakeFirstOrThrow()).n) };
};

/** How each limited field is counted; the work that adds a limited object adds its counter here (and calls checkQuota). */
const COUNTERS: readonly { fields: readonly QuotaField[]; count: Counter }[] = [
  { fields: ["vms", "cores", "memoryMiB", "diskGiB"], count: countVms },
  { fields: ["snapshots"], count: countSnapshots },
  { fields: ["networks"], count: countNetworks },
  { fields: ["publicIps"], count: countPublicIps },
];

export function quotaLimits(q: QuotaTable): QuotaLimits {
  return {
    id: q.id,
    tenantId: q.tenantId,
    poolId: q.poolId,
    limits: {
      vms: q.vms,
      cores: q.cores,
      memoryMiB: q.memoryMib,
      diskGiB: q.diskGib,
      publicIps: q.publicIps,
      networks: q.networks,
      snapshots: q.snapshots,
    },
  };
}

/** What a quota's scope holds now, every field (0 where nothing of the kind exists). */
export async function quotaUsed(
  trx: Trx,
  tenantId: string,
  poolId: string | null,
  only?: readonly QuotaField[],
): Promise<Record<QuotaField, number>> {
  const out: Record<QuotaField, number> = {
    vms: 0,
    cores: 0,
    memoryMiB: 0,
    diskGiB: 0,
    publicIps: 0,
    networks: 0,
    snapshots: 0,
  };
  for (const c of COUNTERS) {
    if (only && !c.fields.some((f) => only.includes(f))) continue;
    Object.assign(out, await c.count(trx, tenantId, poolId));
  }
  return out;
}

export const scopeKey = (tenantId: string, poolId: string | null): string => `${tenantId}/${poolId ?? "*"}`;

/**
 * Refuses (409 QUOTA_EXCEEDED, naming the quota, its limit, the use and the request) when
 * `delta` would take the tenant past its tenant-wide quota or its quota in `poolId`.
 * Call it after the change's own checks and before its writes, in the same transaction.
 */
export async function checkQuota(
  trx: Trx,
  tenantId: string,
  poolId: string | null,
  delta: Amounts,
): Promise<void> {
  const grows = (Object.keys(delta) as QuotaField[]).filter((f) => (delta[f] ?? 0) > 0);
  if (grows.length === 0) return;
  for (const f of grows) {
    if (!COUNTERS.some((c) => c.fields.includes(f)))
      throw new Error(`checkQuota: no counter for quota field ${f}`);
  }
  const scopes = [scopeKey(tenantId, null), ...(poolId ? [scopeKey(tenantId, poolId)] : [])];
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    // One statement, ordered, so two transactions always take these locks in the same order.
    await sql`select id from quotas where scope in (${sql.join(scopes)}) order by scope for update`.execute(
      trx,
    );
  }
  const rows = await trx.selectFrom("quotas").selectAll().where("scope", "in", scopes).execute();
  if (rows.length === 0) return;
  // Tenant-wide first: its refusal is the one that says the most.
  rows.sort((a, b) => (a.poolId === null ? -1 : 0) - (b.poolId === null ? -1 : 0));
  const states: QuotaState[] = [];
  for (const r of rows)
    states.push({ quota: quotaLimits(r), used: await quotaUsed(trx, r.tenantId, r.poolId, grows) });
  const refused = firstExceeded(states, delta);
  if (!refused) return;
  let poolName: string | undefined;
  if (refused.poolId) {
    poolName = (
      await trx.selectFrom("pools").select("name").where("id", "=", refused.poolId).executeTakeFirst()
    )?.name;
  }
  throw new QuotaExceededError(refusalText(refused, poolName), refused);
}
