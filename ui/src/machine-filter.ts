/**
 * The machines page's filter and sort, pure (unit-tested in test/unit/ui). The filter is the
 * page's URL query: status, rack, pool, tag, q (free text), sort, dir.
 */
import type { Machine } from "../../sdk/schema/machine";

export interface MachineFilter {
  status: string;
  rack: string;
  pool: string;
  tag: string;
  q: string;
  sort: SortKey;
  dir: "asc" | "desc";
}

export const SORT_KEYS = ["hostname", "status", "power", "rack", "pool", "cores", "memory", "ip"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function filterFromQuery(q: URLSearchParams): MachineFilter {
  const sort = q.get("sort") ?? "hostname";
  return {
    status: q.get("status") ?? "",
    rack: q.get("rack") ?? "",
    pool: q.get("pool") ?? "",
    tag: q.get("tag") ?? "",
    q: q.get("q") ?? "",
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : "hostname",
    dir: q.get("dir") === "desc" ? "desc" : "asc",
  };
}

/** Only what differs from the defaults goes into the URL. */
export function filterToQuery(f: MachineFilter): string {
  const q = new URLSearchParams();
  for (const k of ["status", "rack", "pool", "tag", "q"] as const) if (f[k]) q.set(k, f[k]);
  if (f.sort !== "hostname") q.set("sort", f.sort);
  if (f.dir !== "asc") q.set("dir", f.dir);
  const s = q.toString();
  return s ? `?${s}` : "";
}

function sortValue(m: Machine, k: SortKey): string | number {
  switch (k) {
    case "hostname":
      return m.hostname;
    case "status":
      return m.status;
    case "power":
      return m.powerState;
    case "rack":
      return m.rackId;
    case "pool":
      return m.poolId ?? "";
    case "cores":
      return m.inventory?.cores ?? -1;
    case "memory":
      return m.inventory?.memoryMiB ?? -1;
    case "ip":
      // Numeric order of dotted quads: 10.0.0.9 before 10.0.0.10.
      return m.ip ? m.ip.split(".").reduce((a, o) => a * 256 + Number(o), 0) : -1;
  }
}

const collator = new Intl.Collator("en", { numeric: true });

export function applyFilter(machines: readonly Machine[], f: MachineFilter): Machine[] {
  const text = f.q.trim().toLowerCase();
  const out = machines.filter(
    (m) =>
      (!f.status || m.status === f.status) &&
      (!f.rack || m.rackId === f.rack) &&
      (!f.pool || (f.pool === "none" ? m.poolId === null : m.poolId === f.pool)) &&
      (!f.tag || m.tags.includes(f.tag)) &&
      (!text ||
        m.hostname.toLowerCase().includes(text) ||
        m.id.includes(text) ||
        (m.ip ?? "").includes(text) ||
        m.fqdn.toLowerCase().includes(text) ||
        m.macs.some((mac) => mac.includes(text)) ||
        m.tags.some((t) => t.toLowerCase().includes(text))),
  );
  const sign = f.dir === "desc" ? -1 : 1;
  const keyed = out.map((m) => ({ m, v: sortValue(m, f.sort) }));
  keyed.sort((a, b) => {
    const c =
      typeof a.v === "number" && typeof b.v === "number"
        ? a.v - b.v
        : collator.compare(String(a.v), String(b.v));
    return sign * (c !== 0 ? c : collator.compare(a.m.hostname, b.m.hostname));
  });
  return keyed.map((k) => k.m);
}
