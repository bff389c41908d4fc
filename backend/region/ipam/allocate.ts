/**
 * IPAM inside the transaction that places a VM (routes/vms.ts, right after placeVm): each NIC
 * gets the lowest free address of its network and a MAC from a counter that only goes up, and
 * the primary NIC a free public address of the VM's region when asked. On PostgreSQL the
 * networks and public pools are locked (in id order, after the pool lock placement took), so
 * concurrent creates never pick one address; UNIQUE (network_id, address), UNIQUE mac and the
 * public address key stay the backstop. Addresses are freed only when the rack confirms the
 * VM is gone (task-effects.ts).
 */
import { type Kysely, sql } from "kysely";
import { ConflictError, ValidationError } from "../../../sdk/errors";
import type { VmNetworkAttachment } from "../../../sdk/schema/vm";
import { nowIso } from "../context";
import type { Database, NetworkTable } from "../store/database";
import type { Dialect } from "../store/open";
import { MAX_MAC_SERIAL, assignableCount, macOf, pickAddress } from "./addresses";
import { pickPublicAddress } from "./public-addresses";

/** The next value of an only-increasing counter (row-locked by the update on PostgreSQL). */
export async function nextCounter(trx: Kysely<Database>, name: "vni" | "mac"): Promise<number> {
  const r = await trx
    .updateTable("counters")
    .set((eb) => ({ value: eb("value", "+", 1) }))
    .where("name", "=", name)
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(r.value);
}

/** The networks a tenant may attach VMs to: its own and the operators' shared ones. */
export async function usableNetwork(
  trx: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<NetworkTable | undefined> {
  return trx
    .selectFrom("networks")
    .selectAll()
    .where("id", "=", id)
    .where((eb) => eb.or([eb("tenantId", "=", tenantId), eb("shared", "=", 1)]))
    .executeTakeFirst();
}

export interface AllocatedNic {
  index: number;
  network: NetworkTable;
  address: string;
  mac: string;
}

/** Checks the attachments (networks and groups the tenant may use), allocates and stores every NIC. */
export async function allocateNics(
  trx: Kysely<Database>,
  dialect: Dialect,
  vmId: string,
  tenantId: string,
  attachments: readonly VmNetworkAttachment[],
): Promise<AllocatedNic[]> {
  const seen = new Set<string>();
  const networks: NetworkTable[] = [];
  for (const [i, a] of attachments.entries()) {
    if (seen.has(a.networkId))
      throw ValidationError.field(`/networks/${i}/networkId`, `network ${a.networkId} is listed twice`);
    seen.add(a.networkId);
    const n = await usableNetwork(trx, tenantId, a.networkId);
    if (!n) throw ValidationError.field(`/networks/${i}/networkId`, `network ${a.networkId} does not exist`);
    networks.push(n);
    const groups = a.securityGroupIds ?? [];
    if (groups.length > 0) {
      const found = await trx
        .selectFrom("securityGroups")
        .select("id")
        .where("id", "in", groups)
        .where("tenantId", "=", tenantId)
        .execute();
      const known = new Set(found.map((f) => f.id));
      const j = groups.findIndex((g) => !known.has(g));
      if (j >= 0)
        throw ValidationError.field(
          `/networks/${i}/securityGroupIds/${j}`,
          `security group ${groups[j]} does not exist`,
        );
    }
  }
  if (networks.length === 0) return [];
  if (dialect === "postgres") {
    const ids = [...seen].sort();
    await sql`select id from networks where id in (${sql.join(ids)}) order by id for update`.execute(trx);
  }
  const out: AllocatedNic[] = [];
  const now = nowIso();
  for (const [index, network] of networks.entries()) {
    const taken = await trx
      .selectFrom("nics")
      .select("address")
      .where("networkId", "=", network.id)
      .execute();
    const address = pickAddress(
      network.cidr,
      network.gateway,
      taken.map((t) => t.address),
    );
    if (!address) {
      throw new ConflictError(
        `network ${network.name} (${network.id}, ${network.cidr}) is full: all ${assignableCount(network.cidr, network.gateway)} addresses are handed out`,
        "NO_CAPACITY",
      );
    }
    const serial = await nextCounter(trx, "mac");
    if (serial > MAX_MAC_SERIAL) throw new ConflictError("the region has handed out every tenant NIC MAC");
    const mac = macOf(serial);
    await trx
      .insertInto("nics")
      .values({ vmId, nicIndex: index, networkId: network.id, address, mac, createdAt: now })
      .execute();
    const groups = attachments[index]!.securityGroupIds ?? [];
    if (groups.length > 0) {
      await trx
        .insertInto("nicGroups")
        .values(groups.map((groupId) => ({ vmId, nicIndex: index, groupId })))
        .execute();
    }
    out.push({ index, network, address, mac });
  }
  return out;
}

/** A free public address of the region's pools, attached to the VM; 409 when none is left. */
export async function attachPublicIp(
  trx: Kysely<Database>,
  dialect: Dialect,
  vmId: string,
  regionId: string,
): Promise<string> {
  if (dialect === "postgres") {
    await sql`select id from public_ip_pools where region_id = ${regionId} order by id for update`.execute(
      trx,
    );
  }
  const pools = await trx
    .selectFrom("publicIpPools")
    .selectAll()
    .where("regionId", "=", regionId)
    .orderBy("id")
    .execute();
  for (const pool of pools) {
    const taken = await trx.selectFrom("publicIps").select("address").where("poolId", "=", pool.id).execute();
    const address = pickPublicAddress(
      pool.cidr,
      JSON.parse(pool.exclude) as string[],
      taken.map((t) => t.address),
    );
    if (address) {
      await trx
        .insertInto("publicIps")
        .values({ address, poolId: pool.id, vmId, createdAt: nowIso() })
        .execute();
      return address;
    }
  }
  throw new ConflictError(
    pools.length === 0
      ? `publicIp: region ${regionId} has no public address pool`
      : `publicIp: every public address of region ${regionId} is attached (${pools.map((p) => `${p.name} ${p.cidr}`).join(", ")})`,
    "NO_CAPACITY",
  );
}

/** Frees a VM's NIC addresses, security group memberships and public address. */
export async function freeAddresses(trx: Kysely<Database>, vmId: string): Promise<void> {
  await trx.deleteFrom("nicGroups").where("vmId", "=", vmId).execute();
  await trx.deleteFrom("nics").where("vmId", "=", vmId).execute();
  await trx.deleteFrom("publicIps").where("vmId", "=", vmId).execute();
}
