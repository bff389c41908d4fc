/**
 * Tenant networks on two VM hosts joined only by a fabric link, with real guests, driven end to
 * end as tenants and the operator drive the product (issue 11's acceptance): a real region over
 * HTTP on loopback, a real rack agent (backend/rack/agent.ts) claiming the tasks the region
 * queues, and on the hosts real libvirtd + QEMU (TCG), iproute2 and nft.
 *
 * What stands for what:
 * - two network namespaces are two PE860 VM hosts; one veth pair between them is the fabric
 *   (10.255.0.1/30 ↔ 10.255.0.2/30). Each runs its OWN private libvirtd inside its namespace
 *   (backend/lab/private-libvirtd.ts, `netns`), so the taps QEMU opens live there. The operator
 *   registers them as Deployed VM-host machines whose vmHostConfig names that libvirtd, the
 *   namespace and the fabric underlay (test/helpers/region.ts addVmHost: the deploy result a
 *   rack would report, written to the store, since no PE860 is deployed here);
 * - one rack agent in this process serves both hosts, as one rack serves the VM hosts of its
 *   subnet;
 * - one pool per host (granted to both tenants) is how a tenant places a VM on a given host;
 * - the operator registers the guest's disk image by path; the rack imports it into both hosts'
 *   storage pools (image.import), and every VM disk is a clone of it.
 *
 * Guests: three 128 MiB QEMU TCG VMs booting the project's busybox environment
 * (test/helpers/tenant-guest.ts), configuring their NIC from the seed's network-config and
 * serving HTTP on two ports; the test drives their serial consoles as the tenants would, over
 * the region's console WebSocket, which the rack bridges to the domain's serial socket.
 * - tenant A (its key): network 10.10.0.0/24, a security group (ICMP + TCP 8080 from the
 *   subnet) on A1; A1 on host 1, A2 on host 2;
 * - tenant B (its key): its own network with the SAME subnet (gateway at its top, so IPAM gives
 *   B1 an address neither A guest has), B1 on host 1 beside A1.
 * Checked: every guest's address is what IPAM assigned (GET /vms/:id); A1 ↔ A2 ping and TCP over
 * VXLAN, a 1450-byte frame included; B1 reaches neither A guest and neither reaches it, with 0
 * frames through on both hosts (nft counters of a table of the test's own, behind ours); A1's
 * security group opens 8080 and only 8080; a spoofed source address from A2 is dropped (our
 * counter rises, host 1 sees nothing); the region's reconcile changes nothing that is in use,
 * removes leftovers and writes the rules a host lost again; after DELETE of the VMs, their addresses return to IPAM (a new VM gets a
 * freed one, the networks delete) and after the reconcile nothing of ours is left in either
 * namespace (`ip -j link`, nft, fdb).
 * All guest traffic stays in the two namespaces (10.255.0.0/30 and 10.10.0.0/24 exist nowhere
 * else); the region and the agent talk on 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import {
  type PrivateLibvirtd,
  removePrivateLibvirtd,
  startPrivateLibvirtd,
} from "../../../backend/lab/private-libvirtd";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { bridgeName, segmentDeviceName, tapName } from "../../../backend/rack/tenant-net/names";
import { vmNftScript } from "../../../backend/rack/tenant-net/nft-plan";
import { parseNftRuleset } from "../../../backend/rack/tenant-net/nft-state";
import { Watchdog } from "../../../backend/region/watchdog";
import { FibrixClient } from "../../../sdk/client";
import type { Network } from "../../../sdk/schema/network";
import type { Vm } from "../../../sdk/schema/vm";
import { netnsUnavailable } from "../../helpers/netns";
import {
  ADMIN_KEY,
  addVmHost,
  http,
  registerImage,
  startTestRegion,
  type TestRegion,
} from "../../helpers/region";
import { own } from "../../helpers/run-dirs";
import { ourLinks, testCounters } from "../../helpers/tenant-host-probes";
import { GuestConsole, buildTenantGuestImage } from "../../helpers/tenant-guest";
import { makeRack, until } from "../rack/rack-fixtures";

const skipReason = netnsUnavailable();
if (skipReason) console.log(`tenant-net two-hosts skipped: ${skipReason}`);
const maybe = skipReason ? describe.skip : describe;

const CACHE = join(__dirname, "../../../.data/boot");
const PREFIX = `fxtn${process.pid}-`;
const NS = [`fxh1-${process.pid}`, `fxh2-${process.pid}`] as const;
const UNDERLAY = ["10.255.0.1", "10.255.0.2"] as const;
const SUBNET = "10.10.0.0/24";
const MTU = 1450; // 1500 on the fabric minus the VXLAN header
const IMAGE = "tenant-guest";

/** A guest as the region made it: its view, and where it landed. */
interface Guest {
  name: string;
  tenant: "a" | "b";
  host: 0 | 1;
  vm: Vm;
  mac: string;
  ipv4: string;
}

