/**
 * The region's DNS data: forward zones as the region describes them, plus the reverse zones
 * (in-addr.arpa per IPv4 /24, ip6.arpa per IPv6 /64) derived from the hosts' addresses.
 * Pure and immutable once built: the region builds a new ZoneSet when records change and the
 * server reads whichever snapshot `getZones()` returns for each query.
 *
 * Invalid input is refused as a whole with one ValidationError listing every problem (as
 * JSON pointers into the input), so a bad host never half-publishes a zone.
 */
import { type FieldError, ValidationError } from "../../../sdk/errors";
import {
  formatIPv6,
  parseIPv4,
  parseIPv6,
  reverseNameV4,
  reverseNameV6,
  reverseZoneV4,
  reverseZoneV6,
} from "./address";
import { isAtOrBelow, MAX_NAME_LENGTH, nameProblem, normalizeName, parentName } from "./names";

export interface HostInput {
  /** Relative to the zone's origin (`web-1`, `vm-7.rack2`); `@` is the apex. */
  name: string;
  ipv4?: string;
  ipv6?: string;
}

/** Addresses of a nameserver: published as records when inside the zone, and used as glue. */
export interface NsAddressInput {
  /** Absolute (`ns1.girona.fibrix.example`). */
  name: string;
  ipv4?: string;
  ipv6?: string;
}

export interface ZoneInput {
  origin: string;
  /** Absolute names; the first one is the SOA MNAME. */
  nameservers: string[];
  /** SOA serial (uint32). */
  serial: number;
  /** TTL of every record and the negative-caching TTL (SOA MINIMUM); default 300 s. */
  ttl?: number;
  nsAddresses?: NsAddressInput[];
  /** A name may appear more than once: its addresses form one RRset (round robin). */
  hosts: HostInput[];
}

export interface ZoneSetInput {
  zones: ZoneInput[];
}

export const DEFAULT_TTL = 300;
/** SOA timers (RFC 1912 §2.2 ranges); nobody transfers our zones, so they are informative. */
const SOA_REFRESH = 3600;
const SOA_RETRY = 600;
const SOA_EXPIRE = 604800;
const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8
const MAX_SERIAL = 2 ** 32 - 1; // RFC 1982

/** The records one owner name holds. Addresses and targets in publication order, deduplicated. */
export interface NodeRecords {
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
  readonly ptr: readonly string[];
}

export interface Soa {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

export interface Zone {
  /** Normalised: lower case, no trailing dot. */
  readonly origin: string;
  readonly kind: "forward" | "reverse";
  readonly ttl: number;
  readonly soa: Soa;
  readonly nameservers: readonly string[];
  /** Owner names (normalised, absolute) that hold records; the apex is always present. */
  readonly nodes: ReadonlyMap<string, NodeRecords>;
  /** Names with no records but with names below them (RFC 8020: they exist, so NODATA not NXDOMAIN). */
  readonly emptyNonTerminals: ReadonlySet<string>;
}

export interface Addresses {
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
}

const NO_ADDRESSES: Addresses = { a: [], aaaa: [] };

export class ZoneSet {
  /** Longest origins first, so the first match is the closest enclosing zone. */
  private readonly byDepth: readonly Zone[];

  constructor(
    readonly zones: readonly Zone[],
    private readonly glue: ReadonlyMap<string, Addresses>,
  ) {
    this.byDepth = [...zones].sort((x, y) => y.origin.length - x.origin.length);
  }

  /** The zone that is authoritative for `name` (any case, trailing dot optional), if any. */
  zoneFor(name: string): Zone | undefined {
    const n = normalizeName(name);
    return this.byDepth.find((z) => isAtOrBelow(n, z.origin));
  }

