/**
 * What the region tells racks about tenant networks (sdk/schema/tenant-network-payload.ts):
 * a VM's NICs with their resolved ingress rules, and the networks a VM host must carry with
 * the underlay addresses of the other hosts that carry them. Built from the store whenever a
 * task is queued and again when a rack claims it (routes/rack-agent.ts), so a rack always
 * applies the state of the moment it starts the work.
 *
 * Ingress: a NIC without security groups admits its own network (one explicit rule with the
 * network's CIDR); a NIC with groups admits exactly what its groups' rules allow, a group
 * source resolved into the /32s of that group's member NICs on the same network.
 */
import type { Kysely } from "kysely";
import type { VmHostConfig } from "../../sdk/schema/machine";
import type { SecurityGroupRule } from "../../sdk/schema/security-group";
import type {
  HostNetwork,
  IngressRulePayload,
  Segment,
  TenantNic,
  VmNics,
} from "../../sdk/schema/tenant-network-payload";
import { ipToInt, parseCidr } from "../../sdk/model/ipv4";
import { SETTLED_VM_STATUSES } from "./reconcile-expectations";
import type { Database } from "./store/database";

/** VXLAN adds 50 bytes to a 1500-byte underlay frame; a VLAN tag fits in the underlay's own 1500. */
export const VXLAN_MTU = 1450;
export const VLAN_MTU = 1500;

/** The segment of a network row: its VLAN on a VLAN fabric, else its VNI. */
export function segmentOf(n: { vni: number | null; vlanId: number | null }): Segment {
  return n.vlanId !== null
    ? { kind: "vlan", vlanId: Number(n.vlanId) }
    : { kind: "vxlan", vni: Number(n.vni) };
}

type Db = Kysely<Database>;

/** Resolves rules into payload rules; `members(groupId)` gives a group's addresses on this NIC's network. */
export function resolveIngress(
  networkCidr: string,
  rules: readonly SecurityGroupRule[] | undefined,
  members: (groupId: string) => readonly string[],
): IngressRulePayload[] {
  if (rules === undefined) return [{ protocol: "any", sources: [networkCidr] }];
  const out: IngressRulePayload[] = [];
  for (const r of rules) {
    const sources = r.source.startsWith("sg_")
      ? [...new Set(members(r.source))].sort((x, y) => ipToInt(x) - ipToInt(y)).map((a) => `${a}/32`)
      : [r.source];
    // A group with no members admits nobody: nothing to emit.
    if (sources.length === 0) continue;
    out.push({
      protocol: r.protocol,
      ...(r.fromPort !== undefined ? { fromPort: r.fromPort } : {}),
      ...(r.toPort !== undefined ? { toPort: r.toPort } : {}),
      sources,
    });
  }
  return out;
}

/** The NICs of a VM on tenant networks, in order (empty: the VM uses its host's bridge). */
export async function nicsOfVm(db: Db, vmId: string): Promise<TenantNic[]> {
  const nics = await db
    .selectFrom("nics")
    .innerJoin("networks", "networks.id", "nics.networkId")
    .select([
      "nics.nicIndex as nicIndex",
      "nics.networkId as networkId",
      "nics.address as address",
      "nics.mac as mac",
      "networks.cidr as cidr",
      "networks.gateway as gateway",
      "networks.dns as dns",
      "networks.vni as vni",
      "networks.vlanId as vlanId",
    ])
    .where("nics.vmId", "=", vmId)
    .orderBy("nics.nicIndex")
    .execute();
  if (nics.length === 0) return [];
  const memberships = await db.selectFrom("nicGroups").selectAll().where("vmId", "=", vmId).execute();
  const groupIds = [...new Set(memberships.map((m) => m.groupId))];
  const groups =
    groupIds.length > 0
      ? await db.selectFrom("securityGroups").select(["id", "rules"]).where("id", "in", groupIds).execute()
      : [];
  const rulesOf = new Map(groups.map((g) => [g.id, JSON.parse(g.rules) as SecurityGroupRule[]]));
  const sourceGroups = [
    ...new Set(
      [...rulesOf.values()]
        .flat()
        .filter((r) => r.source.startsWith("sg_"))
        .map((r) => r.source),
    ),
  ];
  const members =
    sourceGroups.length > 0
      ? await db
          .selectFrom("nicGroups")
          .innerJoin("nics", (j) =>
            j.onRef("nics.vmId", "=", "nicGroups.vmId").onRef("nics.nicIndex", "=", "nicGroups.nicIndex"),
          )
          .select(["nicGroups.groupId as groupId", "nics.networkId as networkId", "nics.address as address"])
          .where("nicGroups.groupId", "in", sourceGroups)
          .execute()
      : [];
  const pub = await db.selectFrom("publicIps").select("address").where("vmId", "=", vmId).executeTakeFirst();
  return nics.map((n) => {
    const mine = memberships.filter((m) => m.nicIndex === n.nicIndex).map((m) => m.groupId);
    const rules = mine.length > 0 ? mine.flatMap((g) => rulesOf.get(g) ?? []) : undefined;
    const nic: TenantNic = {
      networkId: n.networkId,
      segment: segmentOf(n),
      mac: n.mac,
      ipv4: n.address,
      prefixLength: parseCidr(n.cidr).prefix,
      gateway: n.gateway,
      dns: JSON.parse(n.dns) as string[],
      ingress: resolveIngress(n.cidr, rules, (g) =>
        members.filter((m) => m.groupId === g && m.networkId === n.networkId).map((m) => m.address),
      ),
    };
    if (n.nicIndex === 0 && pub) nic.publicIpv4 = pub.address;
    return nic;
  });
}