let work: string;
let r: TestRegion;
let agent: RackAgent | undefined;
const daemons: (PrivateLibvirtd | undefined)[] = [undefined, undefined];
const hostIds: string[] = [];
const poolIds: string[] = [];
const keys = { a: "", b: "" };
const nets: { a?: Network; b?: Network } = {};
let sgId = "";
const guests: Guest[] = [];
const consoles = new Map<string, GuestConsole>();

const ip = (ns: string, args: string[]) => execFileSync("ip", ["-n", ns, ...args], { encoding: "utf8" });
const nft = (ns: string, args: string[], input?: string) =>
  execFileSync("ip", ["netns", "exec", ns, "nft", ...args], { encoding: "utf8", input });
const virsh = (h: number, args: string[]) =>
  execFileSync("virsh", ["-c", daemons[h]!.uri, ...args], { encoding: "utf8", timeout: 120_000 });

function ok<T = any>(res: { status: number; body: any }, status = 201): T {
  if (res.status !== status) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

const guest = (name: string) => guests.find((g) => g.name === name)!;
const domainOf = (g: Guest) => `${PREFIX}${g.vm.id}`;
const con = (g: Guest) => consoles.get(g.name)!;
/** An HTTP GET from a guest with busybox nc (its static wget crashes here), bounded by -w. */
const get = (ip4: string, port: number, wait = 5) =>
  `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w ${wait} ${ip4} ${port} | grep -q '^HTTP/1.[01] 200 '`;
const served = (g: Guest) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${g.ipv4} 8080 | tail -n 1`;

/** The VM once it left `from` (Creating, Deleting…); 404 gives undefined. */
async function settled(id: string, key: string, from: string, ms = 300_000): Promise<Vm | undefined> {
  const res = await until(
    () => http(r.api, "GET", `/vms/${id}`, { key }),
    (x) => x.status === 404 || (x.status === 200 && x.body.status !== from),
    ms,
  );
  return res.status === 404 ? undefined : (res.body as Vm);
}

/** A VM created with tenant `t`'s key on network `net` in host `h`'s pool, waited until Running (or Stopped). */
async function createVm(
  t: "a" | "b",
  name: string,
  h: 0 | 1,
  attach: { networkId: string; securityGroupIds?: readonly string[] },
  powerState: "on" | "off" = "on",
): Promise<Vm> {
  const created = ok<Vm>(
    await http(r.api, "POST", "/vms", {
      key: keys[t],
      body: {
        name,
        poolId: poolIds[h],
        image: IMAGE,
        cores: 1,
        memoryMiB: 128,
        diskGiB: 1,
        powerState,
        networks: [attach],
      },
    }),
  );
  expect(created).toMatchObject({ status: "Creating", hostId: hostIds[h] });
  const vm = await settled(created.id, keys[t], "Creating");
  expect({ status: vm?.status, reason: vm?.statusReason }).toMatchObject({
    status: powerState === "on" ? "Running" : "Stopped",
  });
  return vm!;
}

async function deleteVm(g: { vm: Vm; tenant: "a" | "b" }): Promise<void> {
  expect((await http(r.api, "DELETE", `/vms/${g.vm.id}`, { key: keys[g.tenant] })).status).toBe(202);
  expect(await settled(g.vm.id, keys[g.tenant], "Deleting")).toBeUndefined();
}

/** The network as its tenant reads it (`used` counts IPAM's addresses in use). */
const networkOf = async (t: "a" | "b") =>
  ok<Network>(await http(r.api, "GET", `/networks/${nets[t]!.id}`, { key: keys[t] }), 200);

/** Packets counted by a commented rule of ours (`spoof-ip` …) in a namespace. */
function ourCounter(ns: string, chain: string, comment: string): number {
  const c = parseNftRuleset(nft(ns, ["-j", "list", "ruleset"])).counters.find(
    (x) => x.name === chain && x.comment === comment,
  );
  if (!c) throw new Error(`no counter ${comment} in ${chain} of ${ns}`);
  return c.packets;
}

/** What of ours host `h` still has: links, nft rules, VXLAN fdb entries towards the fabric, domains. */
function leftOn(h: 0 | 1) {
  const fdb = JSON.parse(
    execFileSync("bridge", ["-n", NS[h], "-j", "fdb", "show"], { encoding: "utf8" }),
  ) as {
    dst?: string;
  }[];
  return {
    links: ourLinks(NS[h]),
    nft: nft(NS[h], ["list", "ruleset"]).trim(),
    fabricFdb: fdb.filter((e) => e.dst?.startsWith("10.255.0.")),
    domains: virsh(h, ["list", "--all", "--name"]).trim(),
  };
}

/**
 * Runs `action`, then waits until the rack finished the region's new `kind` task of each object
 * (as queued by the action); returns their results in that order.
 */
async function tasksAfter(
  kind: string,
  objectIds: readonly string[],
  action: () => Promise<unknown>,
): Promise<Record<string, any>[]> {
  const db = r.region.ctx.store.db;
  const before = new Set(
    (await db.selectFrom("tasks").select("id").where("kind", "=", kind).execute()).map((t) => t.id),
  );
  await action();
  const results: Record<string, any>[] = [];
  for (const objectId of objectIds) {
    const ts = await until(
      () =>
        db
          .selectFrom("tasks")
          .selectAll()
          .where("kind", "=", kind)
          .where("objectId", "=", objectId)
          .execute(),
      (x) => x.some((t) => !before.has(t.id) && ["done", "failed"].includes(t.status)),
      120_000,
    );
    const mine = ts.find((t) => !before.has(t.id) && ["done", "failed"].includes(t.status))!;
    expect({ kind, status: mine.status, error: mine.error }).toMatchObject({ status: "done" });
    results.push(JSON.parse(mine.result!));
  }
  return results;
}

/** The region's reconcile of both hosts, queued as its watchdog does; each host's result. */
const reconcileHosts = () =>
  tasksAfter("host.reconcile", hostIds, () =>
    new Watchdog(r.region.ctx, { healthEveryMs: 0 }).queueReconciles(),
  );

maybe("tenant networks on two VM hosts joined by a fabric link, through the region and a rack agent", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fibrix-tenant-net-"));
    chmodSync(work, 0o755);
    for (const ns of NS) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {}
      execFileSync("ip", ["netns", "add", ns]);
      own("netns", ns);
      ip(ns, ["link", "set", "lo", "up"]);
    }
    // The fabric: one veth pair, nothing else between the hosts.
    ip(NS[0], ["link", "add", "fab0", "type", "veth", "peer", "name", "fab0", "netns", NS[1]]);
    for (const h of [0, 1] as const) {
      ip(NS[h], ["addr", "add", `${UNDERLAY[h]}/30`, "dev", "fab0"]);
      ip(NS[h], ["link", "set", "fab0", "up"]);
    }
    const image = join(work, "tenant-guest.img");
    copyFileSync(await buildTenantGuestImage(CACHE), image);
    const t0 = Date.now();
    for (const h of [0, 1] as const) {
      const dir = join(work, `libvirtd${h + 1}`);
      daemons[h] = await startPrivateLibvirtd(dir, { netns: NS[h] });
      own("pid", daemons[h]!.libvirtdPid);
      own("pid", daemons[h]!.virtlogdPid);
      const poolDir = join(work, `pool${h + 1}`);
      mkdirSync(poolDir, { mode: 0o755 });
      virsh(h, ["pool-define-as", "fxpool", "dir", "--target", poolDir]);
      virsh(h, ["pool-start", "fxpool"]);
    }
    console.log(`two libvirtds in their namespaces answered after ${Date.now() - t0} ms`);

    // The operator: a rack, two tenants with keys, one pool per host, the hosts, the agent.
    r = await startTestRegion();
    const rack = await makeRack(r, "rack-tn", 21);
    const tenants: string[] = [];
    for (const t of ["a", "b"] as const) {
      const tenant = ok(await http(r.api, "POST", "/tenants", { body: { name: `tenant-${t}` } }));
      keys[t] = ok(await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId: tenant.id } })).key;
      tenants.push(tenant.id);
    }
    for (const h of [0, 1] as const) {
      poolIds.push(ok(await http(r.api, "POST", "/pools", { body: { name: `host-${h + 1}`, tenants } })).id);
      hostIds.push(
        await addVmHost(r, {
          rackId: rack.id,
          poolId: poolIds[h]!,
          hostname: `kvm-${h + 1}`,
          mac: `52:54:00:21:00:0${h + 1}`,
          uri: daemons[h]!.uri,
          storagePool: "fxpool",
          netns: NS[h],
          fabric: { underlayDevice: "fab0", underlayAddress: UNDERLAY[h] },
        }),
      );
    }
    // Serial sockets outside the private libvirtds' bind-mounted /var/lib/libvirt, where this
    // process (in the host's mount namespace) can reach them.
    const consoleDir = join(work, "c");
    mkdirSync(consoleDir, { mode: 0o755 });
    agent = new RackAgent({
      region: r.url,
      token: rack.enrollmentToken,
      claimWaitMs: 1_000,
      log: pino({ level: "silent" }),
      deps: defaultDeps(PREFIX, { vmStopTimeoutMs: 5_000, consoleDir }),
    });
    await agent.start();
    // Registered after the hosts exist: the rack imports it into both pools.
    const t1 = Date.now();
    const img = await registerImage(r.api, IMAGE, { format: "raw", path: image });
    const admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
    const ready = await admin.images.waitForStatus(img.id, "ready", { timeoutMs: 300_000, intervalMs: 500 });
    expect(ready.hosts.map((x) => x.status)).toEqual(["ready", "ready"]);
    console.log(`guest image imported on both hosts by the rack in ${Date.now() - t1} ms`);
  }, 900_000);

  afterAll(async () => {
    for (const c of consoles.values()) await c.close().catch(() => {});
    await agent?.stop();
    await r?.stop();
    for (const h of [0, 1] as const) {
      if (daemons[h]) await removePrivateLibvirtd(daemons[h]!.dir).catch(() => {});
    }
    for (const ns of NS) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {}
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it("tenants create networks, a group and three VMs; every guest's address is IPAM's", async () => {
    nets.a = ok<Network>(
      await http(r.api, "POST", "/networks", { key: keys.a, body: { name: "backend", cidr: SUBNET } }),
    );
    // The same subnet in another tenant: another segment. Its gateway at the top of the subnet
    // makes IPAM give B1 10.10.0.1, an address no A guest has, so "B reaches no A guest" means it.
    nets.b = ok<Network>(
      await http(r.api, "POST", "/networks", {
        key: keys.b,
        body: { name: "backend", cidr: SUBNET, gateway: "10.10.0.254" },
      }),
    );
    expect(nets.a.segment.kind).toBe("vxlan");
    expect(nets.b.segment).not.toEqual(nets.a.segment);
    // A1's group: ping from the network, TCP 8080 only.
    sgId = ok(
      await http(r.api, "POST", "/security-groups", {
        key: keys.a,
        body: {
          name: "web",
          rules: [
            { protocol: "icmp", source: SUBNET },
            { protocol: "tcp", fromPort: 8080, toPort: 8080, source: SUBNET },
          ],
        },
      }),
    ).id;

    const t0 = Date.now();
    const plan = [
      { name: "a1", tenant: "a", host: 0, attach: { networkId: nets.a.id, securityGroupIds: [sgId] } },
      { name: "a2", tenant: "a", host: 1, attach: { networkId: nets.a.id } },
      { name: "b1", tenant: "b", host: 0, attach: { networkId: nets.b.id } },
    ] as const;
    for (const p of plan) {
      const vm = await createVm(p.tenant, p.name, p.host, p.attach);
      expect(vm.nics).toHaveLength(1);
      guests.push({
        name: p.name,
        tenant: p.tenant,
        host: p.host,
        vm,
        mac: vm.nics[0]!.mac,
        ipv4: vm.nics[0]!.ipv4,
      });
    }
    const [A1, A2, B1] = [guest("a1"), guest("a2"), guest("b1")];
    // IPAM: the lowest free addresses, never two alike on one network, B's beside A's.
    expect([A1.ipv4, A2.ipv4, B1.ipv4]).toEqual(["10.10.0.2", "10.10.0.3", "10.10.0.1"]);
    expect(new Set(guests.map((g) => g.mac)).size).toBe(3);
    for (const g of guests) expect(g.vm.ip).toBe(g.ipv4);
    expect((await networkOf("a")).used).toBe(2);
    // Each domain runs on the host its pool holds.
    for (const g of guests) expect(virsh(g.host, ["list", "--name"]).split("\n")).toContain(domainOf(g));
    // Each tenant reaches its guests' serial consoles through the region (the rack bridges them);
    // another tenant's key does not find the VM.
    for (const g of guests) consoles.set(g.name, await GuestConsole.open(r.url, keys[g.tenant], g.vm.id));
    await expect(GuestConsole.open(r.url, keys.b, guest("a1").vm.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const created = Date.now();
    for (const g of guests) await con(g).ready(300_000);
    console.log(
      `3 VMs created through the API on 2 hosts: ${created - t0} ms; guests answered on their consoles after ${Date.now() - created} ms more`,
    );
    for (const g of guests) {
      expect((await con(g).run("cat /sys/class/net/eth0/address")).output.trim()).toBe(g.mac);
      const addr = await con(g).run("ip -4 -o addr show dev eth0");
      expect(addr.output).toMatch(new RegExp(`inet ${g.ipv4.replace(/\./g, "\\.")}/24 `));
      // The network's MTU, from the seed: room for the VXLAN header on the fabric.
      expect((await con(g).run("cat /sys/class/net/eth0/mtu")).output.trim()).toBe(String(MTU));
    }
    // What the hosts carry: per network a bridge and a VXLAN device, head-end replication to the
    // peer (host 1 learnt host 2 from the region's host.networks when A2 joined).
    const [segA, segB] = [nets.a.segment, nets.b.segment];
    expect(ourLinks(NS[0])).toEqual(
      [
        bridgeName(segA),
        bridgeName(segB),
        segmentDeviceName(segA),
        segmentDeviceName(segB),
        tapName(A1.mac),
        tapName(B1.mac),
      ].sort(),
    );
    expect(ourLinks(NS[1])).toEqual([bridgeName(segA), segmentDeviceName(segA), tapName(A2.mac)].sort());
    for (const h of [0, 1] as const) {
      const fdb = execFileSync("bridge", ["-n", NS[h], "-j", "fdb", "show", "dev", segmentDeviceName(segA)], {
        encoding: "utf8",
      });
      expect(JSON.parse(fdb)).toEqual(
        expect.arrayContaining([expect.objectContaining({ mac: "00:00:00:00:00:00", dst: UNDERLAY[1 - h] })]),
      );
    }
    // The test's own counters, after our filters, on both hosts: B's frames on any port of A's
    // network (host 2 has only A's), A's frames on any port of B's network, spoofed packets.
    const aPorts = [`"${tapName(A1.mac)}"`, `"${tapName(A2.mac)}"`, `"${segmentDeviceName(segA)}"`].join(
      ", ",
    );
    const bPorts = [`"${tapName(B1.mac)}"`, `"${segmentDeviceName(segB)}"`].join(", ");
    for (const ns of NS) {
      nft(
        ns,
        ["-f", "-"],
        [
          "table bridge fxtest {",
          "  chain c {",
          "    type filter hook forward priority -100; policy accept;",
          `    ether saddr ${B1.mac} oifname { ${aPorts} } counter comment "B-to-A"`,
          `    ether saddr { ${A1.mac}, ${A2.mac} } oifname { ${bPorts} } counter comment "A-to-B"`,
          `    ip saddr 10.10.0.99 counter comment "spoofed"`,
          "  }",
          "}",
        ].join("\n"),
      );
    }
  }, 1_200_000);

  it("tenant A's guests reach each other across the fabric over VXLAN (ping and TCP)", async () => {
    const [A1, A2] = [guest("a1"), guest("a2")];
    // One warm-up (ARP across the fabric, under TCG), then every echo must come back.
    await con(A2).run(`ping -c 1 -W 5 ${A1.ipv4}`);
    const ping = await con(A2).run(`ping -c 3 -W 3 ${A1.ipv4}`);
    expect(ping.status).toBe(0);
    expect(ping.output).toMatch(/3 packets transmitted, 3 packets received/);
    const back = await con(A1).run(`ping -c 2 -W 3 ${A2.ipv4}`);
    expect(back.status).toBe(0);
    // A full-size frame at the network's MTU crosses too (1422 + 28 = 1450).
    expect((await con(A1).run(`ping -c 1 -W 3 -s 1422 ${A2.ipv4}`)).status).toBe(0);
    // The page A1 serves is its hostname: the VM's name, from the seed's meta-data.
    const page = await con(A2).run(served(A1));
    expect(page.output).toContain(A1.name);
    expect((await con(A2).run(get(A1.ipv4, 8080))).status).toBe(0);
    // A1's group admits no TCP from port 9090: A2's answers come back in only as established.
    expect((await con(A1).run(get(A2.ipv4, 9090))).status).toBe(0);
    // It really crossed the fabric: VXLAN frames left host 2 on its segment device.
    const tx = JSON.parse(ip(NS[1], ["-j", "-s", "link", "show", segmentDeviceName(nets.a!.segment)])) as {
      stats64: { tx: { packets: number } };
    }[];
    expect(tx[0]!.stats64.tx.packets).toBeGreaterThan(0);
  }, 300_000);

  it("A1's security group opens TCP 8080 and only that port", async () => {
    const [A1, A2] = [guest("a1"), guest("a2")];
    const before = ourCounter(NS[0], `sg_${tapName(A1.mac)}`, "sg-drop");
    const open = await con(A2).run(get(A1.ipv4, 8080));
    expect(open.status).toBe(0);
    const closed = await con(A2).run(get(A1.ipv4, 9090));
    expect(closed.status).not.toBe(0);
    // The SYNs to 9090 were dropped by A1's group (the server listens: without the group it answers).
    const dropped = ourCounter(NS[0], `sg_${tapName(A1.mac)}`, "sg-drop") - before;
    expect(dropped).toBeGreaterThan(0);
    console.log(`A1's security group dropped ${dropped} packet(s) to port 9090`);
    const local = await con(A1).run(get("127.0.0.1", 9090));
    expect(local.status).toBe(0);

    // The tenant opens 9090 to A2 alone: the region sends A1's new rules (vm.network), the rack
    // applies them; then it closes it again.
    const sg = ok(await http(r.api, "GET", `/security-groups/${sgId}`, { key: keys.a }), 200);
    const setRules = (rules: unknown[]) => async () =>
      ok(await http(r.api, "PATCH", `/security-groups/${sgId}`, { key: keys.a, body: { rules } }), 200);
    const [opened] = await tasksAfter(
      "vm.network",
      [A1.vm.id],
      setRules([...sg.rules, { protocol: "tcp", fromPort: 9090, toPort: 9090, source: `${A2.ipv4}/32` }]),
    );
    const sgChain = () => nft(NS[0], ["list", "chain", "inet", "fibrix", `sg_${tapName(A1.mac)}`]);
    expect(opened).toMatchObject({ commands: 0 }); // rules only: no link changed
    expect(sgChain()).toMatch(/10\.10\.0\.3 tcp dport 9090 /);
    expect((await con(A2).run(get(A1.ipv4, 9090))).status).toBe(0);
    const [closedAgain] = await tasksAfter("vm.network", [A1.vm.id], setRules(sg.rules));
    expect(closedAgain).toMatchObject({ commands: 0 });
    expect(sgChain()).not.toMatch(/9090/);
    expect((await con(A2).run(get(A1.ipv4, 9090))).status).not.toBe(0);
    expect((await con(A2).run(get(A1.ipv4, 8080))).status).toBe(0);
  }, 300_000);

  it("tenant B's guest reaches neither A guest and neither reaches it: 0 frames through", async () => {
    const [A1, A2, B1] = [guest("a1"), guest("a2"), guest("b1")];
    const rxOfB = () =>
      (
        JSON.parse(ip(NS[0], ["-j", "-s", "link", "show", tapName(B1.mac)])) as {
          stats64: { rx: { packets: number } };
        }[]
      )[0]!.stats64.rx.packets;
    const triedBefore = rxOfB();
    for (const target of [A1, A2]) {
      const p = await con(B1).run(`ping -c 2 -W 2 ${target.ipv4}`);
      expect(p.status).not.toBe(0);
      const t = await con(B1).run(get(target.ipv4, 8080, 3));
      expect(t.status).not.toBe(0);
    }
    for (const from of [A1, A2]) {
      const p = await con(from).run(`ping -c 2 -W 2 ${B1.ipv4}`);
      expect(p.status).not.toBe(0);
    }
    // B's guest did send (its ARP requests left its tap), yet not one frame of B reached any
    // other port on host 1 or anything on host 2, and no frame of A reached B's tap.
    expect(rxOfB()).toBeGreaterThan(triedBefore);
    for (const ns of NS) {
      const c = testCounters(ns);
      expect(c["B-to-A"]).toBe(0);
      expect(c["A-to-B"]).toBe(0);
    }
  }, 300_000);

  it("a spoofed source address from A2 is dropped on its host; host 1 sees nothing", async () => {
    const [A1, A2] = [guest("a1"), guest("a2")];
    const tap = tapName(A2.mac);
    const before =
      ourCounter(NS[1], `out_${tap}`, "spoof-ip") + ourCounter(NS[1], `out_${tap}`, "spoof-arp-ip");
    await con(A2).run("ip addr add 10.10.0.99/32 dev eth0");
    const p = await con(A2).run(`ping -c 3 -W 2 -I 10.10.0.99 ${A1.ipv4}`);
    await con(A2).run("ip addr del 10.10.0.99/32 dev eth0");
    expect(p.status).not.toBe(0);
    const after =
      ourCounter(NS[1], `out_${tap}`, "spoof-ip") + ourCounter(NS[1], `out_${tap}`, "spoof-arp-ip");
    expect(after).toBeGreaterThanOrEqual(before + 3);
    console.log(`spoofed packets dropped on host 2: ${after - before}; seen on either host: 0`);
    for (const ns of NS) expect(testCounters(ns)["spoofed"]).toBe(0);
    // A2's real address still works.
    expect((await con(A2).run(`ping -c 1 -W 3 ${A1.ipv4}`)).status).toBe(0);
  }, 300_000);

  it("the region's reconcile changes nothing in use and removes what no VM uses", async () => {
    const [A1, A2] = [guest("a1"), guest("a2")];
    // Leftovers of a network and a VM host 2 no longer has (a crash between steps).
    ip(NS[1], ["link", "add", "fxbff", "type", "bridge"]);
    ip(NS[1], [
      "link",
      "add",
      "fxvff",
      "type",
      "vxlan",
      "id",
      "255",
      "local",
      UNDERLAY[1],
      "dstport",
      "4789",
      "dev",
      "fab0",
    ]);
    ip(NS[1], ["link", "set", "fxvff", "master", "fxbff"]);
    const ghost = {
      networkId: nets.a!.id,
      segment: { kind: "vxlan" as const, vni: 0xff },
      mac: "52:54:00:0f:0f:0f",
      ipv4: "10.10.0.250",
      prefixLength: 24,
      gateway: null,
      dns: [],
      ingress: [],
    };
    nft(NS[1], ["-f", "-"], vmNftScript([ghost], parseNftRuleset(nft(NS[1], ["-j", "list", "ruleset"]))));
    const linksOf1 = ourLinks(NS[0]);
    const [h1, h2] = await reconcileHosts();
    // Host 1 is as the region wants it: nothing to do. Host 2 loses the leftovers only.
    expect(h1).toMatchObject({ unreachable: false, network: { commands: 0, rulesRemoved: false, kept: [] } });
    expect(h2).toMatchObject({ unreachable: false, network: { rulesRemoved: true, kept: [] } });
    expect(ourLinks(NS[0])).toEqual(linksOf1);
    expect(ourLinks(NS[1])).toEqual(
      [bridgeName(nets.a!.segment), segmentDeviceName(nets.a!.segment), tapName(A2.mac)].sort(),
    );
    const chains = parseNftRuleset(nft(NS[1], ["-j", "list", "ruleset"])).chains.map((c) => c.name);
    expect(chains).not.toContain(`sg_${tapName(ghost.mac)}`);
    expect(chains).toContain(`sg_${tapName(A2.mac)}`);
    expect((await con(A2).run(`ping -c 1 -W 3 ${A1.ipv4}`)).status).toBe(0);

    // Host 2 lost our rules (its nftables were restarted, say): A2 would go unfiltered. The
    // reconcile writes the rules of the VMs the host keeps again.
    for (const family of ["bridge", "inet"]) nft(NS[1], ["delete", "table", family, "fibrix"]);
    const [, again] = await reconcileHosts();
    expect(again).toMatchObject({ unreachable: false, network: { rulesApplied: [A2.vm.id] } });
    const tap = tapName(A2.mac);
    const restored = parseNftRuleset(nft(NS[1], ["-j", "list", "ruleset"])).chains.map((c) => c.name);
    expect(restored).toEqual(expect.arrayContaining([`out_${tap}`, `in_${tap}`, `sg_${tap}`]));
    await con(A2).run("ip addr add 10.10.0.99/32 dev eth0");
    expect((await con(A2).run(`ping -c 2 -W 2 -I 10.10.0.99 ${A1.ipv4}`)).status).not.toBe(0);
    await con(A2).run("ip addr del 10.10.0.99/32 dev eth0");
    expect(
      ourCounter(NS[1], `out_${tap}`, "spoof-ip") + ourCounter(NS[1], `out_${tap}`, "spoof-arp-ip"),
    ).toBeGreaterThan(0);
    expect((await con(A2).run(`ping -c 1 -W 3 ${A1.ipv4}`)).status).toBe(0);
  }, 300_000);

  it("after DELETE through the API the addresses return to IPAM and nothing of ours is left on either host", async () => {
    const [A1, A2, B1] = [guest("a1"), guest("a2"), guest("b1")];
    for (const ns of NS) nft(ns, ["delete", "table", "bridge", "fxtest"]);
    for (const c of consoles.values()) await c.close();
    consoles.clear();
    // B1 goes: host 1 drops B's network at once, and B's network can go.
    await deleteVm(B1);
    await until(
      async () => ourLinks(NS[0]),
      (l) => !l.includes(bridgeName(nets.b!.segment)),
      60_000,
    );
    expect(ourLinks(NS[0])).toEqual(
      [bridgeName(nets.a!.segment), segmentDeviceName(nets.a!.segment), tapName(A1.mac)].sort(),
    );
    expect((await networkOf("b")).used).toBe(0);
    expect((await http(r.api, "DELETE", `/networks/${nets.b!.id}`, { key: keys.b })).status).toBe(204);
    // A2 goes: its address is free again, and the next VM on A's network gets it (stopped: no boot).
    await deleteVm(A2);
    expect((await networkOf("a")).used).toBe(1);
    // Host 2 carries A's network no more: host 1 forgets it as a peer (host.networks).
    await until(
      async () => leftOn(0).fabricFdb,
      (f) => f.length === 0,
      60_000,
    );
    const a3 = await createVm("a", "a3", 1, { networkId: nets.a!.id }, "off");
    expect(a3.nics[0]!.ipv4).toBe(A2.ipv4);
    // A stopped VM keeps its network through a reconcile (its domain is defined, its tap absent),
    // and host 1 has host 2 as its peer again.
    const [, h2] = await reconcileHosts();
    expect(h2).toMatchObject({ unreachable: false, network: { rulesRemoved: false, kept: [] } });
    expect(ourLinks(NS[1])).toEqual([bridgeName(nets.a!.segment), segmentDeviceName(nets.a!.segment)].sort());
    const chains = parseNftRuleset(nft(NS[1], ["-j", "list", "ruleset"])).chains.map((c) => c.name);
    expect(chains).toContain(`sg_${tapName(a3.nics[0]!.mac)}`);
    expect(leftOn(0).fabricFdb).toEqual([expect.objectContaining({ dst: UNDERLAY[1] })]);
    // A network in use is refused; once its VMs are gone it deletes.
    const inUse = await http(r.api, "DELETE", `/networks/${nets.a!.id}`, { key: keys.a });
    expect([inUse.status, inUse.body.detail]).toEqual([409, expect.stringMatching(/used by 2 VM NIC\(s\)/)]);
    await deleteVm({ vm: a3, tenant: "a" });
    await deleteVm(A1);
    expect((await networkOf("a")).used).toBe(0);
    expect((await http(r.api, "DELETE", `/networks/${nets.a!.id}`, { key: keys.a })).status).toBe(204);
    expect((await http(r.api, "DELETE", `/security-groups/${sgId}`, { key: keys.a })).status).toBe(204);
    // The deletes themselves cleaned up; the reconcile that follows finds nothing to remove.
    const nothingLeft = { links: [], nft: "", fabricFdb: [], domains: "" };
    for (const h of [0, 1] as const) expect(leftOn(h)).toEqual(nothingLeft);
    for (const res of await reconcileHosts()) {
      expect(res).toMatchObject({
        unreachable: false,
        network: { commands: 0, rulesRemoved: false, kept: [] },
      });
    }
    for (const h of [0, 1] as const) expect(leftOn(h)).toEqual(nothingLeft);
  }, 600_000);
});