  /** Addresses for a nameserver name: our own records first, else the configured glue. */
  addressesOf(name: string): Addresses {
    const n = normalizeName(name);
    const zone = this.zoneFor(n);
    const node = zone?.nodes.get(n);
    if (node && (node.a.length > 0 || node.aaaa.length > 0)) return { a: node.a, aaaa: node.aaaa };
    return this.glue.get(n) ?? NO_ADDRESSES;
  }
}

interface MutableNode {
  a: string[];
  aaaa: string[];
  ptr: string[];
}

interface ReverseDraft {
  nodes: Map<string, MutableNode>;
  nameservers: string[];
  rname: string;
  ttl: number;
}

function emptyNode(): MutableNode {
  return { a: [], aaaa: [], ptr: [] };
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

function nodeAt(nodes: Map<string, MutableNode>, name: string): MutableNode {
  let node = nodes.get(name);
  if (!node) {
    node = emptyNode();
    nodes.set(name, node);
  }
  return node;
}

function emptyNonTerminals(
  origin: string,
  names: Iterable<string>,
  nodes: ReadonlyMap<string, unknown>,
): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    let p = parentName(name);
    while (p !== undefined && p !== origin && isAtOrBelow(p, origin)) {
      if (!nodes.has(p)) out.add(p);
      p = parentName(p);
    }
  }
  return out;
}

function makeSoa(nameservers: readonly string[], rname: string, serial: number, ttl: number): Soa {
  return {
    mname: nameservers[0] ?? "",
    rname,
    serial,
    refresh: SOA_REFRESH,
    retry: SOA_RETRY,
    expire: SOA_EXPIRE,
    minimum: ttl,
  };
}

