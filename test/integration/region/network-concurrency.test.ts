/**
 * Issue #11 acceptance at the region, on SQLite and PostgreSQL: 200 concurrent VM creates from
 * 20 tenants on 3 shared networks (one of them too small for its share, so some creates are
 * refused) hand out no address twice, no MAC twice; 200 concurrent network creates give 0
 * duplicate VNIs and no overlapping subnets in a tenant; and a kill -9 of the region child
 * process halfway leaves every acknowledged VM with its addresses, no duplicates, and no
 * address held for a VM that does not exist. Built like vm-capacity.test.ts (same set-up of
 * hosts in the store, same kill -9 loop).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../../../backend/region/store/database";
import { openStore } from "../../../backend/region/store/open";
import { contains, ipToInt, parseCidr } from "../../../sdk/model/ipv4";
import { http, registerImage, startRegionProcess, startTestRegion } from "../../helpers/region";
import { STORES } from "../../helpers/stores";

const HOSTS = 12;
const TENANTS = 20;
const CREATES = 200;
/** /24 and /25 hold their share; the /27 (29 addresses) does not, so its overflow is refused. */
const SUBNETS = ["10.60.0.0/24", "10.61.0.0/25", "10.62.0.0/27"];

interface Fixture {
  poolId: string;
  keys: string[];
  networks: { id: string; cidr: string; gateway: string }[];
}

