import { ValidationError } from "../../../sdk/errors";
import { buildZoneSet, type ZoneSetInput } from "../../../backend/region/dns/zone";
import { GIRONA } from "./zone-fixture";

function problemsOf(input: ZoneSetInput): { field: string; reason: string }[] {
  try {
    buildZoneSet(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe("VALIDATION");
    expect(v.retryable).toBe(false);
    return v.errors;
  }
  throw new Error("expected a ValidationError");
}

const zone = (over: Partial<ZoneSetInput["zones"][number]>): ZoneSetInput => ({
  zones: [{ origin: "z.example", nameservers: ["ns1.z.example"], serial: 1, hosts: [], ...over }],
});

describe("ZoneSet", () => {
  const set = buildZoneSet(GIRONA);

  it("holds the forward zones, with SOA defaults, the apex and nameserver records", () => {
    const g = set.zoneFor("girona.fibrix.example");
    expect(g?.kind).toBe("forward");
    expect(g?.soa).toEqual({
      mname: "ns1.girona.fibrix.example",
      rname: "hostmaster.girona.fibrix.example",
      serial: 2024061501,
      refresh: 3600,
      retry: 600,
      expire: 604800,
      minimum: 120,
    });
    expect(g?.nodes.get("girona.fibrix.example")?.a).toEqual(["192.0.2.1"]);
    expect(g?.nodes.get("ns1.girona.fibrix.example")?.aaaa).toEqual(["2001:db8:0:1::53"]);
    expect(set.zoneFor("rack2.girona.fibrix.example")?.ttl).toBe(300);
  });

  it("picks the closest enclosing zone, case-insensitively", () => {
    expect(set.zoneFor("PE860-01.Rack2.girona.fibrix.example.")?.origin).toBe("rack2.girona.fibrix.example");
    expect(set.zoneFor("web-1.girona.fibrix.example")?.origin).toBe("girona.fibrix.example");
    expect(set.zoneFor("fibrix.example")).toBeUndefined();
    expect(set.zoneFor("xgirona.fibrix.example")).toBeUndefined();
  });

  it("derives /24 and /64 reverse zones with PTRs to the hosts", () => {
    const r4 = set.zoneFor("10.2.0.192.in-addr.arpa");
    expect(r4?.origin).toBe("2.0.192.in-addr.arpa");
    expect(r4?.kind).toBe("reverse");
    expect(r4?.nodes.get("10.2.0.192.in-addr.arpa")?.ptr).toEqual(["web-1.girona.fibrix.example"]);
    expect(r4?.nodes.get("53.2.0.192.in-addr.arpa")?.ptr).toEqual(["ns1.girona.fibrix.example"]);
    // reverse zones mix forward zones: serial is the highest forward serial
    expect(r4?.soa.serial).toBe(2024061501);
    expect(r4?.nameservers).toEqual(["ns1.girona.fibrix.example", "ns2.fibrix.example"]);
    const r6 = set.zoneFor("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    expect(r6?.origin).toBe("1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    expect(
      r6?.nodes.get("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")?.ptr,
    ).toEqual(["v6only.girona.fibrix.example"]);
    const rack = set.zoneFor("21.113.0.203.in-addr.arpa");
    expect(rack?.nodes.get("21.113.0.203.in-addr.arpa")?.ptr).toEqual([
      "pe860-01.rack2.girona.fibrix.example",
    ]);
    // out-of-zone nameserver addresses are glue only: no PTR, no reverse zone
    expect(set.zoneFor("53.100.51.198.in-addr.arpa")).toBeUndefined();
  });

  it("records empty non-terminals, and glue for out-of-zone nameservers", () => {
    expect(
      set.zoneFor("tenant-a.girona.fibrix.example")?.emptyNonTerminals.has("tenant-a.girona.fibrix.example"),
    ).toBe(true);
    expect(set.addressesOf("NS2.fibrix.example")).toEqual({ a: ["198.51.100.53"], aaaa: [] });
    expect(set.addressesOf("ns1.girona.fibrix.example").a).toEqual(["192.0.2.53"]);
    expect(set.addressesOf("nowhere.example")).toEqual({ a: [], aaaa: [] });
  });

  it("merges repeated host names into one RRset and canonicalises IPv6", () => {
    const s = buildZoneSet(
      zone({
        hosts: [
          { name: "rr", ipv4: "192.0.2.1", ipv6: "2001:0DB8:0:0::1" },
          { name: "RR", ipv4: "192.0.2.2" },
          { name: "rr", ipv4: "192.0.2.1", ipv6: "2001:db8::1" },
        ],
      }),
    );
    const node = s.zoneFor("rr.z.example")?.nodes.get("rr.z.example");
    expect(node?.a).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(node?.aaaa).toEqual(["2001:db8::1"]);
  });

  it("lists every problem at once, as JSON pointers", () => {
    const problems = problemsOf({
      zones: [
        { origin: "bad_zone.example", nameservers: ["ns.example"], serial: 1, hosts: [] },
        {
          origin: "ok.example",
          nameservers: [],
          serial: -1,
          ttl: 1.5,
          nsAddresses: [{ name: "ns.ok.example" }],
          hosts: [
            { name: "a..b", ipv4: "192.0.2.1" },
            { name: "c", ipv4: "300.0.0.1", ipv6: "1::2::3" },
            { name: "d.", ipv4: "192.0.2.4" },
            { name: "x.sub" },
          ],
        },
        { origin: "OK.example.", nameservers: ["ns.example"], serial: 1, hosts: [] },
        { origin: "2.0.192.in-addr.arpa", nameservers: ["ns.example"], serial: 1, hosts: [] },
        { origin: "sub.ok.example", nameservers: ["ns.example"], serial: 1, hosts: [{ name: "-x" }] },
      ],
    });
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "/zones/0/origin",
        "/zones/1/nameservers",
        "/zones/1/serial",
        "/zones/1/ttl",
        "/zones/1/nsAddresses/0",
        "/zones/1/hosts/0/name",
        "/zones/1/hosts/1/ipv4",
        "/zones/1/hosts/1/ipv6",
        "/zones/1/hosts/2/name",
        "/zones/1/hosts/3/name",
        "/zones/2/origin",
        "/zones/3/origin",
        "/zones/4/hosts/0/name",
      ]),
    );
    const reason = (f: string): string | undefined => problems.find((p) => p.field === f)?.reason;
    expect(reason("/zones/2/origin")).toMatch(/duplicate of \/zones\/1\/origin/);
    expect(reason("/zones/3/origin")).toMatch(/derived/);
    expect(reason("/zones/1/hosts/3/name")).toMatch(/lies inside zone sub.ok.example/);
    expect(reason("/zones/1/hosts/2/name")).toMatch(/relative/);
  });

  it("refuses a host whose full name exceeds 253 characters", () => {
    const label = "a".repeat(61);
    const problems = problemsOf(zone({ hosts: [{ name: [label, label, label, label].join(".") }] }));
    expect(problems[0]?.reason).toMatch(/longer than 253/);
  });

  it("builds an empty set", () => {
    expect(buildZoneSet({ zones: [] }).zones).toEqual([]);
  });
});