/** Builds the immutable ZoneSet, or throws a ValidationError listing every problem found. */
export function buildZoneSet(input: ZoneSetInput): ZoneSet {
  const errors: FieldError[] = [];
  const bad = (field: string, reason: string): void => {
    errors.push({ field, reason });
  };

  // Pass 1: origins, so that shadowing (a host inside a more specific zone of the set) is detectable.
  const origins = new Map<string, number>();
  for (const [zi, z] of input.zones.entries()) {
    const field = `/zones/${zi}/origin`;
    const problem = nameProblem(z.origin);
    const origin = normalizeName(z.origin);
    const seen = origins.get(origin);
    if (problem) bad(field, problem);
    else if (isAtOrBelow(origin, "in-addr.arpa") || isAtOrBelow(origin, "ip6.arpa")) {
      bad(field, "reverse zones are derived from the hosts' addresses; do not list them");
    } else if (seen !== undefined) bad(field, `duplicate of /zones/${seen}/origin (${origin})`);
    else origins.set(origin, zi);
  }
  const innermostOrigin = (name: string): string | undefined => {
    let best: string | undefined;
    for (const o of origins.keys()) {
      if (isAtOrBelow(name, o) && (best === undefined || o.length > best.length)) best = o;
    }
    return best;
  };

  const forward: Zone[] = [];
  const reverse = new Map<string, ReverseDraft>();
  const glue = new Map<string, { a: string[]; aaaa: string[] }>();
  let maxSerial = 0;

  input.zones.forEach((z, zi) => {
    const at = `/zones/${zi}`;
    if (nameProblem(z.origin)) return;
    const origin = normalizeName(z.origin);
    if (origins.get(origin) !== zi) return;

    const ttl = z.ttl ?? DEFAULT_TTL;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL)
      bad(`${at}/ttl`, `must be an integer from 0 to ${MAX_TTL}`);
    if (!Number.isInteger(z.serial) || z.serial < 0 || z.serial > MAX_SERIAL) {
      bad(`${at}/serial`, `must be an integer from 0 to ${MAX_SERIAL}`);
    } else {
      maxSerial = Math.max(maxSerial, z.serial);
    }

    const nameservers: string[] = [];
    if (z.nameservers.length === 0)
      bad(`${at}/nameservers`, "at least one nameserver is required (SOA MNAME, NS)");
    z.nameservers.forEach((ns, i) => {
      const problem = nameProblem(ns);
      if (problem) bad(`${at}/nameservers/${i}`, problem);
      else pushUnique(nameservers, normalizeName(ns));
    });

    const nodes = new Map<string, MutableNode>();
    nodes.set(origin, emptyNode());
    // Where each address goes in reverse: [reverse zone, reverse owner, target].
    const ptrs: [string, string, string][] = [];

    const addAddresses = (
      field: string,
      owner: string | undefined,
      ipv4: string | undefined,
      ipv6: string | undefined,
      glueOnly: boolean,
    ): void => {
      const v4 = ipv4 === undefined ? undefined : parseIPv4(ipv4);
      if (ipv4 !== undefined && !v4) bad(`${field}/ipv4`, `"${ipv4}" is not a dotted-quad IPv4 address`);
      const v6 = ipv6 === undefined ? undefined : parseIPv6(ipv6);
      if (ipv6 !== undefined && !v6) bad(`${field}/ipv6`, `"${ipv6}" is not an IPv6 address`);
      if (owner === undefined) return;
      const v4text = v4?.join(".");
      const v6text = v6 ? formatIPv6(v6) : undefined;
      if (glueOnly) {
        const g = glue.get(owner) ?? { a: [], aaaa: [] };
        if (v4text) pushUnique(g.a, v4text);
        if (v6text) pushUnique(g.aaaa, v6text);
        glue.set(owner, g);
        return;
      }
      const node = nodeAt(nodes, owner);
      if (v4 && v4text) {
        pushUnique(node.a, v4text);
        ptrs.push([reverseZoneV4(v4), reverseNameV4(v4), owner]);
      }
      if (v6 && v6text) {
        pushUnique(node.aaaa, v6text);
        ptrs.push([reverseZoneV6(v6), reverseNameV6(v6), owner]);
      }
    };

    (z.nsAddresses ?? []).forEach((nsa, i) => {
      const field = `${at}/nsAddresses/${i}`;
      const problem = nameProblem(nsa.name);
      if (problem) bad(`${field}/name`, problem);
      if (nsa.ipv4 === undefined && nsa.ipv6 === undefined) bad(field, "give ipv4, ipv6 or both");
      const name = problem ? undefined : normalizeName(nsa.name);
      const inZone = name !== undefined && innermostOrigin(name) === origin;
      addAddresses(field, name, nsa.ipv4, nsa.ipv6, !inZone);
    });

    z.hosts.forEach((h, i) => {
      const field = `${at}/hosts/${i}`;
      let owner: string | undefined;
      if (h.name === "@") {
        owner = origin;
      } else if (h.name.endsWith(".")) {
        bad(`${field}/name`, "host names are relative to the zone origin: drop the trailing dot");
      } else {
        const problem = nameProblem(h.name);
        const fqdn = `${normalizeName(h.name)}.${origin}`;
        if (problem) bad(`${field}/name`, problem);
        else if (fqdn.length > MAX_NAME_LENGTH) {
          bad(`${field}/name`, `${fqdn} is longer than ${MAX_NAME_LENGTH} characters (RFC 1035 §2.3.4)`);
        } else if (innermostOrigin(fqdn) !== origin) {
          bad(
            `${field}/name`,
            `${fqdn} lies inside zone ${innermostOrigin(fqdn)}, also in this set; list it there`,
          );
        } else owner = fqdn;
      }
      addAddresses(field, owner, h.ipv4, h.ipv6, false);
    });

    forward.push({
      origin,
      kind: "forward",
      ttl,
      soa: makeSoa(nameservers, `hostmaster.${origin}`, z.serial, ttl),
      nameservers,
      nodes,
      emptyNonTerminals: emptyNonTerminals(origin, nodes.keys(), nodes),
    });

    for (const [zoneName, owner, target] of ptrs) {
      let draft = reverse.get(zoneName);
      if (!draft) {
        draft = {
          nodes: new Map([[zoneName, emptyNode()]]),
          nameservers: [],
          rname: `hostmaster.${origin}`,
          ttl,
        };
        reverse.set(zoneName, draft);
      }
      for (const ns of nameservers) pushUnique(draft.nameservers, ns);
      draft.ttl = Math.min(draft.ttl, ttl);
      pushUnique(nodeAt(draft.nodes, owner).ptr, target);
    }
  });

  if (errors.length > 0) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    throw new ValidationError(`invalid DNS zone data: ${first?.field}: ${first?.reason}${more}`, errors);
  }

  // A reverse zone mixes hosts of several forward zones; its serial is the highest forward
  // serial, so it moves whenever the region bumps its (shared, monotonic) serial.
  const reverseZones: Zone[] = [...reverse.entries()].map(([origin, d]) => ({
    origin,
    kind: "reverse",
    ttl: d.ttl,
    soa: makeSoa(d.nameservers, d.rname, maxSerial, d.ttl),
    nameservers: d.nameservers,
    nodes: d.nodes,
    emptyNonTerminals: emptyNonTerminals(origin, d.nodes.keys(), d.nodes),
  }));

  return new ZoneSet([...forward, ...reverseZones], glue);
}
