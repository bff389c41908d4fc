/**
 * Our nftables objects on a VM host, read from `nft -j list ruleset` (libnftables' JSON,
 * nft(8) "JSON"): tables, chains, map elements (with the chain each one jumps to) and the
 * counters of commented rules. Only our tables are kept. Pure.
 */

export const OUR_TABLES = [
  { family: "bridge", name: "fibrix" },
  { family: "inet", name: "fibrix" },
  { family: "ip", name: "fibrix_nat" },
] as const;

export interface NftChainRef {
  family: string;
  table: string;
  name: string;
}

export interface NftElement {
  family: string;
  table: string;
  map: string;
  /** The key in nft syntax, ready for `delete element … { KEY }`. */
  key: string;
  /** The chain it jumps to (verdict maps), if any. */
  jump?: string;
  /** The value of a data map (a ct zone), if any. */
  value?: string;
}

export interface NftCounter extends NftChainRef {
  comment: string;
  packets: number;
  bytes: number;
}

export interface NftState {
  tables: { family: string; name: string }[];
  chains: NftChainRef[];
  elements: NftElement[];
  counters: NftCounter[];
}

type J = Record<string, unknown>;
const obj = (v: unknown): J => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as J) : {});

export function isOurTable(family: unknown, name: unknown): boolean {
  return OUR_TABLES.some((t) => t.family === family && t.name === name);
}

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;

/** One key part in nft syntax: addresses and numbers bare, names quoted. */
function part(v: unknown): string {
  if (typeof v === "number") return String(v);
  const s = String(v);
  return IPV4_RE.test(s) ? s : JSON.stringify(s);
}

function keyOf(k: unknown): string {
  const c = obj(k)["concat"];
  return Array.isArray(c) ? c.map(part).join(" . ") : part(k);
}

export function parseNftRuleset(json: string): NftState {
  const doc = obj(JSON.parse(json.trim() || "{}"));
  const items = Array.isArray(doc["nftables"]) ? (doc["nftables"] as unknown[]) : [];
  const st: NftState = { tables: [], chains: [], elements: [], counters: [] };
  for (const raw of items) {
    const it = obj(raw);
    const table = obj(it["table"]);
    if (table["name"] !== undefined && isOurTable(table["family"], table["name"])) {
      st.tables.push({ family: String(table["family"]), name: String(table["name"]) });
    }
    const chain = obj(it["chain"]);
    if (chain["name"] !== undefined && isOurTable(chain["family"], chain["table"])) {
      st.chains.push({
        family: String(chain["family"]),
        table: String(chain["table"]),
        name: String(chain["name"]),
      });
    }
    const map = obj(it["map"]);
    if (map["name"] !== undefined && isOurTable(map["family"], map["table"])) {
      for (const e of Array.isArray(map["elem"]) ? (map["elem"] as unknown[]) : []) {
        if (!Array.isArray(e) || e.length < 2) continue;
        const el: NftElement = {
          family: String(map["family"]),
          table: String(map["table"]),
          map: String(map["name"]),
          key: keyOf(e[0]),
        };
        const target = obj(obj(e[1])["jump"])["target"];
        if (typeof target === "string") el.jump = target;
        else if (typeof e[1] === "number" || typeof e[1] === "string") el.value = String(e[1]);
        st.elements.push(el);
      }
    }
    const rule = obj(it["rule"]);
    if (
      rule["chain"] !== undefined &&
      isOurTable(rule["family"], rule["table"]) &&
      typeof rule["comment"] === "string"
    ) {
      const counter = (Array.isArray(rule["expr"]) ? (rule["expr"] as unknown[]) : [])
        .map((x) => obj(obj(x)["counter"]))
        .find((c) => c["packets"] !== undefined);
      if (counter) {
        st.counters.push({
          family: String(rule["family"]),
          table: String(rule["table"]),
          name: String(rule["chain"]),
          comment: rule["comment"],
          packets: Number(counter["packets"]),
          bytes: Number(counter["bytes"]),
        });
      }
    }
  }
  return st;
}
