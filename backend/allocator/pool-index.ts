import { dominantResource, effectiveCapacity, poolMaxCapacity } from "./capacity";
import { compareIds } from "./host-order";
import type { HostView } from "./refusal";
import { ShardIndex } from "./shard-index";
import { extraTags } from "./tag-preference";
import type { Host, PoolPolicy, Resource, Resources, Strategy } from "./types";

const DIM: Record<Resource, 0 | 1 | 2> = { cores: 0, memoryMiB: 1, diskGiB: 2 };

/** Anti-affinity test for one host; null when the request has none. */
export type SlotAccept = ((shard: ShardIndex, node: number) => boolean) | null;

/** A host as the index names it: its shard and its node in that shard. */
export interface HostSlot {
  shard: ShardIndex;
  node: number;
}

/**
 * One pool, split into shards of hosts with identical tag sets. Splitting by tags makes tag filtering
 * free (a shard either carries the requested tags or is skipped whole) and gives the placement rule's
 * first key directly: shards are tried in order of how many tags they carry that the request did not
 * ask for, so plain requests leave tagged (scarcer) hosts alone while plain hosts have room.
 */
export class PoolIndex {
  readonly policy: PoolPolicy;
  /** Largest effective capacity per resource: the yardstick for each request's dominant resource. */
  readonly max: Resources;
  readonly size: number;
  readonly shards: readonly ShardIndex[];

  constructor(policy: PoolPolicy, hosts: readonly Host[]) {
    this.policy = policy;
    this.size = hosts.length;
    this.max = poolMaxCapacity(hosts.map((h) => effectiveCapacity(h, policy)));
    const byTags = new Map<string, Host[]>();
    for (const h of hosts) {
      const key = [...new Set(h.tags)].sort(compareIds).join("\u0000");
      const list = byTags.get(key);
      if (list) list.push(h);
      else byTags.set(key, [h]);
    }
    this.shards = [...byTags.keys()]
      .sort(compareIds)
      .map((key) => new ShardIndex(policy, new Set(byTags.get(key)![0]!.tags), byTags.get(key)!));
  }

  /** The slot the placement rule picks for `need`, or null. `accept` is the anti-affinity test. */
  choose(
    need: Resources,
    tags: readonly string[] | undefined,
    strategy: Strategy,
    accept: SlotAccept,
  ): HostSlot | null {
    const dim = DIM[dominantResource(need, this.max)];
    let best: HostSlot | null = null;
    let bestExtra = Number.POSITIVE_INFINITY;
    for (const shard of this.shards) {
      const extra = extraTags(shard.tags, tags);
      if (extra < 0 || extra > bestExtra) continue; // -1: lacks a requested tag
      const node = shard.choose(need, dim, strategy, accept === null ? null : (n) => accept(shard, n));
      if (node === 0) continue;
      if (best === null || extra < bestExtra || this.beats(shard, node, best, dim, strategy)) {
        best = { shard, node };
        bestExtra = extra;
      }
    }
    return best;
  }

  /** Most free room on each resource over all hosts (−∞ when the pool is empty). */
  maxFree(): Resources {
    const max: Resources = {
      cores: Number.NEGATIVE_INFINITY,
      memoryMiB: Number.NEGATIVE_INFINITY,
      diskGiB: Number.NEGATIVE_INFINITY,
    };
    for (const shard of this.shards) {
      const m = shard.maxFree();
      if (m.cores > max.cores) max.cores = m.cores;
      if (m.memoryMiB > max.memoryMiB) max.memoryMiB = m.memoryMiB;
      if (m.diskGiB > max.diskGiB) max.diskGiB = m.diskGiB;
    }
    return max;
  }

  *views(): Iterable<HostView> {
    for (const shard of this.shards) yield* shard.views();
  }

  /** Same extra-tag count: best-fit prefers less free room, spread more; then the lower host id. */
  private beats(
    shard: ShardIndex,
    node: number,
    than: HostSlot,
    dim: 0 | 1 | 2,
    strategy: Strategy,
  ): boolean {
    const a = shard.freeOn(node, dim);
    const b = than.shard.freeOn(than.node, dim);
    if (a !== b) return strategy === "best-fit" ? a < b : a > b;
    return compareIds(shard.hosts[node - 1]!.id, than.shard.hosts[than.node - 1]!.id) < 0;
  }
}
