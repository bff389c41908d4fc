/**
 * Parsers for virsh's human-readable output (libvirt 9). Pure. Kept apart from the I/O so
 * each format is unit-tested against captured output.
 */

export type DomainState =
  | "nostate"
  | "running"
  | "blocked"
  | "paused"
  | "shutdown"
  | "shutoff"
  | "crashed"
  | "pmsuspended";

/** virDomainState, in enum order (include/libvirt/libvirt-domain.h). */
const DOMAIN_STATES: readonly DomainState[] = [
  "nostate",
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
];

export function domainStateFromNumber(n: number): DomainState {
  return DOMAIN_STATES[n] ?? "nostate";
}

/**
 * `virsh domstats --state`: blocks of `Domain: 'name'` then indented `key=value` lines.
 * Returns name → state.
 */
export function parseDomstatsStates(out: string): Map<string, DomainState> {
  const states = new Map<string, DomainState>();
  let current: string | null = null;
  for (const line of out.split("\n")) {
    const head = /^Domain: '(.*)'\s*$/.exec(line);
    if (head) {
      current = head[1] ?? null;
      if (current !== null) states.set(current, "nostate");
      continue;
    }
    const kv = /^\s+state\.state=(\d+)\s*$/.exec(line);
    if (kv && current !== null) states.set(current, domainStateFromNumber(Number(kv[1])));
  }
  return states;
}

/**
 * A virsh table (`vol-list`, `domifaddr`, `list`): a header row, a dashed rule, then rows
 * whose columns start where the header's do (vshTable pads every column to its widest
 * cell). Slicing at the header's offsets keeps cells that contain spaces intact.
 */
export function parseTable(out: string): Record<string, string>[] {
  const lines = out.split("\n");
  const ruleAt = lines.findIndex((l) => /^-{3,}\s*$/.test(l));
  if (ruleAt < 1) return [];
  const header = lines[ruleAt - 1] ?? "";
  const cols: { name: string; start: number }[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) cols.push({ name: m[0], start: m.index });
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(ruleAt + 1)) {
    if (line.trim().length === 0) continue;
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      const end = i + 1 < cols.length ? (cols[i + 1]?.start ?? line.length) : line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    rows.push(row);
  }
  return rows;
}

/** `Key:   value` lines (`nodeinfo`, `dominfo`, `pool-info`). */
export function parseKeyValues(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split("\n")) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

export interface InterfaceAddress {
  /** Host-side interface name (vnetN) or the guest's name with the agent source. */
  interface: string;
  mac: string;
  protocol: "ipv4" | "ipv6";
  address: string;
  prefix: number;
}

/**
 * `virsh domifaddr`: continuation rows (second address of one NIC) show `-` for the name
 * and the MAC.
 */
export function parseDomifaddr(out: string): InterfaceAddress[] {
  const result: InterfaceAddress[] = [];
  let name = "";
  let mac = "";
  for (const row of parseTable(out)) {
    const n = row["Name"] ?? "";
    const m = row["MAC address"] ?? "";
    if (n !== "" && n !== "-") name = n;
    if (m !== "" && m !== "-") mac = m;
    const proto = row["Protocol"];
    const cidr = row["Address"] ?? "";
    if ((proto !== "ipv4" && proto !== "ipv6") || cidr === "") continue;
    const slash = cidr.lastIndexOf("/");
    const address = slash >= 0 ? cidr.slice(0, slash) : cidr;
    const prefix = slash >= 0 ? Number(cidr.slice(slash + 1)) : proto === "ipv4" ? 32 : 128;
    result.push({ interface: name, mac: mac.toLowerCase(), protocol: proto, address, prefix });
  }
  return result;
}

/** `Memory size: 5596960 KiB` and friends, to MiB. */
export function kibFieldToMiB(v: string | undefined): number {
  const m = /^(\d+)\s*KiB$/i.exec(v?.trim() ?? "");
  return m ? Math.floor(Number(m[1]) / 1024) : 0;
}
