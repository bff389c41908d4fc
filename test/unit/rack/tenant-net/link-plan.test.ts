import { planLinks } from "../../../../backend/rack/tenant-net/link-plan";
import {
  type FdbEntry,
  type LinkInfo,
  parseFdb,
  parseLinks,
} from "../../../../backend/rack/tenant-net/link-state";
import type { HostNetwork } from "../../../../sdk/schema/tenant-network-payload";

const fabric = { underlayDevice: "fab0", underlayAddress: "10.255.0.1" };
const netA: HostNetwork = {
  networkId: "net_00000000000000a1",
  segment: { kind: "vxlan", vni: 0xa1 },
  peers: ["10.255.0.2", "10.255.0.3"],
  mtu: 1450,
};
const netV: HostNetwork = {
  networkId: "net_0000000000000007",
  segment: { kind: "vlan", vlanId: 7 },
  peers: [],
  mtu: 1500,
};
const line = (c: readonly string[]) => c.join(" ");

/** What the host has after netA was fully applied. */
function appliedA(): { links: LinkInfo[]; fdb: FdbEntry[] } {
  return {
    links: [
      { name: "fab0", kind: "veth", mtu: 1500, up: true },
      { name: "fxba1", kind: "bridge", mtu: 1450, up: true, nfCallIptables: true },
      {
        name: "fxva1",
        kind: "vxlan",
        mtu: 1450,
        up: true,
        master: "fxba1",
        vni: 0xa1,
        local: "10.255.0.1",
        port: 4789,
        learning: false,
      },
    ],
    fdb: [
      { dev: "fxva1", mac: "00:00:00:00:00:00", dst: "10.255.0.2" },
      { dev: "fxva1", mac: "00:00:00:00:00:00", dst: "10.255.0.3" },
      { dev: "fxva1", mac: "aa:bb:cc:dd:ee:ff" },
    ],
  };
}

describe("planLinks", () => {
  it("creates bridge, VXLAN device and one head-end entry per peer on an empty host", () => {
    const p = planLinks([netA], fabric, [{ name: "fab0", kind: "veth", mtu: 1500, up: true }], []);
    expect(p.commands.map(line)).toEqual([
      "ip link add fxba1 mtu 1450 type bridge nf_call_iptables 1",
      "sysctl -q -w net.ipv6.conf.fxba1.disable_ipv6=1",
      "ip link add fxva1 mtu 1450 type vxlan id 161 local 10.255.0.1 dstport 4789 dev fab0 nolearning",
      "ip link set fxva1 master fxba1",
      "ip link set fxva1 up",
      "ip link set fxba1 up",
      "bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.2",
      "bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.3",
    ]);
    expect(p.kept).toEqual([]);
  });

  it("does nothing when the host already carries the network (idempotent)", () => {
    const { links, fdb } = appliedA();
    expect(planLinks([netA], fabric, links, fdb).commands).toEqual([]);
    expect(planLinks([netA], fabric, links, fdb, { prune: true }).commands).toEqual([]);
  });

  it("never replicates to itself", () => {
    const p = planLinks([{ ...netA, peers: ["10.255.0.1"] }], fabric, [], []);
    expect(p.commands.map(line).filter((c) => c.startsWith("bridge"))).toEqual([]);
  });

  it("follows peers: adds the new, removes the gone", () => {
    const { links, fdb } = appliedA();
    const p = planLinks([{ ...netA, peers: ["10.255.0.3", "10.255.0.4"] }], fabric, links, fdb);
    expect(p.commands.map(line)).toEqual([
      "bridge fdb del 00:00:00:00:00:00 dev fxva1 dst 10.255.0.2",
      "bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.4",
    ]);
  });

  it("fixes MTU, enslavement, state and br_netfilter on existing devices", () => {
    const { links, fdb } = appliedA();
    const drifted = links.map((l) =>
      l.name === "fxba1"
        ? { ...l, mtu: 1500, up: false, nfCallIptables: false }
        : l.name === "fxva1"
          ? { ...l, mtu: 1500, up: false, master: undefined }
          : l,
    );
    expect(planLinks([netA], fabric, drifted, fdb).commands.map(line)).toEqual([
      "ip link set fxba1 mtu 1450",
      "ip link set fxba1 type bridge nf_call_iptables 1",
      "ip link set fxva1 mtu 1450",
      "ip link set fxva1 master fxba1",
      "ip link set fxva1 up",
      "ip link set fxba1 up",
    ]);
  });

  it.each([
    ["another VNI", { vni: 0xa2 }],
    ["another local address", { local: "10.255.0.9" }],
    ["another port", { port: 8472 }],
    ["learning on", { learning: true }],
  ])("re-creates a VXLAN device with %s, with all its peers", (_what, change) => {
    const { links, fdb } = appliedA();
    const bad = links.map((l) => (l.name === "fxva1" ? { ...l, ...change } : l));
    expect(planLinks([netA], fabric, bad, fdb).commands.map(line)).toEqual([
      "ip link del fxva1",
      "ip link add fxva1 mtu 1450 type vxlan id 161 local 10.255.0.1 dstport 4789 dev fab0 nolearning",
      "ip link set fxva1 master fxba1",
      "ip link set fxva1 up",
      "bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.2",
      "bridge fdb append 00:00:00:00:00:00 dev fxva1 dst 10.255.0.3",
    ]);
  });

  it("replaces a device of our bridge's name that is not a bridge", () => {
    const p = planLinks([netA], fabric, [{ name: "fxba1", kind: "dummy", mtu: 1500, up: true }], []);
    expect(p.commands.map(line).slice(0, 2)).toEqual([
      "ip link del fxba1",
      "ip link add fxba1 mtu 1450 type bridge nf_call_iptables 1",
    ]);
  });

  it("makes a VLAN segment as a sub-interface of the underlay", () => {
    const p = planLinks([netV], fabric, [], []);
    expect(p.commands.map(line)).toEqual([
      "ip link add fxbl7 mtu 1500 type bridge nf_call_iptables 1",
      "sysctl -q -w net.ipv6.conf.fxbl7.disable_ipv6=1",
      "ip link add link fab0 name fxl7 mtu 1500 type vlan id 7",
      "ip link set fxl7 master fxbl7",
      "ip link set fxl7 up",
      "ip link set fxbl7 up",
    ]);
    const done: LinkInfo[] = [
      { name: "fxbl7", kind: "bridge", mtu: 1500, up: true, nfCallIptables: true },
      { name: "fxl7", kind: "vlan", mtu: 1500, up: true, master: "fxbl7", vlanId: 7, lower: "fab0" },
    ];
    expect(planLinks([netV], fabric, done, []).commands).toEqual([]);
    const otherLower = done.map((l) => (l.name === "fxl7" ? { ...l, lower: "eth1" } : l));
    expect(planLinks([netV], fabric, otherLower, []).commands.map(line)[0]).toBe("ip link del fxl7");
  });

  it("prunes our devices of networks not wanted, segment devices before bridges, nothing else", () => {
    const { links, fdb } = appliedA();
    const extra: LinkInfo[] = [
      ...links,
      { name: "fxbl7", kind: "bridge", mtu: 1500, up: true },
      { name: "fxl7", kind: "vlan", mtu: 1500, up: true, master: "fxbl7", vlanId: 7, lower: "fab0" },
      { name: "virbr0", kind: "bridge", mtu: 1500, up: true },
      { name: "eth0", kind: "", mtu: 1500, up: true },
    ];
    expect(planLinks([netA], fabric, extra, fdb, { prune: true }).commands.map(line)).toEqual([
      "ip link del fxl7",
      "ip link del fxbl7",
    ]);
    expect(planLinks([], fabric, extra, fdb, { prune: true }).commands.map(line)).toEqual([
      "ip link del fxva1",
      "ip link del fxl7",
      "ip link del fxba1",
      "ip link del fxbl7",
    ]);
    // Without prune, nothing is removed.
    expect(planLinks([netA], fabric, extra, fdb).commands).toEqual([]);
  });

  it("keeps a bridge a tap is still on, and says so", () => {
    const { links, fdb } = appliedA();
    const withTap: LinkInfo[] = [
      ...links,
      { name: "fxt5254000a0001", kind: "tun", mtu: 1450, up: true, master: "fxba1" },
    ];
    const p = planLinks([], fabric, withTap, fdb, { prune: true });
    expect(p.commands.map(line)).toEqual(["ip link del fxva1"]);
    expect(p.kept).toEqual(["fxba1"]);
  });

  it("refuses two networks on one segment", () => {
    expect(() => planLinks([netA, { ...netA, networkId: "net_00000000000000a2" }], fabric, [], [])).toThrow(
      /two networks on one segment/,
    );
  });
});

