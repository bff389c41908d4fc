import {
  planRoutes,
  RULE_PRIORITY,
  routedNetworks,
  sysctlKeys,
} from "../../../../backend/rack/tenant-net/route-plan";
import {
  parseAddrs,
  parseRoutes,
  parseRules,
  parseSysctls,
  type RouteState,
  uplinkGateway,
} from "../../../../backend/rack/tenant-net/route-state";
import type { HostNetwork } from "../../../../sdk/schema/tenant-network-payload";

const T_A = 0x10000a1;
const T_B = 0x10000b1;
const netA: HostNetwork = {
  networkId: "net_00000000000000a1",
  segment: { kind: "vxlan", vni: 0xa1 },
  peers: [],
  mtu: 1450,
  cidr: "10.10.0.0/24",
  gateway: "10.10.0.1",
};
const netB: HostNetwork = {
  ...netA,
  networkId: "net_00000000000000b1",
  segment: { kind: "vxlan", vni: 0xb1 },
};
const uplinkDefault = { table: "main", type: "unicast", dst: "default", dev: "up0", gateway: "192.0.2.254" };
const bare: RouteState = {
  addresses: [{ dev: "up0", address: "192.0.2.1", prefixLength: 24, label: "up0", noprefixroute: false }],
  rules: [
    { priority: 0, table: "local" },
    { priority: 32766, table: "main" },
  ],
  routes: [uplinkDefault],
  sysctls: new Map(),
};
const line = (c: readonly string[]) => c.join(" ");

/** The state a host has once `planRoutes` ran on `bare` for A with public 192.0.2.10. */
const converged: RouteState = {
  addresses: [
    ...bare.addresses,
    { dev: "up0", address: "192.0.2.10", prefixLength: 32, label: "up0:fx", noprefixroute: false },
    { dev: "fxba1", address: "10.10.0.1", prefixLength: 24, label: "fxba1", noprefixroute: true },
  ],
  rules: [
    ...bare.rules,
    { priority: RULE_PRIORITY, table: T_A, iif: "fxba1" },
    { priority: RULE_PRIORITY, table: T_A, fwmark: T_A },
  ],
  routes: [
    uplinkDefault,
    { table: T_A, type: "unicast", dst: "10.10.0.0/24", dev: "fxba1", scope: "link" },
    { table: T_A, type: "unicast", dst: "default", dev: "up0", gateway: "192.0.2.254" },
  ],
  sysctls: new Map([
    ["net.ipv4.conf.fxba1.forwarding", "1"],
    ["net.ipv4.conf.fxba1.arp_ignore", "1"],
    ["net.ipv4.fwmark_reflect", "1"],
    ["net.ipv4.conf.up0.forwarding", "1"],
  ]),
};

