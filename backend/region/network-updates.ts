/**
 * Keeping VM hosts' tenant networking current (issue #11), in the transaction of the change
 * that calls for it:
 * - a VM host starts or stops carrying a network → every other host carrying it gets a
 *   `host.networks` task (its full set of networks with their peers);
 * - a security group's rules change → its member VMs get a `vm.network` task (their NICs with
 *   the resolved ingress); its members change → the VMs whose groups name it as a source do.
 * Payloads are rebuilt when a rack claims the task (routes/rack-agent.ts), so one queued task
 * per object is enough: a second one is not queued while the first waits.
 */
import type { Kysely } from "kysely";
import type { VmHostConfig } from "../../sdk/schema/machine";
import type { TaskKind } from "../../sdk/schema/rack-agent";
import { freeAddresses } from "./ipam/allocate";
import { carriersOf, hostNetworks, nicsOfVm } from "./network-payloads";
import type { Database } from "./store/database";
import type { SecretBox } from "./store/secret-box";
import { enqueueTask } from "./tasks";

type Db = Kysely<Database>;

async function queuedAlready(trx: Db, kind: TaskKind, objectId: string): Promise<boolean> {
  const t = await trx
    .selectFrom("tasks")
    .select("id")
    .where("objectId", "=", objectId)
    .where("kind", "=", kind)
    .where("status", "=", "queued")
    .executeTakeFirst();
  return t !== undefined;
}

/** The networks of `networkIds` that host `hostId` carries for no VM other than `vmId`. */
export async function onlyUser(
  trx: Db,
  hostId: string,
  vmId: string,
  networkIds: readonly string[],
): Promise<string[]> {
  if (networkIds.length === 0) return [];
  const others = await trx
    .selectFrom("nics")
    .innerJoin("vms", "vms.id", "nics.vmId")
    .select("nics.networkId as networkId")
    .distinct()
    .where("vms.hostId", "=", hostId)
    .where("vms.id", "!=", vmId)
    .where("nics.networkId", "in", [...networkIds])
    .execute();
  return networkIds.filter((n) => !others.some((o) => o.networkId === n));
}

/** Host `hostId` joined or left `networkIds`: the other hosts carrying them learn their new peers. Returns racks to wake. */
export async function queuePeerUpdates(
  trx: Db,
  secrets: SecretBox,
  hostId: string,
  networkIds: readonly string[],
): Promise<string[]> {
  const racks = new Set<string>();
  for (const h of await carriersOf(trx, networkIds, hostId)) {
    if (await queuedAlready(trx, "host.networks", h.id)) continue;
    await enqueueTask(trx, secrets, {
      rackId: h.rackId,
      kind: "host.networks",
      objectId: h.id,
      payload: {
        machineId: h.id,
        host: JSON.parse(h.config) as VmHostConfig,
        networks: await hostNetworks(trx, h.id),
      },
    });
    racks.add(h.rackId);
  }
  return [...racks];
}

/** VMs on a host whose NIC rules follow from `groupIds`: members (rules changed) or referrers (members changed). */
async function affectedVms(
  trx: Db,
  groupIds: readonly string[],
  change: "rules" | "members",
): Promise<string[]> {
  if (groupIds.length === 0) return [];
  let groups = [...groupIds];
  if (change === "members") {
    const all = await trx.selectFrom("securityGroups").select(["id", "rules"]).execute();
    groups = all
      .filter((g) => (JSON.parse(g.rules) as { source: string }[]).some((r) => groupIds.includes(r.source)))
      .map((g) => g.id);
    if (groups.length === 0) return [];
  }
  const vms = await trx
    .selectFrom("nicGroups")
    .select("vmId")
    .distinct()
    .where("groupId", "in", groups)
    .execute();
  return vms.map((v) => v.vmId);
}

/** Queues `vm.network` for the VMs whose ingress `groupIds` changing affects (but `exceptVm`). Returns racks to wake. */
export async function queueNicUpdates(
  trx: Db,
  secrets: SecretBox,
  groupIds: readonly string[],
  change: "rules" | "members",
  exceptVm?: string,
): Promise<string[]> {
  const racks = new Set<string>();
  for (const vmId of await affectedVms(trx, groupIds, change)) {
    if (vmId === exceptVm) continue;
    const v = await trx
      .selectFrom("vms")
      .innerJoin("machines", "machines.id", "vms.hostId")
      .select([
        "vms.name as name",
        "vms.status as status",
        "machines.rackId as rackId",
        "machines.vmHostConfig as config",
      ])
      .where("vms.id", "=", vmId)
      .executeTakeFirst();
    if (!v?.config || v.status === "Deleting") continue;
    if (await queuedAlready(trx, "vm.network", vmId)) continue;
    await enqueueTask(trx, secrets, {
      rackId: v.rackId,
      kind: "vm.network",
      objectId: vmId,
      payload: {
        vmId,
        name: v.name,
        host: JSON.parse(v.config) as VmHostConfig,
        nics: await nicsOfVm(trx, vmId),
      },
    });
    racks.add(v.rackId);
  }
  return [...racks];
}

/**
 * A VM is gone from its host (its rack confirmed, or it never reached one): its addresses,
 * MACs, group memberships and public address are freed, the VMs whose rules named its groups
 * learn it left, and the other hosts learn when its host no longer carries a network.
 * Returns racks to wake.
 */
export async function releaseVmNetworking(trx: Db, secrets: SecretBox, vmId: string): Promise<string[]> {
  const v = await trx.selectFrom("vms").select("hostId").where("id", "=", vmId).executeTakeFirst();
  const nets = (await trx.selectFrom("nics").select("networkId").where("vmId", "=", vmId).execute()).map(
    (n) => n.networkId,
  );
  const groups = [
    ...new Set(
      (await trx.selectFrom("nicGroups").select("groupId").where("vmId", "=", vmId).execute()).map(
        (g) => g.groupId,
      ),
    ),
  ];
  const left = v?.hostId ? await onlyUser(trx, v.hostId, vmId, nets) : [];
  await freeAddresses(trx, vmId);
  const racks = new Set<string>();
  if (v?.hostId) for (const r of await queuePeerUpdates(trx, secrets, v.hostId, left)) racks.add(r);
  for (const r of await queueNicUpdates(trx, secrets, groups, "members", vmId)) racks.add(r);
  return [...racks];
}
