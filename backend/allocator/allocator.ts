import { domainOf } from "./anti-affinity";
import { fits } from "./capacity";
import { AllocatorError } from "./errors";
import { type HostSlot, PoolIndex } from "./pool-index";
import type { ShardIndex } from "./shard-index";
import { capacityRefusal, explainRefusal, type HostView, hasAllTags, noPool } from "./refusal";
import type {
  AllocatorState,
  DomainLevel,
  Host,
  PlacedVm,
  PlacementRequest,
  PlacementResult,
  PlaceOptions,
  PoolPolicy,
  Refusal,
} from "./types";
import { invalidRequest, validateRequest, validateState, validateStrategy } from "./validation";

/** How many members of a group sit in each domain, per level. */
type GroupCounts = Record<DomainLevel, Map<string, number>>;

const LEVELS: readonly DomainLevel[] = ["host", "rack", "region"];

/**
 * The placement rules of `place()` (see place.ts), kept in memory over an index so that repeated
 * placements cost O(log hosts) instead of O(hosts + vms): per pool, three treaps of hosts ordered by
 * free room (see free-tree.ts), and per anti-affinity group a count of members per domain.
 * For any state, `new Allocator(s.hosts, s.pools, s.vms).place(r)` equals `place(s, r)`, refusal
 * messages included. Not safe to share between concurrent transactions: build it from the store inside
 * one transaction (or serialise access) and write committed placements back.
 */
export class Allocator {
  private readonly pools = new Map<string, PoolIndex>();
  private readonly where = new Map<string, HostSlot>();
  private readonly vms = new Map<string, PlacedVm>();
  private readonly groups = new Map<string, GroupCounts>();

  constructor(hosts: readonly Host[], pools: readonly PoolPolicy[], vms: readonly PlacedVm[] = []) {
    validateState({ hosts, pools, vms });
    for (const policy of pools) {
      const index = new PoolIndex(
        policy,
        hosts.filter((h) => h.pool === policy.name),
      );
      this.pools.set(policy.name, index);
      for (const shard of index.shards) {
        for (let k = 1; k <= shard.size; k++) this.where.set(shard.hosts[k - 1]!.id, { shard, node: k });
      }
    }
    for (const vm of vms) this.remember({ ...vm });
  }

  /** Where `request` would go now (nothing changes). */
  place(request: PlacementRequest, options: PlaceOptions = {}): PlacementResult {
    const strategy = validateStrategy(options.strategy);
    const invalid = validateRequest(request);
    if (invalid) return invalid;
    const existing = this.vms.get(request.id);
    if (existing) return invalidRequest(`vm ${request.id} is already placed on host ${existing.hostId}`);
    const pool = this.pools.get(request.pool);
    if (!pool) return noPool(request);
    const blocked = this.blockedBy(request);
    const accept =
      blocked === null
        ? null
        : (shard: ShardIndex, node: number) => !blocked(shard.hosts[node - 1]!.failureDomains);
    const slot = pool.choose(request, request.tags, strategy, accept);
    if (slot !== null) return { ok: true, hostId: slot.shard.hosts[slot.node - 1]!.id };
    // Without tags or anti-affinity the only possible reason is capacity, and the tree roots already
    // hold the per-resource maxima: no O(hosts) scan on this (common) refusal path.
    const untagged = !request.tags || request.tags.length === 0;
    if (untagged && blocked === null && pool.size > 0) return capacityRefusal(request, pool.maxFree());
    const refusal = explainRefusal(
      request,
      pool.views(),
      (v: HostView) => blocked?.(v.failureDomains) ?? false,
    );
    if (refusal) return refusal;
    throw new AllocatorError(
      "INVALID_STATE",
      `index found no host for ${request.id}, yet the rules allow one`,
    );
  }

  /** Records `request` on `hostId`, checking every rule again (the host may come from elsewhere). */
  commit(request: PlacementRequest, hostId: string): PlacedVm {
    const invalid = validateRequest(request);
    if (invalid) throw new AllocatorError("INVALID_REQUEST", invalid.reason);
    const existing = this.vms.get(request.id);
    if (existing)
      throw new AllocatorError(
        "DUPLICATE_VM",
        `vm ${request.id} is already placed on host ${existing.hostId}`,
      );
    const at = this.where.get(hostId);
    if (!at) throw new AllocatorError("UNKNOWN_HOST", `host ${hostId} is not known to the allocator`);
    const host = at.shard.hosts[at.node - 1]!;
    const refuse = (code: Refusal["code"], why: string): never => {
      const retryable = code === "NO_CAPACITY" || code === "ANTI_AFFINITY";
      throw new AllocatorError(code, `vm ${request.id} cannot go on host ${hostId}: ${why}`, retryable);
    };
    if (host.pool !== request.pool)
      refuse("INVALID_REQUEST", `the host is in pool ${host.pool}, not ${request.pool}`);
    if (!hasAllTags(at.shard.tags, request.tags))
      refuse("NO_TAGGED_HOST", `it lacks some of the tags ${request.tags!.join(", ")}`);
    const free = at.shard.freeOf(at.node);
    if (!fits(free, request))
      refuse(
        "NO_CAPACITY",
        `it has ${free.cores} cores, ${free.memoryMiB} MiB memory and ${free.diskGiB} GiB disk free`,
      );
    if (this.blockedBy(request)?.(host.failureDomains))
      refuse(
        "ANTI_AFFINITY",
        `its ${request.antiAffinity!.level} already holds a member of group ${request.antiAffinity!.group}`,
      );
    return this.apply(request, at);
  }

