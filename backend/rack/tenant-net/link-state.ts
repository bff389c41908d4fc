/**
 * What a VM host has now, read from iproute2's JSON (`ip -j -d link show`, `bridge -j fdb
 * show`): the links the planners compare with what the host must carry. Pure parsers.
 */

export interface LinkInfo {
  name: string;
  /** linkinfo.info_kind: "bridge", "vxlan", "vlan", "tun", "veth"…; "" for a plain device. */
  kind: string;
  mtu: number;
  up: boolean;
  master?: string;
  /** VXLAN: VNI, local address and UDP port; VLAN: id and lower device. */
  vni?: number;
  local?: string;
  port?: number;
  learning?: boolean;
  vlanId?: number;
  lower?: string;
  /** Bridge: whether it hands IPv4 to the ip hooks (br_netfilter, per bridge). */
  nfCallIptables?: boolean;
}

export interface FdbEntry {
  dev: string;
  mac: string;
  dst?: string;
}

type J = Record<string, unknown>;

const obj = (v: unknown): J => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as J) : {});

export function parseLinks(json: string): LinkInfo[] {
  const raw = JSON.parse(json.trim() || "[]") as unknown;
  if (!Array.isArray(raw)) throw new Error("ip -j link: not a list");
  return raw.map((r): LinkInfo => {
    const l = obj(r);
    const info = obj(l["linkinfo"]);
    const data = obj(info["info_data"]);
    const flags = Array.isArray(l["flags"]) ? (l["flags"] as string[]) : [];
    const kind = typeof info["info_kind"] === "string" ? (info["info_kind"] as string) : "";
    const link: LinkInfo = {
      name: String(l["ifname"] ?? ""),
      kind,
      mtu: Number(l["mtu"] ?? 0),
      up: flags.includes("UP"),
    };
    if (typeof l["master"] === "string") link.master = l["master"];
    if (kind === "vxlan") {
      link.vni = Number(data["id"]);
      if (typeof data["local"] === "string") link.local = data["local"];
      link.port = Number(data["port"]);
      link.learning = data["learning"] === true;
    }
    if (kind === "vlan") {
      link.vlanId = Number(data["id"]);
      if (typeof l["link"] === "string") link.lower = l["link"];
    }
    if (kind === "bridge") link.nfCallIptables = data["nf_call_iptables"] === 1;
    return link;
  });
}

export function parseFdb(json: string): FdbEntry[] {
  const raw = JSON.parse(json.trim() || "[]") as unknown;
  if (!Array.isArray(raw)) throw new Error("bridge -j fdb: not a list");
  return raw.map((r) => {
    const e = obj(r);
    const entry: FdbEntry = { dev: String(e["ifname"] ?? ""), mac: String(e["mac"] ?? "") };
    if (typeof e["dst"] === "string") entry.dst = e["dst"];
    return entry;
  });
}