async function setUp(api: string, db: Kysely<Database>): Promise<Fixture> {
  const call = (method: string, path: string, opts: { body?: unknown } = {}) => http(api, method, path, opts);
  const ok = (res: { status: number; body: any }) => {
    if (res.status >= 300) throw new Error(JSON.stringify(res.body));
    return res.body;
  };
  const regionId = ok(
    await call("POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
  ).id;
  const rackId = ok(
    await call("POST", "/racks", {
      body: {
        name: "rack-0",
        regionId,
        subnet: "10.0.0.0/16",
        dhcpRange: { start: "10.0.1.1", end: "10.0.9.9" },
      },
    }),
  ).id;
  const tenants: string[] = [];
  const keys: string[] = [];
  for (let t = 0; t < TENANTS; t++) {
    const id = ok(await call("POST", "/tenants", { body: { name: `tenant-${t}` } })).id;
    tenants.push(id);
    keys.push(ok(await call("POST", "/apikeys", { body: { name: "ci", tenantId: id } })).key);
  }
  const poolId = ok(
    await call("POST", "/pools", { body: { name: "shared", cpuOvercommit: 16, tenants } }),
  ).id;
  await registerImage(api, "ubuntu-24.04", { os: "ubuntu" });
  for (let h = 0; h < HOSTS; h++) {
    const m = ok(
      await call("POST", "/machines", {
        body: {
          hostname: `kvm-${h}`,
          rackId,
          macs: [`52:54:00:77:00:${h.toString(16).padStart(2, "0")}`],
          power: { type: "manual" },
          poolId,
          vmHost: true,
          commission: false,
        },
      }),
    );
    await db
      .updateTable("machines")
      .set({
        status: "Deployed",
        inventory: JSON.stringify({
          cores: 2,
          memoryMiB: 65536,
          storage: [{ name: "sda", sizeGiB: 8000 }],
          nics: [],
        }),
        vmHostConfig: JSON.stringify({
          uri: "test:///default",
          fabric: { underlayDevice: "fab0", underlayAddress: `10.99.0.${h + 1}` },
        }),
      })
      .where("id", "=", m.id)
      .execute();
  }
  const networks = [];
  for (const [i, cidr] of SUBNETS.entries()) {
    networks.push(ok(await call("POST", "/networks", { body: { name: `net-${i}`, cidr, shared: true } })));
  }
  return { poolId, keys, networks };
}

/** VM i: one NIC on network i % 3; every fifth VM a second NIC on the next network. */
function request(i: number, f: Fixture) {
  const first = f.networks[i % 3]!;
  const second = f.networks[(i + 1) % 3]!;
  return {
    name: `vm-${i}`,
    poolId: f.poolId,
    image: "ubuntu-24.04",
    cores: 1,
    memoryMiB: 256,
    diskGiB: 10,
    networks: i % 5 === 0 ? [{ networkId: first.id }, { networkId: second.id }] : [{ networkId: first.id }],
  };
}

interface Audit {
  nics: number;
  duplicateAddresses: number;
  duplicateMacs: number;
  outOfSubnet: number;
  orphanNics: number;
  vmsMissingNics: number;
}

/** What the store holds: duplicates, addresses outside their subnet or on reserved addresses, orphans. */
async function audit(db: Kysely<Database>, f: Fixture): Promise<Audit> {
  const nics = await db.selectFrom("nics").selectAll().execute();
  const vms = await db.selectFrom("vms").select(["id", "networks"]).execute();
  const byAddr = new Set(nics.map((n) => `${n.networkId}/${n.address}`));
  const macs = new Set(nics.map((n) => n.mac));
  const outOfSubnet = nics.filter((n) => {
    const net = f.networks.find((x) => x.id === n.networkId)!;
    const c = parseCidr(net.cidr);
    const a = ipToInt(n.address);
    return (
      !contains(c, n.address) || a === c.network || a === c.network + c.size - 1 || n.address === net.gateway
    );
  }).length;
  const vmIds = new Set(vms.map((v) => v.id));
  const orphanNics = nics.filter((n) => !vmIds.has(n.vmId)).length;
  const vmsMissingNics = vms.filter(
    (v) => nics.filter((n) => n.vmId === v.id).length !== (JSON.parse(v.networks) as unknown[]).length,
  ).length;
  return {
    nics: nics.length,
    duplicateAddresses: nics.length - byAddr.size,
    duplicateMacs: nics.length - macs.size,
    outOfSubnet,
    orphanNics,
    vmsMissingNics,
  };
}

const CLEAN = { duplicateAddresses: 0, duplicateMacs: 0, outOfSubnet: 0, orphanNics: 0, vmsMissingNics: 0 };

describe.each(STORES)("tenant network concurrency on %s", (storeName, makeStore) => {
  const store = makeStore();
  afterAll(async () => store.stop());

  test(`${CREATES} concurrent VM creates from ${TENANTS} tenants on 3 networks; ${CREATES} concurrent network creates`, async () => {
    const r = await startTestRegion({ databaseUrl: await store.databaseUrl() });
    try {
      const db = r.region.ctx.store.db;
      const f = await setUp(r.api, db);
      let t0 = Date.now();
      const results = await Promise.all(
        Array.from({ length: CREATES }, (_, i) =>
          http(r.api, "POST", "/vms", { key: f.keys[i % TENANTS], body: request(i, f) }),
        ),
      );
      const vmMs = Date.now() - t0;
      const created = results.filter((x) => x.status === 201);
      const refused = results.filter((x) => x.status === 409);
      expect(created.length + refused.length).toBe(CREATES);
      // Only the /27 runs out, and each refusal says so.
      expect(refused.every((x) => /network net-2 .* is full/.test(x.body.detail))).toBe(true);
      expect(refused.length).toBeGreaterThan(0);
      const a = await audit(db, f);
      expect(a).toMatchObject(CLEAN);
      expect(a.nics).toBe(created.reduce((s, x) => s + x.body.nics.length, 0));
      // What the API showed matches the store, and no address was shown twice.
      const shown = created.flatMap((x) => x.body.nics.map((n: any) => `${n.networkId}/${n.ipv4}`));
      expect(new Set(shown).size).toBe(shown.length);
      expect(created.every((x) => x.body.ip === x.body.nics[0].ipv4)).toBe(true);
      const small = await db
        .selectFrom("nics")
        .select("address")
        .where("networkId", "=", f.networks[2]!.id)
        .execute();
      expect(small.length).toBe(29);

      // 200 network creates: 8 region-picked /28s and 2 racing on one explicit /24 per tenant.
      t0 = Date.now();
      const nets = await Promise.all(
        Array.from({ length: CREATES }, (_, i) => {
          const tenant = i % TENANTS;
          const k = Math.floor(i / TENANTS);
          const body =
            k < 8 ? { name: `p-${k}`, prefixLength: 28 } : { name: `x-${k}`, cidr: "10.200.0.0/24" };
          return http(r.api, "POST", "/networks", { key: f.keys[tenant], body });
        }),
      );
      const netMs = Date.now() - t0;
      const made = nets.filter((x) => x.status === 201);
      const overlapRefused = nets.filter((x) => x.status === 400 && x.body.errors[0].field === "/cidr");
      expect([made.length, overlapRefused.length]).toEqual([180, 20]);
      const vnis = await db.selectFrom("networks").select(["vni", "tenantId", "cidr"]).execute();
      const duplicateVnis = vnis.length - new Set(vnis.map((n) => n.vni)).size;
      expect(duplicateVnis).toBe(0);
      let overlapping = 0;
      for (const t of new Set(vnis.map((n) => n.tenantId))) {
        const mine = vnis
          .filter((n) => n.tenantId === t || n.tenantId === null)
          .map((n) => parseCidr(n.cidr));
        for (let x = 0; x < mine.length; x++)
          for (let y = x + 1; y < mine.length; y++)
            if (
              mine[x]!.network < mine[y]!.network + mine[y]!.size &&
              mine[y]!.network < mine[x]!.network + mine[x]!.size
            )
              overlapping++;
      }
      expect(overlapping).toBe(0);
      console.log(
        `${storeName}: ${CREATES} VM creates in ${vmMs} ms: ${created.length} created (${a.nics} NICs), ${refused.length} refused (net-2 full); ` +
          `duplicates: ${a.duplicateAddresses} addresses, ${a.duplicateMacs} MACs. ` +
          `${CREATES} network creates in ${netMs} ms: ${made.length} created, ${overlapRefused.length} refused (overlap); ${duplicateVnis} duplicate VNIs, ${overlapping} overlaps`,
      );
    } finally {
      await r.stop();
    }
  }, 300_000);

  test("kill -9 of the region halfway: every acknowledged VM has its addresses, no duplicates, no orphans", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fibrix-netkill-"));
    const databaseUrl = await store.databaseUrl();
    const first = await startRegionProcess(dataDir, databaseUrl);
    const side = await openStore({ dataDir, databaseUrl });
    try {
      const f = await setUp(first.api, side.db);
      const acked = new Map<string, string[]>();
      let killed = false;
      let cut = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: CREATES }, async (_, i) => {
          try {
            const res = await http(first.api, "POST", "/vms", {
              key: f.keys[i % TENANTS],
              body: request(i, f),
            });
            if (res.status === 201)
              acked.set(
                res.body.id,
                res.body.nics.map((n: any) => `${n.networkId}/${n.ipv4}`),
              );
          } catch {
            cut++; // cut off by the kill
          }
          if (!killed && acked.size >= 60) {
            killed = true;
            first.kill9();
          }
        }),
      );
      await first.stop();
      expect(killed).toBe(true);
      const second = await startRegionProcess(dataDir, databaseUrl);
      try {
        const present = await side.db.selectFrom("nics").select(["vmId", "networkId", "address"]).execute();
        const held = new Set(present.map((n) => `${n.networkId}/${n.address}`));
        const lost = [...acked.entries()].filter(([, addrs]) => addrs.some((a) => !held.has(a)));
        expect(lost).toEqual([]);
        const vmIds = new Set((await side.db.selectFrom("vms").select("id").execute()).map((v) => v.id));
        expect([...acked.keys()].filter((id) => !vmIds.has(id))).toEqual([]);
        const before = await audit(side.db, f);
        expect(before).toMatchObject(CLEAN);
        // The restarted region goes on handing out addresses from where the store stands.
        const more = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            http(second.api, "POST", "/vms", { key: f.keys[i % TENANTS], body: request(CREATES + i, f) }),
          ),
        );
        expect(
          more.every((x) => x.status === 201 || (x.status === 409 && /is full/.test(x.body.detail))),
        ).toBe(true);
        const after = await audit(side.db, f);
        expect(after).toMatchObject(CLEAN);
        console.log(
          `${storeName}: kill -9 after ${acked.size} acknowledged VM creates (${cut} cut off, ${Date.now() - t0} ms); ` +
            `after restart ${vmIds.size} VMs, ${before.nics} NICs, ${before.duplicateAddresses} duplicate addresses, ` +
            `${before.duplicateMacs} duplicate MACs, ${before.orphanNics} orphan addresses, ${before.vmsMissingNics} VMs missing a NIC; ` +
            `40 more creates: ${more.filter((x) => x.status === 201).length} created, ${after.duplicateAddresses} duplicates`,
        );
      } finally {
        await second.stop();
      }
    } finally {
      await side.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