describe("link-state parsers (iproute2 JSON as `ip -j -d link` / `bridge -j fdb` print it)", () => {
  it("reads bridges, VXLAN and VLAN devices and taps", () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536 },
      {
        ifname: "fxba1",
        flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        mtu: 1450,
        linkinfo: { info_kind: "bridge", info_data: { stp_state: 0, nf_call_iptables: 1 } },
      },
      {
        ifname: "fxva1",
        flags: ["BROADCAST", "MULTICAST"],
        mtu: 1450,
        master: "fxba1",
        linkinfo: {
          info_kind: "vxlan",
          info_data: { id: 161, local: "10.255.0.1", port: 4789, learning: false },
          info_slave_kind: "bridge",
        },
      },
      {
        ifname: "fxl7",
        link: "fab0",
        flags: ["UP"],
        mtu: 1500,
        linkinfo: { info_kind: "vlan", info_data: { protocol: "802.1Q", id: 7 } },
      },
      {
        ifname: "fxt5254000a0001",
        flags: ["UP"],
        mtu: 1450,
        master: "fxba1",
        linkinfo: { info_kind: "tun" },
      },
    ]);
    expect(parseLinks(json)).toEqual([
      { name: "lo", kind: "", mtu: 65536, up: true },
      { name: "fxba1", kind: "bridge", mtu: 1450, up: true, nfCallIptables: true },
      {
        name: "fxva1",
        kind: "vxlan",
        mtu: 1450,
        up: false,
        master: "fxba1",
        vni: 161,
        local: "10.255.0.1",
        port: 4789,
        learning: false,
      },
      { name: "fxl7", kind: "vlan", mtu: 1500, up: true, vlanId: 7, lower: "fab0" },
      { name: "fxt5254000a0001", kind: "tun", mtu: 1450, up: true, master: "fxba1" },
    ]);
    expect(parseLinks("")).toEqual([]);
    expect(() => parseLinks("{}")).toThrow(/not a list/);
  });

  it("reads FDB entries with and without a remote", () => {
    const json =
      '[{"mac":"33:33:00:00:00:01","ifname":"fxba1","flags":["self"],"state":"permanent"},' +
      '{"mac":"00:00:00:00:00:00","ifname":"fxva1","dst":"10.255.0.2","flags":["self"],"state":"permanent"}]';
    expect(parseFdb(json)).toEqual([
      { dev: "fxba1", mac: "33:33:00:00:00:01" },
      { dev: "fxva1", mac: "00:00:00:00:00:00", dst: "10.255.0.2" },
    ]);
  });
});
