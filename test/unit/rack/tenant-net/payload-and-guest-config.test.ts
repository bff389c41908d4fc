/**
 * The rack's side of the contract: payload readers for tenant NICs/networks and the VM host's
 * fabric, the TenantNic → compose mapping, the domain's tenant interfaces and the seed's
 * network-config for several NICs. Pure.
 */
import { parse as parseYaml } from "yaml";
import { buildDomainXml, type DomainSpec, parseDomainXml } from "../../../../backend/libvirt/domain-xml";
import { buildNetworkConfig, buildNetworkConfigs, buildNoCloud } from "../../../../backend/libvirt/seed-iso";
import { TaskError } from "../../../../backend/rack/executor";
import { hostConfig, optNetworks, optNics } from "../../../../backend/rack/executors/payload";
import { nicSpec, tenantMacs } from "../../../../backend/rack/tenant-net/nic-spec";
import type { TenantNic } from "../../../../sdk/schema/tenant-network-payload";

const nic: TenantNic = {
  networkId: "net_00000000000000a1",
  segment: { kind: "vxlan", vni: 0xa1 },
  mac: "52:54:00:0A:00:01",
  ipv4: "10.10.0.2",
  prefixLength: 24,
  gateway: "10.10.0.1",
  dns: ["10.10.0.1"],
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, sources: ["0.0.0.0/0"] }],
};

function failure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TaskError ? `${e.code}: ${e.message}` : `OTHER: ${String(e)}`;
  }
  return undefined;
}

describe("tenant payload readers", () => {
  it("reads nics and networks, and their absence as undefined (a VM as before)", () => {
    expect(optNics({ nics: [nic] }, "vm.create")).toEqual([nic]);
    expect(optNics({}, "vm.create")).toBeUndefined();
    expect(optNics({ nics: null }, "vm.create")).toBeUndefined();
    const net = { networkId: nic.networkId, segment: nic.segment, peers: ["10.255.0.2"], mtu: 1450 };
    expect(optNetworks({ networks: [net] }, "vm.delete")).toEqual([net]);
    expect(optNetworks({}, "vm.delete")).toBeUndefined();
  });

  it.each([
    [{ nics: [{ ...nic, segment: { kind: "vxlan", vni: 0 } }] }, "/nics/0/segment"],
    [{ nics: [{ ...nic, ingress: [{ protocol: "sctp", sources: [] }] }] }, "/nics/0/ingress/0/protocol"],
    [{ nics: [{ ...nic, extra: 1 }] }, "/nics/0"],
    [{ nics: "eth0" }, "nics"],
  ])("refuses a malformed nics list as BAD_PAYLOAD naming the field (%#)", (p, field) => {
    const f = failure(() => optNics(p, "vm.create"));
    expect(f).toMatch(/^BAD_PAYLOAD: vm\.create task: /);
    expect(f).toContain(field.startsWith("/") ? field.replace("/nics", "nics") : field);
  });

  it("refuses malformed networks", () => {
    expect(failure(() => optNetworks({ networks: [{ networkId: "x" }] }, "host.reconcile"))).toMatch(
      /^BAD_PAYLOAD/,
    );
  });

  it("reads the host's fabric and netns, and a host without them as before", () => {
    const fabric = { underlayDevice: "fab0", underlayAddress: "10.255.0.1", uplinkDevice: "eno1" };
    expect(hostConfig({ host: { uri: "qemu:///system", fabric, netns: "h1" } }, "vm.create")).toEqual({
      uri: "qemu:///system",
      fabric,
      netns: "h1",
    });
    expect(hostConfig({ host: { uri: "qemu:///system", bridge: "br0" } }, "vm.create")).toEqual({
      uri: "qemu:///system",
      bridge: "br0",
    });
    expect(
      failure(() =>
        hostConfig({ host: { uri: "qemu:///system", fabric: { underlayDevice: "fab0" } } }, "vm.create"),
      ),
    ).toMatch(/^BAD_PAYLOAD: vm\.create task: host\.fabric/);
  });
});

