import fc from "fast-check";
import { netmaskOf, renderDnsmasqConfig, renderHosts } from "../../../backend/rack/boot/dnsmasq-config";
import type { RackConfig } from "../../../sdk/schema/rack-agent";

const config = (over: Partial<RackConfig> = {}): RackConfig => ({
  rackId: "rck_1",
  regionId: "rgn_1",
  dnsDomain: "girona.fibrix.example",
  subnet: "10.77.0.0/24",
  gateway: null,
  dhcpRange: { start: "10.77.0.100", end: "10.77.0.200" },
  machines: [
    {
      id: "m1",
      hostname: "pe860-01",
      macs: ["52:54:00:77:00:10"],
      ip: null,
      status: "New",
      boot: "commission",
    },
    {
      id: "m2",
      hostname: "pe860-02",
      macs: ["52-54-00-77-00-11", "52:54:00:77:00:12"],
      ip: "10.77.0.20",
      status: "Deployed",
      boot: "local",
    },
  ],
  heartbeatIntervalMs: 10000,
  ...over,
});
const input = (c: RackConfig = config()) => ({
  config: c,
  interface: "br0",
  bootUrl: "http://10.77.0.1:8080",
  tftpRoot: "/var/lib/fibrix/tftp",
  leaseFile: "/var/lib/fibrix/leases",
  hostsFile: "/var/lib/fibrix/hosts",
});

test("the main config serves DHCP only on its interface, no DNS, and chains PXE to iPXE over HTTP", () => {
  const { main } = renderDnsmasqConfig(input());
  const lines = main.split("\n");
  for (const l of [
    "port=0",
    "interface=br0",
    "bind-interfaces",
    "dhcp-range=10.77.0.100,10.77.0.200,255.255.255.0,3600",
    "dhcp-option=option:router",
    "dhcp-hostsfile=/var/lib/fibrix/hosts",
    "dhcp-leasefile=/var/lib/fibrix/leases",
    "dhcp-match=set:ipxe,175",
    "dhcp-boot=tag:ipxe,http://10.77.0.1:8080/boot.ipxe",
    "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe",
    "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi",
    "enable-tftp",
    "tftp-root=/var/lib/fibrix/tftp",
  ]) {
    expect(lines).toContain(l);
  }
  expect(lines.filter((l) => l.startsWith("dhcp-match=set:efi64,option:client-arch,"))).toEqual([
    "dhcp-match=set:efi64,option:client-arch,7",
    "dhcp-match=set:efi64,option:client-arch,9",
  ]);
});

test("a gateway becomes the router option; the main config does not change with the machines", () => {
  const a = renderDnsmasqConfig(input(config({ gateway: "10.77.0.1" })));
  expect(a.main).toContain("dhcp-option=option:router,10.77.0.1\n");
  const b = renderDnsmasqConfig(input(config({ gateway: "10.77.0.1", machines: [] })));
  expect(b.main).toBe(a.main);
  expect(b.hosts).toBe("");
});

test("one reservation per MAC with the machine's fixed IP and hostname; MACs normalised; duplicates once", () => {
  const { hosts } = renderDnsmasqConfig({
    ...input(),
    extraHosts: [{ mac: "52:54:00:77:00:10", hostname: "again" }, { mac: "52:54:00:77:00:99" }],
  });
  expect(hosts).toBe(
    [
      "52:54:00:77:00:10,pe860-01",
      "52:54:00:77:00:11,10.77.0.20,pe860-02",
      "52:54:00:77:00:12,10.77.0.20,pe860-02",
      "52:54:00:77:00:99",
      "",
    ].join("\n"),
  );
});

test.each([
  ["interface", { interface: "br0\nport=53" }],
  ["boot URL", { bootUrl: "http://10.77.0.1/boot.ipxe\ndhcp-script=/bin/sh" }],
  ["boot URL with a comma", { bootUrl: "http://a,b/" }],
  ["TFTP root", { tftpRoot: "relative/dir" }],
  ["lease file", { leaseFile: "/x y" }],
])("an unsafe %s is refused", (_what, over) => {
  expect(() => renderDnsmasqConfig({ ...input(), ...over })).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_CONFIG" }),
  );
});

test.each([
  ["range outside the subnet", { dhcpRange: { start: "10.78.0.1", end: "10.78.0.9" } }],
  ["range reversed", { dhcpRange: { start: "10.77.0.200", end: "10.77.0.100" } }],
  ["gateway outside the subnet", { gateway: "192.0.2.1" }],
  ["bad subnet", { subnet: "10.77.0.0/33" }],
  [
    "hostname with a newline",
    {
      machines: [
        {
          id: "m",
          hostname: "a\nb",
          macs: ["52:54:00:00:00:01"],
          ip: null,
          status: "New",
          boot: "none" as const,
        },
      ],
    },
  ],
  [
    "malformed MAC",
    {
      machines: [
        { id: "m", hostname: "a", macs: ["52:54:00:00:00"], ip: null, status: "New", boot: "none" as const },
      ],
    },
  ],
  [
    "fixed IP outside the subnet",
    {
      machines: [
        {
          id: "m",
          hostname: "a",
          macs: ["52:54:00:00:00:01"],
          ip: "10.1.1.1",
          status: "New",
          boot: "none" as const,
        },
      ],
    },
  ],
])("a config with a %s is refused", (_what, over) => {
  expect(() => renderDnsmasqConfig(input(config(over)))).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_CONFIG" }),
  );
});

test("netmasks of every prefix length", () => {
  expect(netmaskOf("10.0.0.0/0")).toBe("0.0.0.0");
  expect(netmaskOf("10.0.0.0/8")).toBe("255.0.0.0");
  expect(netmaskOf("10.77.0.0/23")).toBe("255.255.254.0");
  expect(netmaskOf("10.77.0.5/32")).toBe("255.255.255.255");
});

test("property: whatever hostnames come from the region, the hosts file is one valid line per MAC or refused", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.string()), { maxLength: 20 }),
      (rows) => {
        const hosts = rows.map(([b, hostname]) => ({
          mac: [...b].map((x) => x.toString(16).padStart(2, "0")).join(":"),
          hostname,
        }));
        let out: string;
        try {
          out = renderHosts(hosts, "10.77.0.0/24");
        } catch (e) {
          expect((e as { code: string }).code).toBe("BOOT_BAD_CONFIG");
          return;
        }
        const lines = out.split("\n").filter(Boolean);
        expect(lines.length).toBe(new Set(hosts.map((h) => h.mac)).size);
        for (const l of lines) expect(l).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}(,[a-z0-9-]+)?$/);
      },
    ),
  );
});
