/**
 * Public addresses that carry packets (issue 11, deliverable 2): 1:1 NAT and policy routing on
 * a VM host (backend/rack/tenant-net/route-plan.ts, nft-plan.ts), proved with real guests.
 *
 * Two network namespaces the test creates: a VM host, running its OWN private libvirtd inside
 * it (backend/lab/private-libvirtd.ts, `netns`) so QEMU's taps live there, and an "internet"
 * joined to the host's uplink `up0` by one veth pair (192.0.2.0/24, the documentation range,
 * inside the two namespaces only: host 192.0.2.1, internet 192.0.2.254, the host's default
 * route). The host's fabric is a veth pair of its own (VXLAN needs an underlay device; no peer).
 *
 * Guests: two 128 MiB QEMU TCG VMs booting the project's busybox environment
 * (test/helpers/tenant-guest.ts), tenants A and B, each on its own network with the SAME
 * subnet 10.10.0.0/24, the SAME private address 10.10.0.2 and the same gateway 10.10.0.1, and
 * each with a public address (A 192.0.2.10, B 192.0.2.11). The real rack executors (vm.create,
 * vm.network, vm.delete, host.reconcile) get payloads shaped as the region sends them, checked
 * against sdk/schema/tenant-network-payload.ts.
 *
 * Checked, from the internet namespace: ping and TCP to A's public address reach A (its HTTP
 * answer names it; the pings are counted on A's tap only), B's reach B; a connection guest A
 * opens to a server there comes from A's public address (B's from B's); the private subnet is
 * not routed in from the uplink. From A: its gateway answers pings, nothing else of the host's
 * does (uplink, fabric and gateway addresses, TCP to a listener of the host), and nothing of B
 * (its public address; not one IP frame reaches B's tap). After B's public address is detached,
 * it answers nothing and B reaches nothing outside its network. After the deletes and a
 * reconcile nothing of ours is left (links, addresses, ip rules, routing tables, nftables).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import {
  type PrivateLibvirtd,
  removePrivateLibvirtd,
  startPrivateLibvirtd,
} from "../../../backend/lab/private-libvirtd";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { isOurRouteTable, tapName } from "../../../backend/rack/tenant-net/names";
import { parseNftRuleset } from "../../../backend/rack/tenant-net/nft-state";
import { RULE_PRIORITY } from "../../../backend/rack/tenant-net/route-plan";
import { parseAddrs, parseRoutes, parseRules } from "../../../backend/rack/tenant-net/route-state";
import { schemaErrors } from "../../../sdk/model/input-check";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import { HostNetwork, type IngressRulePayload, TenantNic } from "../../../sdk/schema/tenant-network-payload";
import { netnsUnavailable } from "../../helpers/netns";
import { type RunTask, taskRunner } from "../../helpers/rack-executors";
import { own } from "../../helpers/run-dirs";
import { ourLinks, testCounters } from "../../helpers/tenant-host-probes";
import { GuestConsole, buildTenantGuestImage } from "../../helpers/tenant-guest";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`tenant-net public-address skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const CACHE = join(__dirname, "../../../.data/boot");
const PREFIX = `fxpa${process.pid}-`;
const HOST = `fxph-${process.pid}`;
const NET = `fxpi-${process.pid}`;
const HOST_UPLINK = "192.0.2.1";
const INTERNET = "192.0.2.254";
const UNDERLAY = "10.255.0.1";
const SUBNET = "10.10.0.0/24";
const GATEWAY = "10.10.0.1";
const PRIVATE = "10.10.0.2";
const MTU = 1450;
const ECHO_PORT = 7100; // the internet's server: answers with the address it saw
const HOST_PORT = 7200; // a listener of the host's own, which no tenant may reach

interface Guest {
  vmId: string;
  tenant: string;
  net: { id: string; segment: { kind: "vxlan"; vni: number } };
  mac: string;
  publicIpv4: string;
}
const A: Guest = {
  vmId: "vm_0000000000000a01",
  tenant: "ten_000000000000000a",
  net: { id: "net_0000000000000a01", segment: { kind: "vxlan", vni: 0xa1 } },
  mac: "52:54:00:0a:01:01",
  publicIpv4: "192.0.2.10",
};
const B: Guest = {
  vmId: "vm_0000000000000b01",
  tenant: "ten_000000000000000b",
  net: { id: "net_0000000000000b01", segment: { kind: "vxlan", vni: 0xb1 } },
  mac: "52:54:00:0b:01:01",
  publicIpv4: "192.0.2.11",
};
const GUESTS = [A, B];
// The groups open the network, ping and HTTP 8080 from anywhere: public traffic is judged by
// the same group after DNAT.
const INGRESS: IngressRulePayload[] = [
  { protocol: "any", sources: [SUBNET] },
  { protocol: "icmp", sources: ["0.0.0.0/0"] },
  { protocol: "tcp", fromPort: 8080, toPort: 8080, sources: ["0.0.0.0/0"] },
];

let work: string;
let image: string;
let daemon: PrivateLibvirtd | undefined;
let host: VmHostConfig;
let runTask: RunTask;
const consoles = new Map<string, GuestConsole>();
const servers: ChildProcess[] = [];

const ip = (ns: string, args: string[]) => execFileSync("ip", ["-n", ns, ...args], { encoding: "utf8" });
const inNs = (ns: string, argv: string[], input?: string, timeout = 30_000) =>
  execFileSync("ip", ["netns", "exec", ns, ...argv], { encoding: "utf8", input, timeout });
const nft = (args: string[], input?: string) => inNs(HOST, ["nft", ...args], input);
/** Runs in a namespace; status and output instead of a throw. */
function tryNs(
  ns: string,
  argv: string[],
  input?: string,
  timeout = 30_000,
): { status: number; output: string } {
  try {
    return { status: 0, output: inNs(ns, argv, input, timeout) };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    return { status: x.status ?? 1, output: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}
const virsh = (args: string[]) =>
  execFileSync("virsh", ["-c", daemon!.uri, ...args], { encoding: "utf8", timeout: 120_000 });

function nicOf(g: Guest, withPublic = true): TenantNic {
  return {
    networkId: g.net.id,
    segment: g.net.segment,
    mac: g.mac,
    ipv4: PRIVATE,
    prefixLength: 24,
    gateway: GATEWAY,
    dns: [],
    ingress: INGRESS,
    ...(withPublic ? { publicIpv4: g.publicIpv4 } : {}),
  };
}

/** What the region tells the host to carry for `placed` (backend/region/network-payloads.ts hostNetworks). */
function networksOf(placed: readonly Guest[]): HostNetwork[] {
  const nets = placed.map((g) => ({
    networkId: g.net.id,
    segment: g.net.segment,
    peers: [],
    mtu: MTU,
    cidr: SUBNET,
    gateway: GATEWAY,
  }));
  expect(schemaErrors(Type.Array(HostNetwork), nets, { unknown: () => false })).toEqual([]);
  return nets;
}

function createPayload(g: Guest, placed: readonly Guest[]): Record<string, unknown> {
  const nics = [nicOf(g)];
  expect(schemaErrors(Type.Array(TenantNic), nics, { unknown: () => false })).toEqual([]);
  return {
    vmId: g.vmId,
    name: g.vmId.replace("_", "-"),
    hostname: g.vmId.replace("_", "-"),
    host,
    image: "tenant-guest",
    imageSource: { name: "tenant-guest", os: "other", format: "raw", path: image },
    cores: 1,
    memoryMiB: 128,
    diskGiB: 1,
    sshKeys: [],
    powerState: "on",
    tenantId: g.tenant,
    nics,
    networks: networksOf(placed),
  };
}

const domainOf = (g: Guest) => `${PREFIX}${g.vmId}`;
const con = (g: Guest) => consoles.get(g.vmId)!;
const HTTP_GET = "GET / HTTP/1.0\r\n\r\n";

/** An HTTP GET from the internet namespace (socat, bounded by -T). */
const fromInternet = (addr: string, port: number) =>
  tryNs(
    NET,
    ["socat", "-t", "10", "-T", "10", "-", `TCP:${addr}:${port},connect-timeout=5`],
    HTTP_GET,
    20_000,
  );

/**
 * A line server in a namespace, owned by the test (a killed run's leftovers are reaped). It
 * reads the client's one line before answering: closing with unread data would send a reset,
 * which can make the client drop the answer.
 */
function serve(ns: string, port: number, reply: string): void {
  const p = spawn(
    "ip",
    ["netns", "exec", ns, "socat", `TCP-LISTEN:${port},reuseaddr,fork`, `SYSTEM:${reply}`],
    {
      stdio: "ignore",
    },
  );
  if (p.pid) own("pid", p.pid);
  servers.push(p);
}

/** Packets counted by a commented rule of ours in the host's ruleset. */
function ourCounter(comment: string): number {
  const c = parseNftRuleset(nft(["-j", "list", "ruleset"])).counters.filter((x) => x.comment === comment);
  if (c.length === 0) throw new Error(`no counter ${comment}`);
  return c.reduce((s, x) => s + x.packets, 0);
}

const uplinkAddrs = () =>
  parseAddrs(ip(HOST, ["-j", "-4", "addr", "show", "dev", "up0"])).map(
    (a) => `${a.address}/${a.prefixLength}`,
  );
const ourRules = () =>
  parseRules(ip(HOST, ["-j", "-4", "rule", "show"])).filter(
    (r) => typeof r.table === "number" && isOurRouteTable(r.table),
  );
const ourRoutes = () =>
  parseRoutes(ip(HOST, ["-j", "-4", "route", "show", "table", "all"])).filter(
    (r) => typeof r.table === "number" && isOurRouteTable(r.table),
  );

maybe("public addresses on a VM host: 1:1 NAT and policy routing with overlapping tenant subnets", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fibrix-public-address-"));
    chmodSync(work, 0o755);
    for (const ns of [HOST, NET]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {}
      execFileSync("ip", ["netns", "add", ns]);
      own("netns", ns);
      ip(ns, ["link", "set", "lo", "up"]);
    }
    // The uplink: one veth pair between the host and the internet, nothing else.
    ip(HOST, ["link", "add", "up0", "type", "veth", "peer", "name", "inet0", "netns", NET]);
    ip(HOST, ["addr", "add", `${HOST_UPLINK}/24`, "dev", "up0"]);
    ip(HOST, ["link", "set", "up0", "up"]);
    ip(NET, ["addr", "add", `${INTERNET}/24`, "dev", "inet0"]);
    ip(NET, ["link", "set", "inet0", "up"]);
    ip(HOST, ["route", "add", "default", "via", INTERNET, "dev", "up0"]);
    // The fabric device VXLAN needs (no other host here).
    ip(HOST, ["link", "add", "fab0", "type", "veth", "peer", "name", "fab1"]);
    ip(HOST, ["addr", "add", `${UNDERLAY}/30`, "dev", "fab0"]);
    ip(HOST, ["link", "set", "fab0", "up"]);
    ip(HOST, ["link", "set", "fab1", "up"]);
    serve(NET, ECHO_PORT, "read l; echo seen-from $SOCAT_PEERADDR");
    serve(HOST, HOST_PORT, "read l; echo the-host");

    image = join(work, "tenant-guest.img");
    copyFileSync(await buildTenantGuestImage(CACHE), image);
    const t0 = Date.now();
    daemon = await startPrivateLibvirtd(join(work, "libvirtd"), { netns: HOST });
    own("pid", daemon.libvirtdPid);
    own("pid", daemon.virtlogdPid);
    const poolDir = join(work, "pool");
    mkdirSync(poolDir, { mode: 0o755 });
    virsh(["pool-define-as", "fxpool", "dir", "--target", poolDir]);
    virsh(["pool-start", "fxpool"]);
    console.log(`libvirtd in the host's namespace answered after ${Date.now() - t0} ms`);
    host = {
      uri: daemon.uri,
      storagePool: "fxpool",
      netns: HOST,
      fabric: { underlayDevice: "fab0", underlayAddress: UNDERLAY, uplinkDevice: "up0" },
    };
    const consoleDir = join(work, "c");
    mkdirSync(consoleDir, { mode: 0o755 });
    runTask = taskRunner(defaultDeps(PREFIX, { vmStopTimeoutMs: 5_000, consoleDir }));
  }, 900_000);

  afterAll(async () => {
    await Promise.all([...consoles.values()].map((c) => c.close()));
    for (const s of servers) s.kill("SIGTERM");
    if (daemon) await removePrivateLibvirtd(daemon.dir).catch(() => {});
    for (const ns of [HOST, NET]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {}
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it("creates A and B with one private address each, the gateway on each bridge, a table per network", async () => {
    const placed: Guest[] = [];
    const t0 = Date.now();
    for (const g of GUESTS) {
      placed.push(g);
      const r = await runTask("vm.create", createPayload(g, placed));
      expect(r).toMatchObject({ domain: domainOf(g), ip: PRIVATE, addresses: [PRIVATE] });
    }
    for (const g of GUESTS) consoles.set(g.vmId, GuestConsole.onHost(daemon!.uri, domainOf(g)));
    const created = Date.now();
    for (const g of GUESTS) await con(g).ready(300_000);
    console.log(
      `2 vm.create with public addresses: ${created - t0} ms; guests up after ${Date.now() - created} ms more`,
    );
    for (const g of GUESTS) {
      expect(con(g).text).toContain(`fibrix-guest: eth0 ${g.mac} ${PRIVATE}/24`);
      // The seed gave the guest its gateway.
      expect((await con(g).run("ip route show default")).output).toContain(`default via ${GATEWAY} dev eth0`);
    }
    // Each bridge holds the gateway without a route in main; the uplink holds both publics.
    const addrs = parseAddrs(ip(HOST, ["-j", "-4", "addr", "show"]));
    for (const br of ["fxba1", "fxbb1"]) {
      expect(addrs.filter((a) => a.dev === br)).toEqual([
        { dev: br, address: GATEWAY, prefixLength: 24, label: br, noprefixroute: true },
      ]);
    }
    expect(uplinkAddrs().sort()).toEqual(
      [`${HOST_UPLINK}/24`, `${A.publicIpv4}/32`, `${B.publicIpv4}/32`].sort(),
    );
    expect(ip(HOST, ["-4", "route", "show", "table", "main"])).not.toContain("10.10.0.");
    expect(ourRules().map((r) => [r.priority, r.iif ?? `mark ${r.fwmark}`, r.table])).toEqual(
      expect.arrayContaining([
        [RULE_PRIORITY, "fxba1", 0x10000a1],
        [RULE_PRIORITY, `mark ${0x10000a1}`, 0x10000a1],
        [RULE_PRIORITY, "fxbb1", 0x10000b1],
        [RULE_PRIORITY, `mark ${0x10000b1}`, 0x10000b1],
      ]),
    );
    expect(ourRules()).toHaveLength(4);
    // The test's own counters, after ours: IPv4 frames the host sends or forwards to each tap.
    const taps = GUESTS.map((g) => tapName(g.mac));
    nft(
      ["-f", "-"],
      [
        "table bridge fxtest {",
        "  chain out { type filter hook output priority 100; policy accept;",
        ...taps.map((t, i) => `    oifname "${t}" icmp type echo-request counter comment "ping-${"AB"[i]}"`),
        ...taps.map((t, i) => `    oifname "${t}" ether type ip counter comment "ip-to-${"AB"[i]}"`),
        "  }",
        "  chain fw { type filter hook forward priority 100; policy accept;",
        ...taps.map((t, i) => `    oifname "${t}" ether type ip counter comment "ip-to-${"AB"[i]}"`),
        "  }",
        "}",
      ].join("\n"),
    );
  }, 900_000);

  it("from the internet, A's public address reaches A and B's reaches B (ping and TCP)", async () => {
    // One warm-up each (ARP on both sides, under TCG), then every echo must come back.
    for (const g of GUESTS) tryNs(NET, ["busybox", "ping", "-c", "1", "-W", "5", g.publicIpv4]);
    const before = testCounters(HOST);
    for (const g of GUESTS) {
      const ping = tryNs(NET, ["busybox", "ping", "-c", "3", "-W", "3", g.publicIpv4]);
      expect(ping.output).toMatch(/3 packets transmitted, 3 packets received/);
      expect(ping.status).toBe(0);
      const page = fromInternet(g.publicIpv4, 8080);
      expect(page.output).toMatch(/^HTTP\/1\.[01] 200 /);
      // The guest's own page names it: A's address reached A, B's reached B.
      expect(page.output).toContain(g.vmId.replace("_", "-"));
    }
    const after = testCounters(HOST);
    // The echo requests went to the right tap only: 3 each, none to the other guest.
    expect(after["ping-A"]! - before["ping-A"]!).toBe(3);
    expect(after["ping-B"]! - before["ping-B"]!).toBe(3);
    // One conntrack entry per NATed flow, in the network's zone (the kernel's own table in the
    // host's namespace, net/netfilter/nf_conntrack_standalone.c ct_seq_show: "zone=N"): the
    // uplink side found the zone the bridge side has, with equal private addresses in both.
    const flows = inNs(HOST, ["cat", "/proc/net/nf_conntrack"]).split("\n");
    for (const g of GUESTS) {
      const mine = flows.filter((f) => f.includes(`dst=${g.publicIpv4} `) && f.includes("dport=8080 "));
      expect(mine.length).toBeGreaterThan(0);
      for (const f of mine) {
        expect(f).toContain(`src=${PRIVATE} dst=${INTERNET} sport=8080 `);
        expect(f).toMatch(new RegExp(`zone=${g.net.segment.vni}( |$)`));
      }
    }
    // The guests' groups judged the public traffic: 9090 is not open to the internet.
    expect(fromInternet(A.publicIpv4, 9090).output).not.toContain("200");
    console.log(`internet → public: 3/3 echoes each; HTTP answered by ${A.vmId} and ${B.vmId}`);
  }, 300_000);

  it("a connection a guest opens to the internet comes from its public address", async () => {
    for (const g of GUESTS) {
      const r = await con(g).run(`echo hi | nc -w 5 ${INTERNET} ${ECHO_PORT}`);
      expect(r.output).toContain(`seen-from ${g.publicIpv4}`);
    }
  }, 300_000);

  it("the uplink cannot route to a private address; the host holds no tenant subnet", async () => {
    const before = ourCounter("uplink-forward");
    ip(NET, ["route", "add", SUBNET, "via", HOST_UPLINK]);
    const r = tryNs(NET, ["socat", "-T", "3", "-", `TCP:${PRIVATE}:8080,connect-timeout=3`], HTTP_GET);
    ip(NET, ["route", "del", SUBNET, "via", HOST_UPLINK]);
    expect(r.output).not.toContain("200");
    expect(ourCounter("uplink-forward")).toBeGreaterThan(before);
    // The host itself has no way to a tenant either.
    expect(tryNs(HOST, ["busybox", "ping", "-c", "1", "-W", "2", PRIVATE]).status).not.toBe(0);
  }, 120_000);

  it("A reaches its gateway, and nothing else of the host's nor anything of B", async () => {
    expect((await con(A).run(`ping -c 2 -W 3 ${GATEWAY}`)).status).toBe(0);
    // The host's listener answers where it may (the uplink), so silence below is the filter's.
    const askHost = tryNs(
      NET,
      ["socat", "-t", "10", "-T", "10", "-", `TCP:${HOST_UPLINK}:${HOST_PORT}`],
      "hi\n",
    );
    expect(askHost.output).toContain("the-host");
    const toHost = ourCounter("to-host");
    const before = testCounters(HOST);
    for (const addr of [HOST_UPLINK, UNDERLAY, GATEWAY]) {
      const t = await con(A).run(`echo hi | nc -w 3 ${addr} ${HOST_PORT}`);
      expect(t.output).not.toContain("the-host");
    }
    for (const addr of [HOST_UPLINK, UNDERLAY]) {
      expect((await con(A).run(`ping -c 1 -W 2 ${addr}`)).status).not.toBe(0);
    }
    // B: its public address (no hairpin through the host) by ping and TCP.
    expect((await con(A).run(`ping -c 2 -W 2 ${B.publicIpv4}`)).status).not.toBe(0);
    const t = await con(A).run(`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${B.publicIpv4} 8080`);
    expect(t.output).not.toContain(B.vmId.replace("_", "-"));
    const dropped = ourCounter("to-host") - toHost;
    expect(dropped).toBeGreaterThanOrEqual(3 + 2 + 2);
    // Not one IPv4 packet reached B's tap meanwhile.
    expect(testCounters(HOST)["ip-to-B"]).toBe(before["ip-to-B"]);
    console.log(`A → host / B: ${dropped} packet(s) dropped by the host's input filter, 0 reached B`);
  }, 300_000);

  it("re-applying changes nothing; detaching B's public address removes its path", async () => {
    const again = await runTask("vm.network", {
      vmId: A.vmId,
      host,
      nics: [nicOf(A)],
      networks: networksOf(GUESTS),
    });
    expect(again).toEqual({ commands: 0, kept: [], rulesRemoved: false });
    const detached = await runTask("vm.network", {
      vmId: B.vmId,
      host,
      nics: [nicOf(B, false)],
      networks: networksOf(GUESTS),
    });
    expect(detached).toMatchObject({ kept: [] });
    expect(uplinkAddrs().sort()).toEqual([`${HOST_UPLINK}/24`, `${A.publicIpv4}/32`].sort());
    const chains = parseNftRuleset(nft(["-j", "list", "ruleset"])).chains.map((c) => c.name);
    for (const k of ["pub", "dnat", "snat", "mark"]) expect(chains).not.toContain(`${k}_${tapName(B.mac)}`);
    expect(tryNs(NET, ["busybox", "ping", "-c", "2", "-W", "2", B.publicIpv4]).status).not.toBe(0);
    expect(fromInternet(B.publicIpv4, 8080).output).not.toContain("200");
    // B without a public address reaches nothing outside its network (its gateway still answers).
    const before = ourCounter("routed-private");
    const out = await con(B).run(`echo hi | nc -w 3 ${INTERNET} ${ECHO_PORT}`);
    expect(out.output).not.toContain("seen-from");
    expect(ourCounter("routed-private")).toBeGreaterThan(before);
    expect((await con(B).run(`ping -c 1 -W 3 ${GATEWAY}`)).status).toBe(0);
    // A is untouched.
    expect(fromInternet(A.publicIpv4, 8080).output).toContain(A.vmId.replace("_", "-"));
  }, 300_000);

  it("after the deletes and a reconcile nothing of ours is left on the host", async () => {
    nft(["delete", "table", "bridge", "fxtest"]);
    await Promise.all([...consoles.values()].map((c) => c.close()));
    consoles.clear();
    let left = [...GUESTS];
    for (const g of GUESTS) {
      left = left.filter((x) => x !== g);
      const r = await runTask("vm.delete", { vmId: g.vmId, host, networks: networksOf(left) });
      expect(r).toMatchObject({ domainRemoved: true });
      if (g === A) {
        // A went: its public address, table and rules with it; B's network stays routed.
        expect(uplinkAddrs()).toEqual([`${HOST_UPLINK}/24`]);
        expect(ourRules().map((x) => x.table)).toEqual([0x10000b1, 0x10000b1]);
        expect(new Set(ourRoutes().map((x) => x.table))).toEqual(new Set([0x10000b1]));
      }
    }
    const r = await runTask("host.reconcile", {
      machineId: "mch_00000000000000f1",
      host,
      vms: [],
      networks: [],
    });
    expect(r).toMatchObject({ unreachable: false });
    expect(ourLinks(HOST)).toEqual([]);
    expect(ourRules()).toEqual([]);
    expect(ourRoutes()).toEqual([]);
    expect(uplinkAddrs()).toEqual([`${HOST_UPLINK}/24`]);
    expect(nft(["list", "ruleset"]).trim()).toBe("");
    // The host's own routing is as the test made it.
    expect(parseRules(ip(HOST, ["-j", "-4", "rule", "show"])).map((x) => x.priority)).toEqual([
      0, 32766, 32767,
    ]);
  }, 300_000);
});