describe("a tenant NIC in the domain and in the seed", () => {
  it("maps a TenantNic to its bridge, tap and static addressing", () => {
    expect(nicSpec(nic)).toEqual({
      bridge: "fxba1",
      mac: "52:54:00:0a:00:01",
      tap: "fxt5254000a0001",
      network: {
        mac: "52:54:00:0a:00:01",
        static: { addresses: ["10.10.0.2/24"], gateway4: "10.10.0.1", nameservers: ["10.10.0.1"] },
      },
    });
    const bare = nicSpec({ ...nic, gateway: null, dns: [] });
    expect(bare.network.static).toEqual({ addresses: ["10.10.0.2/24"] });
    expect(bare.network.mtu).toBeUndefined();
    expect(nicSpec(nic, 1450).network.mtu).toBe(1450);
  });

  it("puts one bridge interface per tenant NIC in the domain, with its MAC and tap, and reads them back", () => {
    const spec: DomainSpec = {
      name: "fbx-t1",
      vcpus: 1,
      memoryMiB: 128,
      disk: { pool: "p", volume: "v", format: "qcow2" },
      tenantNics: [
        { bridge: "fxba1", mac: "52:54:00:0a:00:01", tap: "fxt5254000a0001" },
        { bridge: "fxbb1", mac: "52:54:00:0b:00:01", tap: "fxt5254000b0001" },
      ],
      meta: { id: "vm_1", tenant: "t" },
    };
    const d = parseDomainXml(buildDomainXml(spec));
    expect(d.interfaces).toEqual([
      {
        type: "bridge",
        mac: "52:54:00:0a:00:01",
        bridge: "fxba1",
        model: "virtio",
        target: "fxt5254000a0001",
      },
      {
        type: "bridge",
        mac: "52:54:00:0b:00:01",
        bridge: "fxbb1",
        model: "virtio",
        target: "fxt5254000b0001",
      },
    ]);
    expect(tenantMacs(d.interfaces)).toEqual(["52:54:00:0a:00:01", "52:54:00:0b:00:01"]);
    expect(tenantMacs([{ bridge: "br0", mac: "52:54:00:00:00:09" }, { bridge: "fxba1" }])).toEqual([]);
    // One tenant NIC alone, and beside the host-bridge NIC.
    expect(
      parseDomainXml(buildDomainXml({ ...spec, tenantNics: spec.tenantNics!.slice(0, 1) })).interfaces,
    ).toHaveLength(1);
    const both = parseDomainXml(buildDomainXml({ ...spec, nic: { bridge: "br0" } })).interfaces;
    expect(both.map((i) => i.bridge)).toEqual(["br0", "fxba1", "fxbb1"]);
    expect(() =>
      buildDomainXml({ ...spec, tenantNics: [{ bridge: "fxba1", mac: "x", tap: "fxt1" }] }),
    ).toThrow(/MAC/);
    expect(() =>
      buildDomainXml({ ...spec, tenantNics: [{ bridge: "a b", mac: "52:54:00:0a:00:01", tap: "fxt1" }] }),
    ).toThrow(/bridge or tap/);
  });

  it("writes network-config v2 for several NICs: matched by MAC, static, one default route", () => {
    const a = nicSpec(nic).network;
    const b = nicSpec({
      ...nic,
      mac: "52:54:00:0b:00:01",
      ipv4: "10.20.0.5",
      gateway: "10.20.0.1",
      dns: [],
    }).network;
    const text = buildNetworkConfigs([a, b]);
    expect(text).toBe(
      [
        "version: 2",
        "ethernets:",
        "  nic0:",
        "    match:",
        '      macaddress: "52:54:00:0a:00:01"',
        "    set-name: eth0",
        "    dhcp4: false",
        "    addresses:",
        '      - "10.10.0.2/24"',
        "    routes:",
        '      - to: "default"',
        '        via: "10.10.0.1"',
        "    nameservers:",
        '      addresses: ["10.10.0.1"]',
        "  nic1:",
        "    match:",
        '      macaddress: "52:54:00:0b:00:01"',
        "    set-name: eth1",
        "    dhcp4: false",
        "    addresses:",
        '      - "10.20.0.5/24"',
        "",
      ].join("\n"),
    );
    // Valid YAML with the v2 structure cloud-init reads (network-config-format-v2.rst).
    expect(parseYaml(text)).toEqual({
      version: 2,
      ethernets: {
        nic0: {
          match: { macaddress: "52:54:00:0a:00:01" },
          "set-name": "eth0",
          dhcp4: false,
          addresses: ["10.10.0.2/24"],
          routes: [{ to: "default", via: "10.10.0.1" }],
          nameservers: { addresses: ["10.10.0.1"] },
        },
        nic1: {
          match: { macaddress: "52:54:00:0b:00:01" },
          "set-name": "eth1",
          dhcp4: false,
          addresses: ["10.20.0.5/24"],
        },
      },
    });
    // One NIC: exactly what buildNetworkConfig always wrote.
    expect(buildNetworkConfigs([a])).toBe(buildNetworkConfig(a));
    expect(() => buildNetworkConfigs([])).toThrow(/needs a NIC/);
    expect(parseYaml(buildNetworkConfigs([{ ...a, mtu: 1450 }])).ethernets.nic0.mtu).toBe(1450);
    expect(() => buildNetworkConfigs([{ ...a, mtu: 100 }])).toThrow(/invalid MTU/);
    expect(buildNoCloud({ instanceId: "vm_1", hostname: "a1", networks: [a, b] })["network-config"]).toBe(
      text,
    );
    expect(buildNoCloud({ instanceId: "vm_1", hostname: "a1" })["network-config"]).toBeUndefined();
  });
});