describe("planRoutes", () => {
  it("gives a routed network its gateway, table and rules, and the uplink its public address", () => {
    const cmds = planRoutes({ uplink: "up0", networks: [netA], publics: ["192.0.2.10"] }, bare).map(line);
    expect(cmds).toEqual([
      "ip addr add 10.10.0.1/24 dev fxba1 noprefixroute",
      "sysctl -q -w net.ipv4.conf.fxba1.forwarding=1",
      "sysctl -q -w net.ipv4.conf.fxba1.arp_ignore=1",
      "sysctl -q -w net.ipv4.fwmark_reflect=1",
      `ip route replace 10.10.0.0/24 dev fxba1 scope link table ${T_A}`,
      `ip route replace default via 192.0.2.254 dev up0 table ${T_A}`,
      `ip rule add pref ${RULE_PRIORITY} iif fxba1 lookup ${T_A}`,
      `ip rule add pref ${RULE_PRIORITY} fwmark ${T_A} lookup ${T_A}`,
      "ip addr add 192.0.2.10/32 dev up0 label up0:fx",
      "sysctl -q -w net.ipv4.conf.up0.forwarding=1",
    ]);
  });

  it("plans nothing for a host that has it all (with and without prune)", () => {
    const input = { uplink: "up0", networks: [netA], publics: ["192.0.2.10"] };
    expect(planRoutes(input, converged)).toEqual([]);
    expect(planRoutes(input, converged, { prune: true })).toEqual([]);
  });

  it("routes two networks with one subnet and one gateway each in a table of its own", () => {
    const cmds = planRoutes({ uplink: "up0", networks: [netA, netB], publics: [] }, bare).map(line);
    for (const [br, t] of [
      ["fxba1", T_A],
      ["fxbb1", T_B],
    ] as const) {
      expect(cmds).toContain(`ip addr add 10.10.0.1/24 dev ${br} noprefixroute`);
      expect(cmds).toContain(`ip route replace 10.10.0.0/24 dev ${br} scope link table ${t}`);
      expect(cmds).toContain(`ip rule add pref ${RULE_PRIORITY} iif ${br} lookup ${t}`);
    }
    // One host-wide switch, written once.
    expect(cmds.filter((c) => c.includes("fwmark_reflect"))).toHaveLength(1);
    // No public address: the uplink is left as it is.
    expect(cmds.filter((c) => c.includes("up0") && !c.includes("table"))).toEqual([]);
  });

  it("never lets a tenant fall through to main: unreachable default when the uplink has no route", () => {
    const cmds = planRoutes({ uplink: "up0", networks: [netA], publics: [] }, { ...bare, routes: [] }).map(
      line,
    );
    expect(cmds).toContain(`ip route replace unreachable default table ${T_A}`);
    expect(cmds.some((c) => c.includes("default via"))).toBe(false);
    // and back to the uplink's once it has one
    const unreachable: RouteState = {
      ...converged,
      routes: [
        ...converged.routes.filter((r) => r.dst !== "default"),
        uplinkDefault,
        { table: T_A, type: "unreachable", dst: "default" },
      ],
    };
    expect(
      planRoutes({ uplink: "up0", networks: [netA], publics: ["192.0.2.10"] }, unreachable).map(line),
    ).toEqual([`ip route replace default via 192.0.2.254 dev up0 table ${T_A}`]);
  });

  it("repairs drift: another address on the bridge, a foreign route and rule in its table, a moved gateway", () => {
    const drifted: RouteState = {
      ...converged,
      addresses: [
        ...converged.addresses.filter((a) => a.dev !== "fxba1"),
        { dev: "fxba1", address: "10.10.0.1", prefixLength: 24, label: "fxba1", noprefixroute: false },
        { dev: "fxba1", address: "10.10.0.77", prefixLength: 24, label: "fxba1", noprefixroute: true },
      ],
      rules: [...converged.rules, { priority: 500, table: T_A, iif: "eth9" }],
      routes: [
        ...converged.routes.filter((r) => !(r.table === T_A && r.dst === "default")),
        { table: T_A, type: "unicast", dst: "default", dev: "up0", gateway: "192.0.2.99" },
        { table: T_A, type: "blackhole", dst: "10.99.0.0/16" },
      ],
      sysctls: new Map([...converged.sysctls, ["net.ipv4.conf.fxba1.arp_ignore", "0"]]),
    };
    expect(
      planRoutes({ uplink: "up0", networks: [netA], publics: ["192.0.2.10"] }, drifted).map(line),
    ).toEqual([
      "ip addr del 10.10.0.1/24 dev fxba1",
      "ip addr del 10.10.0.77/24 dev fxba1",
      "ip addr add 10.10.0.1/24 dev fxba1 noprefixroute",
      "sysctl -q -w net.ipv4.conf.fxba1.arp_ignore=1",
      `ip route del blackhole 10.99.0.0/16 table ${T_A}`,
      `ip route replace default via 192.0.2.254 dev up0 table ${T_A}`,
      `ip rule del pref 500 iif eth9 table ${T_A}`,
    ]);
  });

  it("with prune, removes the rules and tables of networks no longer routed; without, keeps them", () => {
    const input = { uplink: "up0", networks: [netB], publics: [] };
    const withB = planRoutes(input, converged, { prune: true }).map(line);
    expect(withB).toEqual(
      expect.arrayContaining([
        `ip rule del pref ${RULE_PRIORITY} iif fxba1 table ${T_A}`,
        `ip rule del pref ${RULE_PRIORITY} fwmark ${T_A} table ${T_A}`,
        `ip route flush table ${T_A}`,
        // A's public address is NATed no more
        "ip addr del 192.0.2.10/32 dev up0",
      ]),
    );
    expect(
      planRoutes(input, converged)
        .map(line)
        .filter((c) => c.includes(String(T_A))),
    ).toEqual([]);
    // Nothing at all to carry: everything of ours goes, nothing of the host's.
    const none = planRoutes({ uplink: "up0", networks: [], publics: [] }, converged, { prune: true }).map(
      line,
    );
    expect(none).toEqual([
      `ip rule del pref ${RULE_PRIORITY} iif fxba1 table ${T_A}`,
      `ip rule del pref ${RULE_PRIORITY} fwmark ${T_A} table ${T_A}`,
      `ip route flush table ${T_A}`,
      "ip addr del 192.0.2.10/32 dev up0",
    ]);
    expect(none.join("\n")).not.toMatch(/192\.0\.2\.1\/24|main|local/);
  });

  it("holds on the uplink exactly the NATed public addresses it labelled, and only those", () => {
    const state: RouteState = {
      ...converged,
      addresses: [
        ...converged.addresses,
        { dev: "up0", address: "192.0.2.20", prefixLength: 32, label: "up0:fx", noprefixroute: false },
        { dev: "up0", address: "192.0.2.30", prefixLength: 32, label: "up0", noprefixroute: false },
      ],
    };
    expect(planRoutes({ uplink: "up0", publics: ["192.0.2.10", "192.0.2.11"] }, state).map(line)).toEqual([
      "ip addr del 192.0.2.20/32 dev up0",
      "ip addr add 192.0.2.11/32 dev up0 label up0:fx",
    ]);
  });

  it("leaves per-network routing alone without networks; routes nothing without an uplink", () => {
    expect(
      planRoutes({ uplink: "up0", publics: ["192.0.2.10"] }, { ...converged, rules: bare.rules }),
    ).toEqual([]);
    expect(planRoutes({ networks: [netA], publics: ["192.0.2.10"] }, bare)).toEqual([]);
    expect(routedNetworks([netA], undefined)).toEqual([]);
  });

  it("gives a carried network without a gateway no address of the host", () => {
    const noGw = { ...netA, gateway: null };
    expect(routedNetworks([noGw, { ...netB, cidr: undefined } as HostNetwork], "up0")).toEqual([]);
    expect(
      planRoutes({ uplink: "up0", networks: [noGw], publics: ["192.0.2.10"] }, converged).map(line),
    ).toEqual(["ip addr del 10.10.0.1/24 dev fxba1"]);
  });

  it.each([
    ["a cidr", { cidr: "10.10.0.0/33" }],
    ["a cidr address", { cidr: "10.10.0.0; ip link del up0/24" }],
    ["a gateway", { gateway: "10.10.0.1 dev lo" }],
  ])("refuses %s that is not one (nothing reaches ip unchecked)", (_what, over) => {
    expect(() => planRoutes({ uplink: "up0", networks: [{ ...netA, ...over }], publics: [] }, bare)).toThrow(
      /not an IPv4 address|bad cidr/,
    );
    expect(() => planRoutes({ uplink: "up0", publics: ["1.2.3.4/8"] }, bare)).toThrow(/not an IPv4/);
  });

  it("refuses public addresses on an uplink whose name leaves no room for our label", () => {
    expect(() => planRoutes({ uplink: "enp0s31f6np0abc", publics: ["192.0.2.10"] }, bare)).toThrow(/label/);
    expect(planRoutes({ uplink: "enp0s31f6np0abc", publics: [] }, bare)).toEqual([]);
  });

  it("reads the sysctls of the routed bridges, the uplink and the namespace (a dot in a name is a slash)", () => {
    expect(sysctlKeys({ uplink: "bond0.20", networks: [netA], publics: ["192.0.2.10"] })).toEqual([
      { dev: "fxba1", key: "net.ipv4.conf.fxba1.forwarding" },
      { dev: "fxba1", key: "net.ipv4.conf.fxba1.arp_ignore" },
      { dev: "bond0.20", key: "net.ipv4.conf.bond0/20.forwarding" },
      { dev: "", key: "net.ipv4.fwmark_reflect" },
    ]);
    expect(sysctlKeys({ uplink: "up0", publics: [] })).toEqual([]);
    expect(sysctlKeys({ uplink: "up0", publics: ["192.0.2.10"] })).toEqual([
      { dev: "up0", key: "net.ipv4.conf.up0.forwarding" },
    ]);
  });
});