  /** Charges the host and records the VM; the rules were checked by the caller. */
  private apply(request: PlacementRequest, at: HostSlot): PlacedVm {
    const hostId = at.shard.hosts[at.node - 1]!.id;
    const vm: PlacedVm = {
      vmId: request.id,
      hostId,
      cores: request.cores,
      memoryMiB: request.memoryMiB,
      diskGiB: request.diskGiB,
      ...(request.antiAffinity ? { group: request.antiAffinity.group } : {}),
    };
    at.shard.charge(at.node, vm, 1);
    this.remember(vm);
    return { ...vm };
  }

  /** Gives a VM's capacity back to its host and drops it from its group. Returns what was released. */
  release(vmId: string): PlacedVm {
    const vm = this.vms.get(vmId);
    if (!vm) throw new AllocatorError("UNKNOWN_VM", `vm ${vmId} is not placed`);
    const at = this.where.get(vm.hostId);
    this.vms.delete(vmId);
    if (!at) return { ...vm }; // on a host outside this state: nothing to give back
    at.shard.charge(at.node, vm, -1);
    if (vm.group !== undefined) {
      const counts = this.groups.get(vm.group)!;
      const domains = at.shard.hosts[at.node - 1]!.failureDomains;
      for (const level of LEVELS) {
        const d = domainOf(domains, level);
        const left = counts[level].get(d)! - 1;
        if (left === 0) counts[level].delete(d);
        else counts[level].set(d, left);
      }
      if (counts.host.size === 0) this.groups.delete(vm.group);
    }
    return { ...vm };
  }

  /** Places and commits each request in the given order; later requests see earlier ones (capacity and
   * groups). A refused request changes nothing. */
  placeMany(requests: readonly PlacementRequest[], options: PlaceOptions = {}): PlacementResult[] {
    const results: PlacementResult[] = [];
    for (const req of requests) {
      const result = this.place(req, options);
      // place() just checked every rule against this very state, so skip commit()'s re-check.
      if (result.ok) this.apply(req, this.where.get(result.hostId)!);
      results.push(result);
    }
    return results;
  }

  /** The current state, in the shape `place()` takes: hosts with their current `used`. */
  state(): AllocatorState {
    const hosts: Host[] = [];
    const pools: PoolPolicy[] = [];
    for (const pool of this.pools.values()) {
      pools.push({ ...pool.policy });
      for (const shard of pool.shards) {
        shard.hosts.forEach((h, i) => {
          hosts.push({
            ...h,
            tags: [...h.tags],
            failureDomains: { ...h.failureDomains },
            used: shard.usedOf(i + 1),
          });
        });
      }
    }
    return { hosts, pools, vms: [...this.vms.values()].map((vm) => ({ ...vm })) };
  }

  private remember(vm: PlacedVm): void {
    this.vms.set(vm.vmId, vm);
    const at = this.where.get(vm.hostId);
    // A host outside this state has unknown failure domains: the VM blocks nothing.
    if (vm.group === undefined || !at) return;
    let counts = this.groups.get(vm.group);
    if (!counts) {
      counts = { host: new Map(), rack: new Map(), region: new Map() };
      this.groups.set(vm.group, counts);
    }
    const domains = at.shard.hosts[at.node - 1]!.failureDomains;
    for (const level of LEVELS) {
      const d = domainOf(domains, level);
      counts[level].set(d, (counts[level].get(d) ?? 0) + 1);
    }
  }

  /** The anti-affinity test for `request`, or null when it has none (or its group is empty). */
  private blockedBy(request: PlacementRequest): ((domains: Host["failureDomains"]) => boolean) | null {
    const aa = request.antiAffinity;
    if (!aa) return null;
    const counts = this.groups.get(aa.group);
    if (!counts) return null;
    const taken = counts[aa.level];
    return (domains) => taken.has(domainOf(domains, aa.level));
  }
}
