/**
 * Usage arithmetic, pure: what a VM's state bills per second, and the resource-seconds of
 * ledger intervals clipped to a period and cut into hour or day buckets (UTC).
 *
 * Billing rule (the common cloud one): a Running VM bills its cores, memory, disk and public
 * addresses; a Stopped VM, or a Failed one still on its host, bills only its disk and public
 * addresses (they stay reserved); nothing is billed before the rack confirms the VM running or
 * after it confirms it deleted. While a change awaits its rack (Creating, Updating, Deleting)
 * the previous billed state goes on: a change counts from its confirmation, not its request.
 */

export interface Rates {
  state: "running" | "stopped";
  cores: number;
  memoryMiB: number;
  diskGiB: number;
  publicIps: number;
}

export interface MeteredVm {
  status: string;
  hostId: string | null;
  cores: number;
  memoryMib: number;
  diskGib: number;
}

/** What `vm` bills now: rates, null for nothing (never confirmed, or gone), or "unchanged" while awaiting its rack. */
export function billedRates(vm: MeteredVm | undefined, publicIps: number): Rates | null | "unchanged" {
  if (!vm) return null;
  switch (vm.status) {
    case "Running":
      return { state: "running", cores: vm.cores, memoryMiB: vm.memoryMib, diskGiB: vm.diskGib, publicIps };
    case "Stopped":
      return { state: "stopped", cores: 0, memoryMiB: 0, diskGiB: vm.diskGib, publicIps };
    case "Failed":
      return vm.hostId ? { state: "stopped", cores: 0, memoryMiB: 0, diskGiB: vm.diskGib, publicIps } : null;
    case "Creating":
    case "Updating":
    case "Deleting":
      return "unchanged";
    default:
      return null;
  }
}

export function sameRates(a: Rates, b: Rates): boolean {
  return (
    a.state === b.state &&
    a.cores === b.cores &&
    a.memoryMiB === b.memoryMiB &&
    a.diskGiB === b.diskGiB &&
    a.publicIps === b.publicIps
  );
}

export interface Interval extends Rates {
  tenantId: string;
  vmId: string;
  vmName: string;
  poolId: string;
  startMs: number;
  /** null: still open (billed up to `now`). */
  endMs: number | null;
}

export interface Seconds {
  coreSeconds: number;
  memoryMiBSeconds: number;
  diskGiBSeconds: number;
  publicIpSeconds: number;
}

export const ZERO: Seconds = { coreSeconds: 0, memoryMiBSeconds: 0, diskGiBSeconds: 0, publicIpSeconds: 0 };

/**
 * Resource-milliseconds of `iv` inside [fromMs, toMs), an open interval running until nowMs:
 * integers (ms × whole units), so sums are exact; seconds are made once, at the end.
 */
export function clippedMs(iv: Interval, fromMs: number, toMs: number, nowMs: number): Seconds {
  const end = Math.min(iv.endMs ?? Math.max(nowMs, iv.startMs), toMs);
  const ms = Math.max(0, end - Math.max(iv.startMs, fromMs));
  return {
    coreSeconds: iv.cores * ms,
    memoryMiBSeconds: iv.memoryMiB * ms,
    diskGiBSeconds: iv.diskGiB * ms,
    publicIpSeconds: iv.publicIps * ms,
  };
}

const toSeconds = (x: Seconds): Seconds => ({
  coreSeconds: x.coreSeconds / 1000,
  memoryMiBSeconds: x.memoryMiBSeconds / 1000,
  diskGiBSeconds: x.diskGiBSeconds / 1000,
  publicIpSeconds: x.publicIpSeconds / 1000,
});

/** The resource-seconds of `iv` inside [fromMs, toMs), an open interval running until nowMs. */
export function clipped(iv: Interval, fromMs: number, toMs: number, nowMs: number): Seconds {
  return toSeconds(clippedMs(iv, fromMs, toMs, nowMs));
}

export function add(a: Seconds, b: Seconds): Seconds {
  return {
    coreSeconds: a.coreSeconds + b.coreSeconds,
    memoryMiBSeconds: a.memoryMiBSeconds + b.memoryMiBSeconds,
    diskGiBSeconds: a.diskGiBSeconds + b.diskGiBSeconds,
    publicIpSeconds: a.publicIpSeconds + b.publicIpSeconds,
  };
}

export type Granularity = "hour" | "day";
const SPAN: Record<Granularity, number> = { hour: 3_600_000, day: 86_400_000 };
/** The longest period one report may cover: 31 days of hours (744 buckets), 366 days. */
export const MAX_RANGE_MS: Record<Granularity, number> = { hour: 31 * SPAN.day, day: 366 * SPAN.day };

