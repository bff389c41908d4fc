/**
 * Data shapes of VM placement. The allocator is pure: the region's store builds an `AllocatorState`
 * from its tables inside a transaction, asks for a placement, and writes the result back itself.
 *
 * Units: cores are vCPUs (integers), memory in MiB, disk in GiB. All sizes are integers.
 */

/** The three resources a VM consumes on its host, in the order used everywhere (tie-breaks, messages). */
export type Resource = "cores" | "memoryMiB" | "diskGiB";

export const RESOURCES: readonly Resource[] = ["cores", "memoryMiB", "diskGiB"];

/** An amount of each resource. */
export interface Resources {
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

/** Failure-domain levels for anti-affinity, from narrowest to widest. */
export type DomainLevel = "host" | "rack" | "region";

/** A KVM host (a Deployed machine with `vmHost` set) offering capacity to one pool. */
export interface Host {
  id: string;
  pool: string;
  /** Physical capacity; the pool's over-commit ratios turn it into effective capacity. */
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  /** Labels a request can require (e.g. "ssd"); a host must carry every tag a request names. */
  tags: string[];
  failureDomains: { host: string; rack: string; region: string };
  /** What is already committed on the host, in effective units (vCPUs, MiB, GiB). Authoritative:
   * it includes the VMs listed in `AllocatorState.vms` plus anything else the store reserves. */
  used: Resources;
}

/** A resource pool: effective capacity = floor(physical × ratio). Disk is never over-committed. */
export interface PoolPolicy {
  name: string;
  cpuOvercommit: number;
  memoryOvercommit: number;
}

/** Keep a group's VMs in distinct failure domains at `level` (Tier-3 style spreading). */
export interface AntiAffinity {
  group: string;
  level: DomainLevel;
}

/** "Find a host for this VM." `id` is the VM's id; it must not be placed already. */
export interface PlacementRequest {
  id: string;
  pool: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  /** Every tag here must be on the chosen host. */
  tags?: string[];
  antiAffinity?: AntiAffinity;
}

/** A VM already placed on a host. Its size is already counted in its host's `used`; it is listed so
 * that anti-affinity sees its group and `release` knows how much to give back. */
export interface PlacedVm {
  vmId: string;
  hostId: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  /** Anti-affinity group the VM belongs to, if any. */
  group?: string;
}

/** Everything a placement decision depends on. */
export interface AllocatorState {
  hosts: readonly Host[];
  pools: readonly PoolPolicy[];
  /** VMs already placed. A VM on a host not listed in `hosts` is accepted and keeps its id taken, but
   * its failure domains are unknown, so it cannot block rack or region anti-affinity: list every host
   * that holds members of a group when rack/region spreading must see them. */
  vms: readonly PlacedVm[];
}

/** `best-fit` (default) packs: the fitting host left with the least free room on the request's dominant
 * resource. `spread` balances: the fitting host with the most free room on it. Ties go to the lowest
 * host id, so the same state and request always give the same host. */
export type Strategy = "best-fit" | "spread";

export interface PlaceOptions {
  strategy?: Strategy;
}

export type RefusalCode = "NO_POOL" | "NO_CAPACITY" | "NO_TAGGED_HOST" | "ANTI_AFFINITY" | "INVALID_REQUEST";

export interface Placement {
  ok: true;
  hostId: string;
}

/** Why no host was chosen. `retryable` is true when the same request may succeed later without being
 * changed (capacity gets released, group members go away); false when the request itself must change. */
export interface Refusal {
  ok: false;
  code: RefusalCode;
  reason: string;
  retryable: boolean;
}

export type PlacementResult = Placement | Refusal;
