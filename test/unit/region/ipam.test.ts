/** The pure address picking of tenant networks (backend/region/ipam), exhaustively on small subnets. */
import {
  assignableCount,
  defaultGateway,
  MAX_MAC_SERIAL,
  macOf,
  overlaps,
  pickAddress,
  pickSubnet,
  pickVlan,
} from "../../../backend/region/ipam/addresses";
import { pickPublicAddress, publicCapacity } from "../../../backend/region/ipam/public-addresses";
import { intToIp, ipToInt, parseCidr } from "../../../sdk/model/ipv4";
import { networkRules } from "../../../sdk/model/network";
import { KNOWN } from "../../../sdk/model/resource-model";
import { securityGroupRules } from "../../../sdk/model/security-group";

/** Hands out addresses until the subnet is full; returns them in order. */
function drain(cidr: string, gateway: string | null): string[] {
  const taken: string[] = [];
  for (;;) {
    const a = pickAddress(cidr, gateway, taken);
    if (a === undefined) return taken;
    taken.push(a);
  }
}

describe("pickAddress", () => {
  test.each([24, 25, 26, 27, 28, 29, 30])(
    "every /%i: all hosts but gateway, never network/broadcast",
    (prefix) => {
      const cidr = `10.9.8.0/${prefix}`;
      const c = parseCidr(cidr);
      const gateway = defaultGateway(cidr);
      const got = drain(cidr, gateway);
      const expected: string[] = [];
      for (let n = c.network + 1; n <= c.network + c.size - 2; n++)
        if (intToIp(n) !== gateway) expected.push(intToIp(n));
      expect(got).toEqual(expected);
      expect(got).not.toContain(intToIp(c.network));
      expect(got).not.toContain(intToIp(c.network + c.size - 1));
      expect(got).not.toContain(gateway);
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBe(assignableCount(cidr, gateway));
    },
  );

  test("a /30 holds the gateway and exactly one VM", () => {
    expect(drain("192.168.0.4/30", "192.168.0.5")).toEqual(["192.168.0.6"]);
  });

  test("a gateway in the middle is skipped; freed addresses are reused lowest first", () => {
    const all = drain("10.0.0.0/29", "10.0.0.3");
    expect(all).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    const freed = all.filter((a) => a !== "10.0.0.4" && a !== "10.0.0.2");
    expect(pickAddress("10.0.0.0/29", "10.0.0.3", freed)).toBe("10.0.0.2");
  });

  test("every taken set of a /29 gives the lowest free host (exhaustive over 2^5 sets)", () => {
    const hosts = ["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"];
    for (let mask = 0; mask < 2 ** hosts.length; mask++) {
      const taken = hosts.filter((_, i) => mask & (1 << i));
      const want = hosts.find((h) => !taken.includes(h));
      expect(pickAddress("10.1.0.0/29", "10.1.0.1", taken)).toBe(want);
    }
  });

  test("full subnet: undefined", () => {
    expect(pickAddress("10.0.0.0/30", "10.0.0.1", ["10.0.0.2"])).toBeUndefined();
  });

  test("a /16 hands out across octet boundaries", () => {
    const taken = Array.from({ length: 300 }, (_, i) => intToIp(ipToInt("10.5.0.2") + i));
    expect(pickAddress("10.5.0.0/16", "10.5.0.1", taken)).toBe("10.5.1.46");
  });
});

describe("pickSubnet and overlaps", () => {
  test("first free aligned block, skipping every overlap", () => {
    expect(pickSubnet("10.128.0.0/9", 24, [])).toBe("10.128.0.0/24");
    expect(pickSubnet("10.128.0.0/9", 24, ["10.128.0.0/24"])).toBe("10.128.1.0/24");
    expect(pickSubnet("10.128.0.0/9", 24, ["10.128.0.0/23", "10.128.2.128/25"])).toBe("10.128.3.0/24");
    expect(pickSubnet("10.128.0.0/9", 16, ["10.128.3.0/24"])).toBe("10.129.0.0/16");
    expect(pickSubnet("10.128.0.0/9", 26, ["10.128.0.0/26", "10.128.0.128/26"])).toBe("10.128.0.64/26");
  });

  test("a full supernet gives undefined; a block bigger than the supernet too", () => {
    expect(pickSubnet("10.0.0.0/24", 25, ["10.0.0.0/25", "10.0.0.128/25"])).toBeUndefined();
    expect(pickSubnet("10.0.0.0/24", 23, [])).toBeUndefined();
  });

  test("picked blocks never overlap what exists (64 picks of /30 in a /24)", () => {
    const have: string[] = ["10.0.0.20/30"];
    for (let i = 0; i < 63; i++) {
      const next = pickSubnet("10.0.0.0/24", 30, have)!;
      expect(have.some((h) => overlaps(h, next))).toBe(false);
      have.push(next);
    }
    expect(pickSubnet("10.0.0.0/24", 30, have)).toBeUndefined();
  });

  test("overlaps is symmetric and exact at the edges", () => {
    expect(overlaps("10.0.0.0/24", "10.0.0.128/25")).toBe(true);
    expect(overlaps("10.0.0.128/25", "10.0.0.0/24")).toBe(true);
    expect(overlaps("10.0.0.0/25", "10.0.0.128/25")).toBe(false);
    expect(overlaps("10.0.0.0/8", "10.255.255.252/30")).toBe(true);
    expect(overlaps("10.0.0.0/8", "11.0.0.0/30")).toBe(false);
  });
});

