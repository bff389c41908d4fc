/**
 * What a VM host routes now, read from iproute2's JSON (`ip -j -4 addr show`, `ip -j -4 rule
 * show`, `ip -j -4 route show table all`) and `sysctl -n`: what route-plan.ts compares with what
 * the host must do for its routed tenant networks. Pure parsers.
 */
import { isOurRouteTable } from "./names";

export interface AddrInfo {
  dev: string;
  address: string;
  prefixLength: number;
  label: string;
  noprefixroute: boolean;
}

export interface RuleInfo {
  priority: number;
  table: number | string;
  iif?: string;
  /** The fwmark as a number (with its mask, when not all ones). */
  fwmark?: number;
  fwmask?: number;
}

export interface RouteInfo {
  /** Routing table: a number, or "main"/"local"… (routes of main carry no table in the JSON). */
  table: number | string;
  type: string;
  dst: string;
  dev?: string;
  gateway?: string;
  scope?: string;
  metric?: number;
}

export interface RouteState {
  addresses: AddrInfo[];
  rules: RuleInfo[];
  /** Routes of our tables, and the default routes of main. */
  routes: RouteInfo[];
  /** sysctl key → value, for the keys that were read (keys of missing devices are absent). */
  sysctls: Map<string, string>;
}

type J = Record<string, unknown>;
const obj = (v: unknown): J => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as J) : {});

function list(json: string, what: string): unknown[] {
  const raw = JSON.parse(json.trim() || "[]") as unknown;
  if (!Array.isArray(raw)) throw new Error(`${what}: not a list`);
  return raw;
}

function table(v: unknown): number | string {
  if (v === undefined) return "main";
  const s = String(v);
  return /^\d+$/.test(s) ? Number(s) : s;
}

export function parseAddrs(json: string): AddrInfo[] {
  return list(json, "ip -j addr").flatMap((r) => {
    const l = obj(r);
    const dev = String(l["ifname"] ?? "");
    const infos = Array.isArray(l["addr_info"]) ? (l["addr_info"] as unknown[]) : [];
    return infos
      .map(obj)
      .filter((a) => a["family"] === "inet")
      .map((a) => ({
        dev,
        address: String(a["local"]),
        prefixLength: Number(a["prefixlen"]),
        label: typeof a["label"] === "string" ? a["label"] : dev,
        noprefixroute: a["noprefixroute"] === true,
      }));
  });
}

export function parseRules(json: string): RuleInfo[] {
  return list(json, "ip -j rule").map((r) => {
    const o = obj(r);
    const rule: RuleInfo = { priority: Number(o["priority"]), table: table(o["table"]) };
    if (typeof o["iif"] === "string") rule.iif = o["iif"];
    if (typeof o["fwmark"] === "string") rule.fwmark = Number(o["fwmark"]);
    if (typeof o["fwmask"] === "string") rule.fwmask = Number(o["fwmask"]);
    return rule;
  });
}

/** Routes of our tables and main's default routes; every other route is none of our business. */
export function parseRoutes(json: string): RouteInfo[] {
  return list(json, "ip -j route")
    .map((r): RouteInfo => {
      const o = obj(r);
      const route: RouteInfo = {
        table: table(o["table"]),
        type: typeof o["type"] === "string" ? o["type"] : "unicast",
        dst: String(o["dst"] ?? ""),
      };
      if (typeof o["dev"] === "string") route.dev = o["dev"];
      if (typeof o["gateway"] === "string") route.gateway = o["gateway"];
      if (typeof o["scope"] === "string") route.scope = o["scope"];
      if (typeof o["metric"] === "number") route.metric = o["metric"];
      return route;
    })
    .filter(
      (r) =>
        (typeof r.table === "number" && isOurRouteTable(r.table)) ||
        (r.table === "main" && r.dst === "default"),
    );
}

/** `sysctl -n K1 K2 …` prints one value a line, in order. */
export function parseSysctls(keys: readonly string[], out: string): Map<string, string> {
  const lines = out.split("\n").filter((l) => l.length > 0);
  if (lines.length !== keys.length) throw new Error(`sysctl: ${keys.length} keys, ${lines.length} values`);
  return new Map(keys.map((k, i) => [k, lines[i]!.trim()]));
}

/** The uplink's gateway: main's default route through it (the first, by metric). */
export function uplinkGateway(routes: readonly RouteInfo[], uplink: string): string | undefined {
  return routes
    .filter((r) => r.table === "main" && r.dst === "default" && r.dev === uplink && r.gateway)
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0))[0]?.gateway;
}
