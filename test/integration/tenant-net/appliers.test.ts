/**
 * The tenant-net appliers against the real iproute2 and nft, in a network namespace of the
 * test's own (no VM): links made once and then left alone, FDB entries following the peers,
 * every ruleset the planner writes accepted by nft (1:1 NAT included), re-applied without a
 * duplicate rule, applied atomically (a transaction that fails changes nothing), and removed
 * down to nothing. Nothing leaves the namespace (veth pairs inside it stand for the fabric).
 */
import { execFileSync } from "node:child_process";
import {
  applyNetworks,
  applyVmRules,
  pruneRules,
  readLinks,
  readNft,
  removeVmRules,
} from "../../../backend/rack/tenant-net/apply";
import { localShell } from "../../../backend/rack/tenant-net/host-shell";
import { vmNftScript } from "../../../backend/rack/tenant-net/nft-plan";
import type { HostNetwork, TenantNic } from "../../../sdk/schema/tenant-network-payload";
import { netnsUnavailable } from "../../helpers/netns";
import { own } from "../../helpers/run-dirs";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`tenant-net appliers skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const NS = `fxap-${process.pid}`;
const shell = localShell(NS);
const fabric = { underlayDevice: "fab0", underlayAddress: "10.255.1.1", uplinkDevice: "up0" };
const net: HostNetwork = {
  networkId: "net_00000000000000c1",
  segment: { kind: "vxlan", vni: 0xc1 },
  peers: ["10.255.1.2"],
  mtu: 1450,
};
const nic: TenantNic = {
  networkId: net.networkId,
  segment: net.segment,
  mac: "52:54:00:0c:00:01",
  ipv4: "10.30.0.2",
  prefixLength: 24,
  gateway: null,
  dns: [],
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, sources: ["10.30.0.0/24"] }],
  publicIpv4: "192.0.2.10",
};
const ruleset = () =>
  execFileSync("ip", ["netns", "exec", NS, "nft", "list", "ruleset"], { encoding: "utf8" });
const fdbDsts = () =>
  (
    JSON.parse(
      execFileSync("bridge", ["-n", NS, "-j", "fdb", "show", "dev", "fxvc1"], { encoding: "utf8" }),
    ) as { dst?: string }[]
  )
    .map((e) => e.dst)
    .filter((d) => d !== undefined)
    .sort();

maybe("tenant-net appliers on the real iproute2 and nft", () => {
  beforeAll(() => {
    try {
      execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
    } catch {}
    execFileSync("ip", ["netns", "add", NS]);
    own("netns", NS);
    // veth pairs inside the namespace stand for the fabric and the uplink (this kernel has no dummy).
    for (const dev of ["fab0", "up0"]) {
      execFileSync("ip", ["-n", NS, "link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
    }
    execFileSync("ip", ["-n", NS, "addr", "add", "10.255.1.1/24", "dev", "fab0"]);
    execFileSync("ip", ["-n", NS, "link", "set", "fab0", "up"]);
  });
  afterAll(() => {
    try {
      execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
    } catch {}
  });

  it("makes a network's devices once, then changes nothing; follows its peers", async () => {
    const first = await applyNetworks(shell, fabric, [net]);
    expect(first.commands).toBeGreaterThan(0);
    const links = await readLinks(shell);
    const vx = links.find((l) => l.name === "fxvc1");
    expect(vx).toMatchObject({
      kind: "vxlan",
      vni: 0xc1,
      local: "10.255.1.1",
      port: 4789,
      learning: false,
      master: "fxbc1",
      mtu: 1450,
      up: true,
    });
    expect(links.find((l) => l.name === "fxbc1")).toMatchObject({
      kind: "bridge",
      mtu: 1450,
      up: true,
      nfCallIptables: true,
    });
    expect(fdbDsts()).toEqual(["10.255.1.2"]);
    expect((await applyNetworks(shell, fabric, [net])).commands).toBe(0);
    await applyNetworks(shell, fabric, [{ ...net, peers: ["10.255.1.3", "10.255.1.4"] }]);
    expect(fdbDsts()).toEqual(["10.255.1.3", "10.255.1.4"]);
  });

  it("writes a VM's rules (with 1:1 NAT) that nft accepts, and re-applies them without a duplicate", async () => {
    await applyVmRules(shell, [nic], fabric.uplinkDevice);
    const once = ruleset();
    expect(once).toContain("table bridge fibrix");
    expect(once).toContain("table inet fibrix");
    expect(once).toContain("table ip fibrix_nat");
    expect(once).toMatch(/dnat to 10\.30\.0\.2/);
    expect(once).toMatch(/snat to 192\.0\.2\.10/);
    await applyVmRules(shell, [nic], fabric.uplinkDevice);
    expect(ruleset()).toBe(once);
  });

  it("applies a VM's rules atomically: a transaction that fails leaves the previous rules whole", async () => {
    const before = ruleset();
    const widened = { ...nic, ingress: [{ protocol: "any" as const, sources: ["0.0.0.0/0"] }] };
    const broken = `${vmNftScript([widened], await readNft(shell), { uplink: "up0" })}add rule bridge fibrix no_such_chain drop\n`;
    await expect(shell.run(["nft", "-f", "-"], broken)).rejects.toThrow(/no_such_chain|No such file/);
    expect(ruleset()).toBe(before);
  });

  it("detaching the public address removes its NAT only", async () => {
    const { publicIpv4: _, ...privateOnly } = nic;
    await applyVmRules(shell, [privateOnly], fabric.uplinkDevice);
    const now = ruleset();
    expect(now).not.toMatch(/dnat to|snat to/);
    expect(now).toContain("sg_fxt5254000c0001");
  });

  it("removes a VM's rules, then everything of ours, links included", async () => {
    await applyVmRules(shell, [nic], fabric.uplinkDevice);
    expect(await removeVmRules(shell, [nic.mac])).toBe(true);
    expect(ruleset()).not.toContain("fxt5254000c0001");
    expect(await removeVmRules(shell, [nic.mac])).toBe(false);
    expect(await pruneRules(shell, [], [])).toBe(true);
    expect(ruleset().trim()).toBe("");
    const pruned = await applyNetworks(shell, fabric, [], { prune: true });
    expect(pruned.kept).toEqual([]);
    expect((await readLinks(shell)).map((l) => l.name).sort()).toEqual([
      "fab0",
      "fab0p",
      "lo",
      "up0",
      "up0p",
    ]);
  });
});
