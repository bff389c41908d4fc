import {
  publicAddresses,
  pruneNftScript,
  removeTapsNftScript,
  tapOfChain,
  vmNftScript,
  zoneOf,
} from "../../../../backend/rack/tenant-net/nft-plan";
import { type NftState, parseNftRuleset } from "../../../../backend/rack/tenant-net/nft-state";
import type { TenantNic } from "../../../../sdk/schema/tenant-network-payload";

const EMPTY: NftState = { tables: [], chains: [], elements: [], counters: [] };
const TAP = "fxt5254000a0001";
const nic = (over: Partial<TenantNic> = {}): TenantNic => ({
  networkId: "net_00000000000000a1",
  segment: { kind: "vxlan", vni: 0xa1 },
  mac: "52:54:00:0A:00:01",
  ipv4: "10.10.0.2",
  prefixLength: 24,
  gateway: null,
  dns: [],
  ingress: [
    { protocol: "icmp", sources: ["10.10.0.0/24"] },
    { protocol: "tcp", fromPort: 8080, toPort: 8080, sources: ["10.10.0.0/24", "192.0.2.7"] },
    { protocol: "udp", fromPort: 5000, toPort: 5010, sources: ["0.0.0.0/0"] },
    { protocol: "tcp", sources: ["10.20.0.0/16"] },
    { protocol: "any", sources: ["10.30.0.1/32"] },
    { protocol: "tcp", fromPort: 22, toPort: 22, sources: [] },
  ],
  ...over,
});
const rulesOf = (script: string, chain: string) =>
  script
    .split("\n")
    .filter((l) => l.startsWith("add rule ") && l.split(" ")[4] === chain)
    .map((l) => l.split(" ").slice(5).join(" "));