describe("route-state parsers (iproute2 6.1 JSON)", () => {
  it("reads IPv4 addresses with their labels and noprefixroute", () => {
    const json = JSON.stringify([
      {
        ifname: "fxba1",
        addr_info: [
          {
            family: "inet",
            local: "10.10.0.1",
            prefixlen: 24,
            scope: "global",
            noprefixroute: true,
            label: "fxba1",
          },
          { family: "inet6", local: "fe80::1", prefixlen: 64 },
        ],
      },
      { ifname: "up0", addr_info: [{ family: "inet", local: "192.0.2.10", prefixlen: 32, label: "up0:fx" }] },
      { ifname: "lo", addr_info: [] },
    ]);
    expect(parseAddrs(json)).toEqual([
      { dev: "fxba1", address: "10.10.0.1", prefixLength: 24, label: "fxba1", noprefixroute: true },
      { dev: "up0", address: "192.0.2.10", prefixLength: 32, label: "up0:fx", noprefixroute: false },
    ]);
  });

  it("reads rules with numeric tables and hex fwmarks", () => {
    const json =
      '[{"priority":0,"src":"all","table":"local"},{"priority":10000,"src":"all","iif":"fxba1","table":"16777377"},' +
      '{"priority":10000,"src":"all","fwmark":"0x10000a1","table":"16777377"},{"priority":32766,"src":"all","table":"main"}]';
    expect(parseRules(json)).toEqual([
      { priority: 0, table: "local" },
      { priority: 10000, table: T_A, iif: "fxba1" },
      { priority: 10000, table: T_A, fwmark: T_A },
      { priority: 32766, table: "main" },
    ]);
  });

  it("keeps routes of our tables and main's defaults only, and finds the uplink's gateway", () => {
    const json = JSON.stringify([
      { dst: "default", gateway: "192.0.2.254", dev: "up0", flags: [] },
      { dst: "default", gateway: "198.51.100.1", dev: "eth1", metric: 5, flags: [] },
      { dst: "192.0.2.0/24", dev: "up0", protocol: "kernel", scope: "link", prefsrc: "192.0.2.1", flags: [] },
      { dst: "10.10.0.0/24", dev: "fxba1", table: "16777377", scope: "link", flags: [] },
      { type: "unreachable", dst: "default", table: "16777393", flags: [] },
      { type: "local", dst: "10.10.0.1", dev: "fxba1", table: "local", flags: [] },
      { dst: "10.0.0.0/8", dev: "eth2", table: "100", flags: [] },
    ]);
    const routes = parseRoutes(json);
    expect(routes).toEqual([
      { table: "main", type: "unicast", dst: "default", dev: "up0", gateway: "192.0.2.254" },
      { table: "main", type: "unicast", dst: "default", dev: "eth1", gateway: "198.51.100.1", metric: 5 },
      { table: T_A, type: "unicast", dst: "10.10.0.0/24", dev: "fxba1", scope: "link" },
      { table: T_B, type: "unreachable", dst: "default" },
    ]);
    expect(uplinkGateway(routes, "up0")).toBe("192.0.2.254");
    expect(uplinkGateway(routes, "eth9")).toBeUndefined();
  });

  it("pairs sysctl values with their keys, and refuses a short answer", () => {
    expect(parseSysctls(["a", "b"], "1\n0\n")).toEqual(
      new Map([
        ["a", "1"],
        ["b", "0"],
      ]),
    );
    expect(() => parseSysctls(["a", "b"], "1\n")).toThrow(/2 keys/);
    expect(() => parseRules('{"x":1}')).toThrow(/not a list/);
  });
});
