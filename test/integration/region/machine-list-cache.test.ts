/**
 * Machine lists are served from cached bodies (backend/region/list-cache.ts): a cached body is
 * reused only while the listed ids and versions are unchanged, so writes from this region or
 * from a second replica on the same database show up in the very next list, on both stores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";
import { STORES, type StoreUnderTest } from "../../helpers/stores";

type Json = Record<string, any>;

describe.each(STORES)("machine list cache on %s", (_name, makeStore) => {
  let store: StoreUnderTest;
  let dataDir: string;
  let a: TestRegion;
  let b: TestRegion;
  let rackId: string;
  let otherRegionId: string;
  let n = 0;

  const create = async (via: TestRegion, rack = rackId, tags: string[] = []) => {
    const i = n++;
    const res = await http(via.api, "POST", "/machines", {
      body: {
        hostname: `cache-${i}`,
        rackId: rack,
        macs: [
          `52:54:00:20:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
        ],
        power: { type: "manual" },
        tags,
        commission: false,
      },
    });
    expect(res.status).toBe(201);
    return res.body as Json;
  };
  const list = async (via: TestRegion, query = "limit=1000") => {
    const res = await http(via.api, "GET", `/machines?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    return res.body as { items: Json[]; nextCursor: string | null };
  };
  const byId = (items: Json[]) => new Map(items.map((m) => [m.id as string, m]));

  beforeAll(async () => {
    store = makeStore();
    dataDir = mkdtempSync(join(tmpdir(), "fibrix-list-cache-"));
    const databaseUrl = await store.databaseUrl();
    // Two replicas on one database (and one secret key): on SQLite, two connections to one file.
    a = await startTestRegion({ databaseUrl, dataDir });
    b = await startTestRegion({ databaseUrl, dataDir });
    const rack = async (name: string, regionName: string, subnet: string) => {
      const regionId = (
        await http(a.api, "POST", "/regions", {
          body: { name: regionName, dnsDomain: `${regionName}.fibrix.example` },
        })
      ).body.id as string;
      const id = (
        await http(a.api, "POST", "/racks", {
          body: {
            name,
            regionId,
            subnet: `${subnet}.0/24`,
            dhcpRange: { start: `${subnet}.100`, end: `${subnet}.200` },
          },
        })
      ).body.id as string;
      return { regionId, id };
    };
    rackId = (await rack("cache-rack", "cache", "10.30.0")).id;
    const other = await rack("cache-rack-2", "cache-two", "10.30.1");
    otherRegionId = other.regionId;
    for (let i = 0; i < 20; i++) await create(a, i < 15 ? rackId : other.id, i % 3 ? [] : ["third"]);
  }, 120_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await store?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a repeated list answers the same body, and each item is what GET /machines/:id answers", async () => {
    const first = await list(a);
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toBeNull();
    expect(await list(a)).toEqual(first);
    for (const m of first.items.slice(0, 3)) {
      expect((await http(a.api, "GET", `/machines/${m.id}`)).body).toEqual(m);
    }
  });

  test("writes through the other replica show up in the next list: update, transition, delete, create", async () => {
    const before = byId((await list(a)).items);
    const [m1, m2, m3] = [...before.values()];

    const upd = await http(b.api, "PATCH", `/machines/${m1!.id}`, { body: { description: "moved" } });
    expect(upd.status).toBe(200);
    let now = byId((await list(a)).items);
    expect(now.get(m1!.id)).toEqual(upd.body);
    expect(now.get(m1!.id)!.version).toBe(m1!.version + 1);

    const act = await http(b.api, "POST", `/machines/${m2!.id}/actions/mark-broken`, {
      body: { reason: "psu" },
    });
    expect(act.status).toBe(200);
    now = byId((await list(a)).items);
    expect(now.get(m2!.id)).toEqual(act.body);
    expect(now.get(m2!.id)!.status).toBe("Broken");

    expect((await http(b.api, "DELETE", `/machines/${m3!.id}`)).status).toBe(204);
    const added = await create(b);
    now = byId((await list(a)).items);
    expect(now.has(m3!.id)).toBe(false);
    expect(now.get(added.id)).toEqual(added);
    expect(now.size).toBe(20);
    // And this replica's own list agrees.
    expect(await list(b)).toEqual(await list(a));
  });

  test("pages and filters are cached apart and stay exact", async () => {
    const all = (await list(a)).items;
    const pages = async () => {
      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Json[]; nextCursor: string | null } = await list(
          a,
          `limit=6${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await pages()).toEqual(all);
    // A change on the second page, through the other replica.
    const target = all[8]!;
    const upd = await http(b.api, "PATCH", `/machines/${target.id}`, { body: { tags: ["third", "late"] } });
    expect(upd.status).toBe(200);
    const again = await pages();
    expect(again[8]).toEqual(upd.body);
    expect(again.map((m) => m.id)).toEqual(all.map((m) => m.id));

    const current = (await list(a)).items;
    const expectFilter = async (query: string, keep: (m: Json) => boolean) => {
      const want = current.filter(keep).map((m) => m.id);
      expect(want.length).toBeGreaterThan(0);
      expect((await list(a, `limit=1000&${query}`)).items.map((m) => m.id)).toEqual(want);
      expect((await list(a, `limit=1000&${query}`)).items.map((m) => m.id)).toEqual(want);
    };
    await expectFilter(`region=${otherRegionId}`, (m) => m.regionId === otherRegionId);
    await expectFilter(`rack=${rackId}`, (m) => m.rackId === rackId);
    await expectFilter("tag=third", (m) => m.tags.includes("third"));
    await expectFilter("status=Broken", (m) => m.status === "Broken");
    await expectFilter("status=New", (m) => m.status === "New");
    // A filtered list changes when a machine enters it through the other replica.
    const next = current.find((m) => m.status === "New")!;
    expect((await http(b.api, "POST", `/machines/${next.id}/actions/mark-broken`, { body: {} })).status).toBe(
      200,
    );
    expect((await list(a, "limit=1000&status=Broken")).items.map((m) => m.id)).toContain(next.id);
    expect((await list(a, "limit=1000&status=New")).items.map((m) => m.id)).not.toContain(next.id);
  });
});