describe("vmNftScript", () => {
  const s = vmNftScript([nic()], EMPTY);

  it("creates our tables and dispatching base chains, idempotently (add + flush, never a bare rule twice)", () => {
    const lines = s.split("\n");
    for (const t of ["add table bridge fibrix", "add table inet fibrix"]) expect(lines).toContain(t);
    expect(lines).toContain("flush chain bridge fibrix forward");
    expect(lines.indexOf("flush chain bridge fibrix forward")).toBeLessThan(
      lines.indexOf("add rule bridge fibrix forward iifname vmap @from_vm"),
    );
    expect(lines).toContain("add rule bridge fibrix input iifname vmap @from_vm");
    expect(lines).toContain("add rule inet fibrix pre ct zone set iifname map @zones");
    expect(lines).toContain("add rule inet fibrix forward oifname . ip daddr vmap @to_vm");
    expect(s).not.toContain("fibrix_nat");
  });

  it("lets frames out of the tap only with its MAC, ARP and IPv4 only for its address", () => {
    expect(rulesOf(s, `out_${TAP}`)).toEqual([
      'ether saddr != 52:54:00:0a:00:01 counter drop comment "spoof-mac"',
      'arp saddr ether != 52:54:00:0a:00:01 counter drop comment "spoof-arp-mac"',
      'arp saddr ip != 10.10.0.2 counter drop comment "spoof-arp-ip"',
      "ether type arp accept",
      'ip saddr != 10.10.0.2 counter drop comment "spoof-ip"',
      "ether type ip accept",
      'counter drop comment "out-other"',
    ]);
  });

  it("lets in only ARP for the VM and IPv4 to its address", () => {
    expect(rulesOf(s, `in_${TAP}`)).toEqual([
      "arp operation reply accept",
      "arp daddr ip != 10.10.0.2 drop",
      "ether type arp accept",
      "ip daddr != { 10.10.0.2, 255.255.255.255 } drop",
      'ether type ip counter accept comment "in-ip"',
      "drop",
    ]);
  });

  it("turns each ingress rule into one accept after established/related, then drops the rest", () => {
    expect(rulesOf(s, `sg_${TAP}`)).toEqual([
      "ct state established,related accept",
      "ct state invalid drop",
      "ip saddr { 10.10.0.0/24 } meta l4proto icmp accept",
      "ip saddr { 10.10.0.0/24, 192.0.2.7 } tcp dport 8080 accept",
      "ip saddr { 0.0.0.0/0 } udp dport 5000-5010 accept",
      "ip saddr { 10.20.0.0/16 } meta l4proto tcp accept",
      "ip saddr { 10.30.0.1/32 } accept",
      'counter drop comment "sg-drop"',
    ]);
  });

  it("maps the tap and (bridge . address) to the VM's chains, and the bridge to its zone", () => {
    const lines = s.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        `add element bridge fibrix from_vm { "${TAP}" : jump out_${TAP} }`,
        `add element bridge fibrix to_vm { "${TAP}" : jump in_${TAP} }`,
        'add element inet fibrix zones { "fxba1" : 161 }',
        `add element inet fibrix to_vm { "fxba1" . 10.10.0.2 : jump sg_${TAP} }`,
      ]),
    );
    // Each per-tap chain is flushed before it is filled: a re-run replaces, never appends.
    for (const c of [`out_${TAP}`, `in_${TAP}`, `sg_${TAP}`]) {
      expect(
        lines.indexOf(`flush chain ${c.startsWith("sg") ? "inet" : "bridge"} fibrix ${c}`),
      ).toBeGreaterThan(lines.indexOf(`add chain ${c.startsWith("sg") ? "inet" : "bridge"} fibrix ${c}`));
    }
  });

  it("takes an address back from a VM that held it before", () => {
    const state: NftState = {
      ...EMPTY,
      elements: [
        {
          family: "inet",
          table: "fibrix",
          map: "to_vm",
          key: '"fxba1" . 10.10.0.2',
          jump: "sg_fxt5254000a00ff",
        },
        {
          family: "inet",
          table: "fibrix",
          map: "to_vm",
          key: '"fxba1" . 10.10.0.9',
          jump: "sg_fxt5254000a0009",
        },
      ],
    };
    const lines = vmNftScript([nic()], state).split("\n");
    expect(lines).toContain('delete element inet fibrix to_vm { "fxba1" . 10.10.0.2 }');
    expect(lines).not.toContain('delete element inet fibrix to_vm { "fxba1" . 10.10.0.9 }');
  });

  it("NATs a public address 1:1 on the uplink", () => {
    const n = vmNftScript([nic({ publicIpv4: "192.0.2.50" })], EMPTY, { uplink: "eno1" });
    expect(n).toContain('add rule ip fibrix_nat pre iifname "eno1" ip daddr vmap @dnat_vm');
    expect(n).toContain('add rule ip fibrix_nat post oifname "eno1" iifname . ip saddr vmap @snat_vm');
    expect(rulesOf(n, `dnat_${TAP}`)).toEqual(["dnat to 10.10.0.2"]);
    expect(rulesOf(n, `snat_${TAP}`)).toEqual(["snat to 192.0.2.50"]);
    expect(n).toContain(`add element ip fibrix_nat dnat_vm { 192.0.2.50 : jump dnat_${TAP} }`);
    expect(n).toContain(`add element ip fibrix_nat snat_vm { "fxba1" . 10.10.0.2 : jump snat_${TAP} }`);
    expect(() => vmNftScript([nic({ publicIpv4: "192.0.2.50" })], EMPTY)).toThrow(/uplinkDevice/);
  });

  it("removes the NAT of a detached public address", () => {
    const state: NftState = {
      ...EMPTY,
      chains: [
        { family: "ip", table: "fibrix_nat", name: `dnat_${TAP}` },
        { family: "ip", table: "fibrix_nat", name: `snat_${TAP}` },
      ],
      elements: [
        { family: "ip", table: "fibrix_nat", map: "dnat_vm", key: "192.0.2.50", jump: `dnat_${TAP}` },
        {
          family: "ip",
          table: "fibrix_nat",
          map: "snat_vm",
          key: '"fxba1" . 10.10.0.2',
          jump: `snat_${TAP}`,
        },
      ],
    };
    const lines = vmNftScript([nic()], state).split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "delete element ip fibrix_nat dnat_vm { 192.0.2.50 }",
        'delete element ip fibrix_nat snat_vm { "fxba1" . 10.10.0.2 }',
        `delete chain ip fibrix_nat dnat_${TAP}`,
        `delete chain ip fibrix_nat snat_${TAP}`,
      ]),
    );
  });

  it("routes a public address: mark and conntrack zone of its network before conntrack, its way out", () => {
    const n = vmNftScript([nic({ publicIpv4: "192.0.2.50", gateway: "10.10.0.1" })], EMPTY, {
      uplink: "eno1",
    });
    const lines = n.split("\n");
    expect(lines).toContain(
      "add chain ip fibrix_nat raw { type filter hook prerouting priority -300 ; policy accept ; }",
    );
    expect(lines).toContain('add rule ip fibrix_nat raw iifname "eno1" ip daddr vmap @mark_vm');
    // The network's table (names.ts routeTableOf) and the zone its bridge has: one entry per NATed flow.
    expect(rulesOf(n, `mark_${TAP}`)).toEqual([`meta mark set ${0x10000a1} ct zone set ${0xa1}`]);
    expect(lines).toContain(`add element ip fibrix_nat mark_vm { 192.0.2.50 : jump mark_${TAP} }`);
    expect(lines).toContain(`add element inet fibrix zones { "fxba1" : ${0xa1} }`);
    // Out of the host only from this NIC's (bridge . address).
    expect(rulesOf(n, `pub_${TAP}`)).toEqual(["accept"]);
    expect(lines).toContain(`add element inet fibrix public_src { "fxba1" . 10.10.0.2 : jump pub_${TAP} }`);
    // The gateway answers pings; the bridge's traffic carries its table as mark.
    expect(lines).toContain('add element inet fibrix gateways { "fxba1" . 10.10.0.1 : accept }');
    expect(lines).toContain(`add element inet fibrix marks { "fxba1" : ${0x10000a1} }`);
    // What was not NATed never reaches the host; new uplink flows not ours are not forwarded.
    expect(rulesOf(n, "input")).toEqual(
      expect.arrayContaining([
        'iifname "eno1" meta mark 16777216-33558527 counter drop comment "public-to-host"',
        'iifname "fxb*" counter drop comment "to-host"',
      ]),
    );
    expect(rulesOf(n, "forward")).toEqual(
      expect.arrayContaining([
        'iifname "eno1" ct state new meta mark != 16777216-33558527 counter drop comment "uplink-forward"',
      ]),
    );
  });

  it("keeps a tenant's bridge from the host and from routing: base rules in order", () => {
    expect(
      rulesOf(s, "forward").filter((r) => r.includes("fxb*") || r.includes(". ip daddr vmap @to_vm")),
    ).toEqual([
      "oifname . ip daddr vmap @to_vm",
      'iifname "fxb*" oifname != "fxb*" iifname . ip saddr vmap @public_src',
      'iifname "fxb*" oifname != "fxb*" counter drop comment "routed-private"',
    ]);
    expect(rulesOf(s, "input").filter((r) => r.includes("fxb*"))).toEqual([
      'iifname "fxb*" icmp type echo-request iifname . ip daddr vmap @gateways',
      'iifname "fxb*" counter drop comment "to-host"',
    ]);
    // No gateway, no uplink: no way out, no mark, no gateway to ping.
    expect(s).not.toMatch(/add element inet fibrix (public_src|gateways|marks) /);
    const noUplink = vmNftScript([nic({ gateway: "10.10.0.1" })], EMPTY);
    expect(noUplink).toContain('add element inet fibrix gateways { "fxba1" . 10.10.0.1 : accept }');
    expect(noUplink).not.toContain("add element inet fibrix marks");
  });

  it("replaces a network's gateway element when its gateway changed", () => {
    const state: NftState = {
      ...EMPTY,
      elements: [
        { family: "inet", table: "fibrix", map: "gateways", key: '"fxba1" . 10.10.0.254' },
        { family: "inet", table: "fibrix", map: "gateways", key: '"fxbb1" . 10.10.0.254' },
      ],
    };
    const lines = vmNftScript([nic({ gateway: "10.10.0.1" })], state).split("\n");
    expect(lines).toContain('delete element inet fibrix gateways { "fxba1" . 10.10.0.254 }');
    expect(lines).not.toContain('delete element inet fibrix gateways { "fxbb1" . 10.10.0.254 }');
  });

  it("removes the routing of a detached public address too, and reads which addresses are NATed", () => {
    const state: NftState = {
      ...EMPTY,
      chains: [
        { family: "inet", table: "fibrix", name: `pub_${TAP}` },
        { family: "ip", table: "fibrix_nat", name: `mark_${TAP}` },
      ],
      elements: [
        { family: "ip", table: "fibrix_nat", map: "dnat_vm", key: "192.0.2.50", jump: `dnat_${TAP}` },
        { family: "ip", table: "fibrix_nat", map: "mark_vm", key: "192.0.2.50", jump: `mark_${TAP}` },
        {
          family: "inet",
          table: "fibrix",
          map: "public_src",
          key: '"fxba1" . 10.10.0.2',
          jump: `pub_${TAP}`,
        },
      ],
    };
    expect(publicAddresses(state)).toEqual(["192.0.2.50"]);
    const lines = vmNftScript([nic()], state).split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "delete element ip fibrix_nat mark_vm { 192.0.2.50 }",
        'delete element inet fibrix public_src { "fxba1" . 10.10.0.2 }',
        `delete chain ip fibrix_nat mark_${TAP}`,
        `delete chain inet fibrix pub_${TAP}`,
      ]),
    );
    // Elements go before the chains they jump to (one transaction, in order).
    expect(lines.indexOf('delete element inet fibrix public_src { "fxba1" . 10.10.0.2 }')).toBeLessThan(
      lines.indexOf(`delete chain inet fibrix pub_${TAP}`),
    );
  });

  it.each([
    ["an address", { ipv4: "10.10.0.2; flush ruleset" }],
    ["a MAC", { mac: "52:54:00:0a:00:01 }" }],
    ["a source", { ingress: [{ protocol: "any" as const, sources: ["10.0.0.0/8 } accept"] }] }],
    ["a prefix", { ingress: [{ protocol: "any" as const, sources: ["10.0.0.0/33"] }] }],
    ["a public address", { publicIpv4: "1.2.3.4.5" }],
  ])("refuses %s that is not one (nothing reaches nft unchecked)", (_what, over) => {
    expect(() => vmNftScript([nic(over)], EMPTY, { uplink: "eno1" })).toThrow(/BAD_PAYLOAD|not|bad|invalid/i);
  });

  it("refuses a port range upside down", () => {
    expect(() =>
      vmNftScript(
        [nic({ ingress: [{ protocol: "tcp", fromPort: 90, toPort: 80, sources: ["0.0.0.0/0"] }] })],
        EMPTY,
      ),
    ).toThrow(/above toPort/);
  });

  it("gives each segment a 16-bit conntrack zone", () => {
    expect(zoneOf({ segment: { kind: "vxlan", vni: 0xa1 } })).toBe(161);
    expect(zoneOf({ segment: { kind: "vxlan", vni: 65536 } })).toBe(1);
    expect(zoneOf({ segment: { kind: "vlan", vlanId: 7 } })).toBe(7);
  });
});