/** The underlay address of a VM host, if its configuration has a fabric. */
function underlayOf(config: string | null): string | undefined {
  if (!config) return undefined;
  return (JSON.parse(config) as VmHostConfig).fabric?.underlayAddress;
}

/**
 * Every tenant network VM host `hostId` must carry (networks of the VMs placed on it, less
 * `excludeVm`), each with the underlay addresses of the other hosts carrying it.
 */
export async function hostNetworks(db: Db, hostId: string, excludeVm?: string): Promise<HostNetwork[]> {
  let own = db
    .selectFrom("nics")
    .innerJoin("vms", "vms.id", "nics.vmId")
    .innerJoin("networks", "networks.id", "nics.networkId")
    .select([
      "networks.id as id",
      "networks.vni as vni",
      "networks.vlanId as vlanId",
      "networks.cidr as cidr",
      "networks.gateway as gateway",
    ])
    .distinct()
    .where("vms.hostId", "=", hostId);
  if (excludeVm) own = own.where("vms.id", "!=", excludeVm);
  const mine = await own.orderBy("networks.id").execute();
  if (mine.length === 0) return [];
  let others = db
    .selectFrom("nics")
    .innerJoin("vms", "vms.id", "nics.vmId")
    .innerJoin("machines", "machines.id", "vms.hostId")
    .select(["nics.networkId as networkId", "machines.id as hostId", "machines.vmHostConfig as config"])
    .distinct()
    .where(
      "nics.networkId",
      "in",
      mine.map((n) => n.id),
    )
    .where("vms.hostId", "!=", hostId);
  if (excludeVm) others = others.where("vms.id", "!=", excludeVm);
  const carriers = await others.execute();
  return mine.map((n) => ({
    networkId: n.id,
    segment: segmentOf(n),
    peers: [
      ...new Set(
        carriers
          .filter((c) => c.networkId === n.id)
          .map((c) => underlayOf(c.config))
          .filter((a): a is string => a !== undefined),
      ),
    ].sort(),
    mtu: n.vlanId !== null ? VLAN_MTU : VXLAN_MTU,
    cidr: n.cidr,
    gateway: n.gateway,
  }));
}

/** The VM hosts (other than `hostId`) that carry any of `networkIds`, with their racks and configs. */
export async function carriersOf(
  db: Db,
  networkIds: readonly string[],
  hostId: string,
): Promise<{ id: string; rackId: string; config: string }[]> {
  if (networkIds.length === 0) return [];
  const rows = await db
    .selectFrom("nics")
    .innerJoin("vms", "vms.id", "nics.vmId")
    .innerJoin("machines", "machines.id", "vms.hostId")
    .select(["machines.id as id", "machines.rackId as rackId", "machines.vmHostConfig as config"])
    .distinct()
    .where("nics.networkId", "in", [...networkIds])
    .where("vms.hostId", "!=", hostId)
    .execute();
  return rows.filter((r): r is { id: string; rackId: string; config: string } => r.config !== null);
}

/**
 * The tenant NICs of every settled VM on host `hostId`, for host.reconcile: the rack writes their
 * rules again. VMs being created or deleted are left out: their own tasks apply or remove them.
 */
export async function nicsOfHost(db: Db, hostId: string): Promise<VmNics[]> {
  const vms = await db
    .selectFrom("vms")
    .innerJoin("nics", "nics.vmId", "vms.id")
    .select("vms.id as id")
    .distinct()
    .where("vms.hostId", "=", hostId)
    .where("vms.status", "in", SETTLED_VM_STATUSES)
    .orderBy("vms.id")
    .execute();
  const out: VmNics[] = [];
  for (const v of vms) out.push({ vmId: v.id, nics: await nicsOfVm(db, v.id) });
  return out;
}

/** Rebuilds a claimed task's tenant network parts (nics, networks) as of now. */
export async function refreshNetworkPayload(
  db: Db,
  kind: string,
  objectId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  switch (kind) {
    case "host.reconcile":
      payload.networks = await hostNetworks(db, objectId);
      payload.vmNics = await nicsOfHost(db, objectId);
      return;
    case "host.networks":
      payload.networks = await hostNetworks(db, objectId);
      return;
    case "vm.create":
    case "vm.delete":
    case "vm.network": {
      const v = await db.selectFrom("vms").select("hostId").where("id", "=", objectId).executeTakeFirst();
      // Gone already (a delete confirmed by another attempt): keep what was queued.
      if (!v?.hostId) return;
      payload.nics = await nicsOfVm(db, objectId);
      if (kind !== "vm.network")
        payload.networks = await hostNetworks(db, v.hostId, kind === "vm.delete" ? objectId : undefined);
      return;
    }
    default:
      return;
  }
}
