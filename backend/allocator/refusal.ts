import { fits } from "./capacity";
import { domainOf } from "./anti-affinity";
import type { Host, PlacementRequest, Refusal, Resource, Resources } from "./types";

/** What the explanation needs to know about one host of the request's pool. */
export interface HostView {
  id: string;
  free: Resources;
  tags: ReadonlySet<string>;
  failureDomains: Host["failureDomains"];
}

const SHOWN_DOMAINS = 5;

export function hasAllTags(hostTags: ReadonlySet<string>, wanted: readonly string[] | undefined): boolean {
  if (!wanted) return true;
  for (const t of wanted) if (!hostTags.has(t)) return false;
  return true;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** "4 free cores", "8192 MiB free memory", "20 GiB free disk". */
function freeAmount(r: Resource, n: number): string {
  if (r === "cores") return `${n} free ${plural(n, "core", "cores")}`;
  if (r === "memoryMiB") return `${n} MiB free memory`;
  return `${n} GiB free disk`;
}

/** Bare amount, as in "the best has 2" / "the best has 4096 MiB". */
function bareAmount(r: Resource, n: number): string {
  if (r === "cores") return `${n}`;
  if (r === "memoryMiB") return `${n} MiB`;
  return `${n} GiB`;
}

function where(req: PlacementRequest): string {
  const tags =
    req.tags && req.tags.length > 0
      ? ` with ${plural(req.tags.length, "tag", "tags")} ${req.tags.join(", ")}`
      : "";
  return `pool ${req.pool}${tags}`;
}

function refusal(code: Refusal["code"], reason: string): Refusal {
  // Capacity frees up and group members go away; a missing pool or tag needs a different request.
  const retryable = code === "NO_CAPACITY" || code === "ANTI_AFFINITY";
  return { ok: false, code, reason, retryable };
}

export function noPool(req: PlacementRequest): Refusal {
  return refusal("NO_POOL", `pool ${req.pool} does not exist`);
}

/**
 * Explains why no host of the pool can take `req`. Checks run in a fixed order so the code names the
 * first constraint that empties the candidate set: tags, then capacity, then anti-affinity (so
 * ANTI_AFFINITY means "there is room, but only in domains the group already uses").
 * `isBlocked` says whether anti-affinity forbids a host. Returns null if some host qualifies.
 */
export function explainRefusal(
  req: PlacementRequest,
  poolHosts: Iterable<HostView>,
  isBlocked: (host: HostView) => boolean,
): Refusal | null {
  let total = 0;
  let tagged = 0;
  const best: Resources = { cores: -Infinity, memoryMiB: -Infinity, diskGiB: -Infinity };
  const withRoom: HostView[] = [];
  for (const h of poolHosts) {
    total++;
    if (!hasAllTags(h.tags, req.tags)) continue;
    tagged++;
    if (h.free.cores > best.cores) best.cores = h.free.cores;
    if (h.free.memoryMiB > best.memoryMiB) best.memoryMiB = h.free.memoryMiB;
    if (h.free.diskGiB > best.diskGiB) best.diskGiB = h.free.diskGiB;
    if (!fits(h.free, req)) continue;
    if (!isBlocked(h)) return null;
    withRoom.push(h);
  }
  if (total === 0) return refusal("NO_CAPACITY", `pool ${req.pool} has no hosts`);
  if (tagged === 0) {
    const tags = req.tags!;
    return refusal(
      "NO_TAGGED_HOST",
      `no host in pool ${req.pool} has ${plural(tags.length, "tag", "all of the tags")} ${tags.join(", ")}`,
    );
  }
  if (withRoom.length === 0) return capacityRefusal(req, best);
  return antiAffinityRefusal(req, withRoom);
}

/** NO_CAPACITY for `req`, given the most free room on each resource among the hosts it may use. */
export function capacityRefusal(req: PlacementRequest, best: Resources): Refusal {
  const shown = (r: Resource): number => Math.max(0, best[r]);
  const short = (["cores", "memoryMiB", "diskGiB"] as const).filter((r) => req[r] > best[r]);
  if (short.length === 1) {
    const r = short[0]!;
    return refusal(
      "NO_CAPACITY",
      `no host in ${where(req)} has ${freeAmount(r, req[r])}; the best has ${bareAmount(r, shown(r))}`,
    );
  }
  if (short.length > 1) {
    const parts = short.map((r) => `${freeAmount(r, req[r])} (the best has ${bareAmount(r, shown(r))})`);
    return refusal("NO_CAPACITY", `no host in ${where(req)} has ${parts.join(" or ")}`);
  }
  // Each resource is available somewhere, but never all on one host.
  return refusal(
    "NO_CAPACITY",
    `no host in ${where(req)} has ${req.cores} ${plural(req.cores, "core", "cores")}, ${req.memoryMiB} MiB memory ` +
      `and ${req.diskGiB} GiB disk free at once; the most free is ${shown("cores")} cores, ` +
      `${shown("memoryMiB")} MiB memory and ${shown("diskGiB")} GiB disk, on different hosts`,
  );
}

function antiAffinityRefusal(req: PlacementRequest, withRoom: readonly HostView[]): Refusal {
  const aa = req.antiAffinity!;
  const level = aa.level;
  const domains = [...new Set(withRoom.map((h) => domainOf(h.failureDomains, level)))].sort();
  const listed =
    domains.length > SHOWN_DOMAINS
      ? `${domains.slice(0, SHOWN_DOMAINS).join(", ")}, … (${domains.length} in all)`
      : domains.join(", ");
  // Starts like every other capacity refusal ("no host in pool …") so callers can match one prefix.
  const head = `no host in ${where(req)} with room is outside the ${level}s already used by group ${aa.group}`;
  if (withRoom.length === 1) {
    return refusal(
      "ANTI_AFFINITY",
      `${head}: the only one with room (${withRoom[0]!.id}) is in ${level} ${listed}`,
    );
  }
  return refusal("ANTI_AFFINITY", `${head}: all ${withRoom.length} with room are in ${listed}`);
}