describe("removal and pruning", () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: "1.0.6" } },
      { table: { family: "bridge", name: "fibrix", handle: 1 } },
      { table: { family: "inet", name: "fibrix", handle: 2 } },
      { table: { family: "inet", name: "filter", handle: 3 } },
      { chain: { family: "bridge", table: "fibrix", name: "forward", handle: 1 } },
      { chain: { family: "bridge", table: "fibrix", name: `out_${TAP}`, handle: 2 } },
      { chain: { family: "bridge", table: "fibrix", name: "out_fxt5254000b0001", handle: 3 } },
      { chain: { family: "inet", table: "fibrix", name: `sg_${TAP}`, handle: 4 } },
      { chain: { family: "inet", table: "filter", name: `sg_${TAP}`, handle: 5 } },
      {
        map: {
          family: "bridge",
          table: "fibrix",
          name: "from_vm",
          type: "ifname",
          map: "verdict",
          elem: [
            [TAP, { jump: { target: `out_${TAP}` } }],
            ["fxt5254000b0001", { jump: { target: "out_fxt5254000b0001" } }],
          ],
        },
      },
      {
        map: {
          family: "inet",
          table: "fibrix",
          name: "zones",
          type: "ifname",
          map: "integer",
          elem: [
            ["fxba1", 161],
            ["fxbb1", 177],
          ],
        },
      },
      {
        map: {
          family: "inet",
          table: "fibrix",
          name: "to_vm",
          type: ["ifname", "ipv4_addr"],
          map: "verdict",
          elem: [[{ concat: ["fxba1", "10.10.0.2"] }, { jump: { target: `sg_${TAP}` } }]],
        },
      },
      {
        rule: {
          family: "inet",
          table: "fibrix",
          chain: `sg_${TAP}`,
          handle: 9,
          comment: "sg-drop",
          expr: [{ counter: { packets: 7, bytes: 420 } }, { drop: null }],
        },
      },
    ],
  });
  const state = parseNftRuleset(json);

  it("reads only our tables, their chains, elements and commented counters", () => {
    expect(state.tables).toEqual([
      { family: "bridge", name: "fibrix" },
      { family: "inet", name: "fibrix" },
    ]);
    expect(state.chains.map((c) => c.name)).toEqual([
      "forward",
      `out_${TAP}`,
      "out_fxt5254000b0001",
      `sg_${TAP}`,
    ]);
    expect(state.elements).toContainEqual({
      family: "inet",
      table: "fibrix",
      map: "to_vm",
      key: '"fxba1" . 10.10.0.2',
      jump: `sg_${TAP}`,
    });
    expect(state.elements).toContainEqual({
      family: "inet",
      table: "fibrix",
      map: "zones",
      key: '"fxbb1"',
      value: "177",
    });
    expect(state.counters).toEqual([
      { family: "inet", table: "fibrix", name: `sg_${TAP}`, comment: "sg-drop", packets: 7, bytes: 420 },
    ]);
  });

  it("removes a VM's elements before its chains, and nothing of other VMs", () => {
    expect(removeTapsNftScript(new Set([TAP]), state)).toBe(
      [
        `delete element bridge fibrix from_vm { "${TAP}" }`,
        'delete element inet fibrix to_vm { "fxba1" . 10.10.0.2 }',
        `delete chain bridge fibrix out_${TAP}`,
        `delete chain inet fibrix sg_${TAP}`,
        "",
      ].join("\n"),
    );
    expect(removeTapsNftScript(new Set(["fxt5254000c0001"]), state)).toBeNull();
  });

  it("prunes the taps and zones not kept", () => {
    expect(pruneNftScript(new Set([TAP]), new Set(["fxba1"]), state)).toBe(
      [
        'delete element bridge fibrix from_vm { "fxt5254000b0001" }',
        'delete element inet fibrix zones { "fxbb1" }',
        "delete chain bridge fibrix out_fxt5254000b0001",
        "",
      ].join("\n"),
    );
    expect(pruneNftScript(new Set([TAP, "fxt5254000b0001"]), new Set(["fxba1", "fxbb1"]), state)).toBeNull();
  });

  it("deletes our tables, and only ours, when nothing is kept", () => {
    expect(pruneNftScript(new Set(), new Set(), state)).toBe(
      "delete table bridge fibrix\ndelete table inet fibrix\n",
    );
    expect(pruneNftScript(new Set(), new Set(), { ...state, tables: [] })).toBeNull();
  });

  it("knows which chains are per-tap", () => {
    expect(tapOfChain(`sg_${TAP}`)).toBe(TAP);
    expect(tapOfChain(`dnat_${TAP}`)).toBe(TAP);
    expect(tapOfChain(`pub_${TAP}`)).toBe(TAP);
    expect(tapOfChain(`mark_${TAP}`)).toBe(TAP);
    expect(tapOfChain("forward")).toBeNull();
    expect(tapOfChain("sg_eth0")).toBeNull();
  });
});