describe("VLANs", () => {
  test("lowest free id of the range, every subset of a 4-id range", () => {
    const range = { first: 100, last: 103 };
    for (let mask = 0; mask < 16; mask++) {
      const taken = [100, 101, 102, 103].filter((_, i) => mask & (1 << i));
      expect(pickVlan(range, taken)).toBe([100, 101, 102, 103].find((v) => !taken.includes(v)));
    }
    expect(pickVlan({ first: 7, last: 7 }, [7, 8])).toBeUndefined();
  });
});

describe("MACs", () => {
  test("52:54:00 + serial, distinct for distinct serials, bounded", () => {
    expect(macOf(1)).toBe("52:54:00:00:00:01");
    expect(macOf(0x0a0b0c)).toBe("52:54:00:0a:0b:0c");
    expect(macOf(MAX_MAC_SERIAL)).toBe("52:54:00:ff:ff:ff");
    const seen = new Set(Array.from({ length: 5000 }, (_, i) => macOf(i * 3301 + 1)));
    expect(seen.size).toBe(5000);
    expect(() => macOf(0)).toThrow(RangeError);
    expect(() => macOf(MAX_MAC_SERIAL + 1)).toThrow(RangeError);
  });
});

describe("public addresses", () => {
  test("host addresses of the block less the excluded, lowest first", () => {
    expect(publicCapacity("203.0.113.0/29", ["203.0.113.1"])).toBe(5);
    const taken: string[] = [];
    for (;;) {
      const a = pickPublicAddress("203.0.113.0/29", ["203.0.113.1"], taken);
      if (!a) break;
      taken.push(a);
    }
    expect(taken).toEqual(["203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "203.0.113.6"]);
    expect(pickPublicAddress("203.0.113.7/32", [], [])).toBe("203.0.113.7");
  });
});

describe("model rules", () => {
  test("network: host bits, prefix bounds, gateway outside or at the edges, cidr or prefixLength", () => {
    const f = (d: Record<string, unknown>) => networkRules(d, KNOWN).map((e) => `${e.field} ${e.reason}`);
    expect(f({ cidr: "10.0.0.0/24" })).toEqual([]);
    expect(f({ cidr: "10.0.0.5/24" })).toEqual(["/cidr has host bits set; use the network address"]);
    expect(f({ cidr: "10.0.0.0/31" })[0]).toMatch(/^\/cidr prefix must be/);
    expect(f({ cidr: "10.0.0.0/24", gateway: "10.0.1.1" })).toEqual(["/gateway is outside 10.0.0.0/24"]);
    expect(f({ cidr: "10.0.0.0/24", gateway: "10.0.0.255" })[0]).toMatch(
      /^\/gateway is the network or broadcast/,
    );
    expect(f({})[0]).toMatch(/^\/cidr give cidr/);
    expect(f({ prefixLength: 24 })).toEqual([]);
    expect(f({ prefixLength: 24, gateway: "10.0.0.1" })[0]).toMatch(/^\/gateway/);
    expect(f({ cidr: "10.0.0.0/24", prefixLength: 25 })[0]).toMatch(/^\/prefixLength/);
  });

  test("security group: reversed ranges, ports on icmp, half ranges, bad sources", () => {
    const f = (rules: unknown[]) => securityGroupRules({ rules }, KNOWN).map((e) => e.field);
    expect(f([{ protocol: "tcp", fromPort: 22, toPort: 22, source: "0.0.0.0/0" }])).toEqual([]);
    expect(f([{ protocol: "tcp", fromPort: 100, toPort: 99, source: "0.0.0.0/0" }])).toEqual([
      "/rules/0/toPort",
    ]);
    expect(f([{ protocol: "icmp", fromPort: 1, toPort: 2, source: "0.0.0.0/0" }])).toEqual([
      "/rules/0/fromPort",
    ]);
    expect(f([{ protocol: "udp", fromPort: 53, source: "0.0.0.0/0" }])).toEqual(["/rules/0/toPort"]);
    expect(f([{ protocol: "any", source: "10.0.0.1/24" }])).toEqual(["/rules/0/source"]);
    expect(f([{ protocol: "any", source: "web" }])).toEqual(["/rules/0/source"]);
    expect(f([{ protocol: "any", source: "sg_0123456789abcdef" }])).toEqual([]);
    expect(f([{ protocol: "any", source: "vm_0123456789abcdef" }])).toEqual(["/rules/0/source"]);
  });
});