/** [start, end) buckets of UTC hours or days covering [fromMs, toMs), the first and last clipped to it. */
export function buckets(fromMs: number, toMs: number, g: Granularity): [number, number][] {
  const span = SPAN[g];
  const out: [number, number][] = [];
  for (let b = Math.floor(fromMs / span) * span; b < toMs; b += span) {
    out.push([Math.max(b, fromMs), Math.min(b + span, toMs)]);
  }
  return out;
}

export interface UsageLine extends Seconds {
  tenantId: string;
  vmId: string;
  vmName: string;
  poolId: string;
  bucketStart: string;
  bucketEnd: string;
}

/**
 * One line per tenant × VM × bucket with anything billed in it, ordered by tenant, VM and
 * time; and the totals, which are exactly the lines' sums.
 */
export function usageLines(
  intervals: readonly Interval[],
  fromMs: number,
  toMs: number,
  g: Granularity,
  nowMs: number,
): { lines: UsageLine[]; totals: Seconds } {
  const byVm = new Map<string, Interval[]>();
  for (const iv of intervals) {
    const key = `${iv.tenantId}\u0000${iv.vmId}`;
    const list = byVm.get(key);
    if (list) list.push(iv);
    else byVm.set(key, [iv]);
  }
  const lines: UsageLine[] = [];
  let totals = ZERO;
  for (const key of [...byVm.keys()].sort()) {
    const ivs = byVm.get(key)!;
    const last = ivs.reduce((a, b) => (b.startMs >= a.startMs ? b : a));
    for (const [bs, be] of buckets(fromMs, toMs, g)) {
      let s = ZERO;
      for (const iv of ivs) s = add(s, clippedMs(iv, bs, be, nowMs));
      if (s.coreSeconds + s.memoryMiBSeconds + s.diskGiBSeconds + s.publicIpSeconds === 0) continue;
      totals = add(totals, s);
      lines.push({
        tenantId: last.tenantId,
        vmId: last.vmId,
        vmName: last.vmName,
        poolId: last.poolId,
        bucketStart: new Date(bs).toISOString(),
        bucketEnd: new Date(be).toISOString(),
        ...toSeconds(s),
      });
    }
  }
  return { lines, totals: toSeconds(totals) };
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = [
  "tenant_id",
  "vm_id",
  "vm_name",
  "pool_id",
  "bucket_start",
  "bucket_end",
  "core_seconds",
  "memory_mib_seconds",
  "disk_gib_seconds",
  "public_ip_seconds",
] as const;

/** The billing export: a header row, then one row per line, CRLF line ends. */
export function usageCsv(lines: readonly UsageLine[]): string {
  const rows = [CSV_HEADER.join(",")];
  for (const l of lines) {
    rows.push(
      [
        l.tenantId,
        l.vmId,
        l.vmName,
        l.poolId,
        l.bucketStart,
        l.bucketEnd,
        l.coreSeconds,
        l.memoryMiBSeconds,
        l.diskGiBSeconds,
        l.publicIpSeconds,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${rows.join("\r\n")}\r\n`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** Epoch ms of an RFC 3339 time (or a bare date, UTC midnight); null when it is not one. */
export function parseTime(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.parse rolls 2026-02-30 over into March: a day the month lacks is no date.
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

export interface Period {
  fromMs: number;
  toMs: number;
  granularity: Granularity;
}

/** The report period of a query, or one error per bad field (JSON pointers `query:from` …). */
export function parsePeriod(q: {
  from?: string;
  to?: string;
  granularity?: string;
}): Period | { field: string; reason: string }[] {
  const errors: { field: string; reason: string }[] = [];
  const g = (q.granularity ?? "day") as Granularity;
  if (g !== "hour" && g !== "day") errors.push({ field: "query:granularity", reason: "must be hour or day" });
  const time = (name: "from" | "to") => {
    const v = q[name];
    if (v === undefined) {
      errors.push({ field: `query:${name}`, reason: "is required (RFC 3339, e.g. 2026-12-01T00:00:00Z)" });
      return null;
    }
    const ms = parseTime(v);
    if (ms === null)
      errors.push({
        field: `query:${name}`,
        reason: `is not an RFC 3339 time with offset (got ${JSON.stringify(v)})`,
      });
    return ms;
  };
  const fromMs = time("from");
  const toMs = time("to");
  if (errors.length > 0 || fromMs === null || toMs === null) return errors;
  if (fromMs >= toMs)
    return [{ field: "query:from", reason: `must be before to (${q.from} is not before ${q.to})` }];
  if (toMs - fromMs > MAX_RANGE_MS[g]) {
    return [
      {
        field: "query:to",
        reason: `range too large: at most ${MAX_RANGE_MS[g] / 86_400_000} days with granularity ${g}`,
      },
    ];
  }
  return { fromMs, toMs, granularity: g };
}
