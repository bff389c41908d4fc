/**
 * What the region tells a rack about tenant networks (issue #11): the contract between the
 * region's IPAM/segment allocator and the rack agent that builds bridges, VXLAN/VLAN devices
 * and nftables rules on its VM hosts. The region resolves everything (addresses, peers, group
 * members) so the rack only applies what it is given, idempotently.
 *
 * Carried as `nics` in vm.create / vm.update payloads, and as `networks` (every tenant network
 * the host must carry, with its peers) in vm.create, vm.delete and host.reconcile payloads.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id, Strict, StringEnum } from "./common";

/** The L2 segment of a network: a VXLAN VNI over the fabric, or a VLAN id (operator option per fabric). */
export const Segment = Type.Union([
  Type.Object({ kind: Type.Literal("vxlan"), vni: Type.Integer({ minimum: 1, maximum: 16777215 }) }, Strict),
  Type.Object({ kind: Type.Literal("vlan"), vlanId: Type.Integer({ minimum: 1, maximum: 4094 }) }, Strict),
]);
export type Segment = Static<typeof Segment>;

/** One ingress rule, sources resolved by the region (a group source becomes its members' addresses). */
export const IngressRulePayload = Type.Object(
  {
    protocol: StringEnum(["tcp", "udp", "icmp", "any"] as const),
    /** Inclusive port range; absent for icmp/any. */
    fromPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    toPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** IPv4 CIDRs allowed (a /32 per member address for a group source). */
    sources: Type.Array(Type.String()),
  },
  Strict,
);
export type IngressRulePayload = Static<typeof IngressRulePayload>;

/** One VM NIC on a tenant network. */
export const TenantNic = Type.Object(
  {
    networkId: Id,
    segment: Segment,
    /** Assigned by the region (locally administered 52:54:00:…), unique. */
    mac: Type.String(),
    /** The NIC's address from IPAM, and the network's prefix length, gateway and DNS. */
    ipv4: Type.String(),
    prefixLength: Type.Integer({ minimum: 8, maximum: 30 }),
    gateway: Type.Union([Type.String(), Type.Null()]),
    dns: Type.Array(Type.String()),
    /** Ingress allowed on this NIC; everything else in is dropped. Same-network traffic is one rule the region adds. */
    ingress: Type.Array(IngressRulePayload),
    /** A public address attached 1:1 to this NIC (NATed on the host), if any. */
    publicIpv4: Type.Optional(Type.String()),
  },
  Strict,
);
export type TenantNic = Static<typeof TenantNic>;

/** A tenant network a VM host must carry: its segment and the underlay addresses of the other hosts that carry it. */
export const HostNetwork = Type.Object(
  {
    networkId: Id,
    segment: Segment,
    /** Underlay IPv4 addresses of the other VM hosts with this network (VXLAN head-end replication). */
    peers: Type.Array(Type.String()),
    mtu: Type.Integer({ minimum: 576, maximum: 9000 }),
    /**
     * The network's subnet and gateway: a host with an uplink (fabric.uplinkDevice) puts the
     * gateway on the network's bridge and routes the network's public-address traffic
     * (backend/rack/tenant-net/route-plan.ts). Absent from older regions: no routing.
     */
    cidr: Type.Optional(Type.String()),
    gateway: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  Strict,
);
export type HostNetwork = Static<typeof HostNetwork>;

/**
 * A VM's tenant NICs, as host.reconcile lists them for every settled VM of the host: the rack
 * writes their rules again, so rules a host lost (its nftables restarted) come back.
 */
export const VmNics = Type.Object({ vmId: Id, nics: Type.Array(TenantNic) }, Strict);
export type VmNics = Static<typeof VmNics>;
