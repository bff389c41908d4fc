/**
 * The rack's region client against a fake region on 127.0.0.1: what it retries (5xx, a region
 * that is restarting), what it must not (a claim whose answer was lost, a refused token), and
 * that an AbortSignal ends a long poll at once.
 */
import { createServer } from "node:net";
import { RegionClient, RegionError } from "../../../backend/rack/region-client";
import { FakeRegion, TOKEN } from "./fake-region";

let region: FakeRegion;
const fast = { retries: 3, backoff: { baseMs: 5, capMs: 20 }, timeoutMs: 2_000 };
const client = (token = TOKEN) => new RegionClient({ region: region.url, token, ...fast });
const hb = { version: "t", hostname: "h" };

beforeEach(async () => {
  region = await FakeRegion.start();
});
afterEach(async () => {
  await region.close();
});

test("a heartbeat gets the rack's config, authenticated with the enrollment token", async () => {
  const c = await client().heartbeat(hb);
  expect(c.rackId).toBe("rck_fake");
  expect(region.seen[0]).toMatchObject({ path: "/heartbeat", auth: `Bearer ${TOKEN}`, body: hb });
});

test("5xx answers are retried until the region is back", async () => {
  let n = 0;
  region.intercept = (s) =>
    s.path === "/heartbeat" && n++ < 2 ? { status: 503, body: { detail: "restarting" } } : undefined;
  await expect(client().heartbeat(hb)).resolves.toMatchObject({ rackId: "rck_fake" });
  expect(region.count(/heartbeat/)).toBe(3);
});

test("retries are bounded", async () => {
  region.intercept = () => ({ status: 502 });
  const e = await client()
    .heartbeat(hb)
    .catch((x: unknown) => x);
  expect(e).toBeInstanceOf(RegionError);
  expect(e).toMatchObject({ code: "REGION_UNAVAILABLE", status: 502, retryable: true });
  expect(region.count(/heartbeat/)).toBe(1 + fast.retries);
});

test("a refused token is not retried", async () => {
  const e = await client("fbr_wrong")
    .heartbeat(hb)
    .catch((x: unknown) => x);
  expect(e).toMatchObject({ code: "RACK_UNAUTHORIZED", status: 401, retryable: false });
  expect(region.count(/heartbeat/)).toBe(1);
});

test("a lost answer is retried for a heartbeat, never for a claim (it may have leased tasks)", async () => {
  let dropped = 0;
  region.intercept = () => (dropped++ === 0 ? "hang-up" : undefined);
  await expect(client().heartbeat(hb)).resolves.toMatchObject({ rackId: "rck_fake" });
  dropped = 0;
  const e = await client()
    .claim(1, 0)
    .catch((x: unknown) => x);
  expect(e).toMatchObject({ code: "REGION_TIMEOUT", retryable: false });
  expect(region.count(/claim/)).toBe(1);
});

test("an unreachable region (connection refused) is retried, then reported", async () => {
  const free = await new Promise<number>((r) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
  const c = new RegionClient({ region: `http://127.0.0.1:${free}`, token: TOKEN, ...fast });
  const e = await c.claim(1, 0).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: "REGION_UNREACHABLE", retryable: true });
});

test("a report of a task the region no longer counts as ours is 'stale', not an error", async () => {
  const id = region.enqueue("power", "m1");
  const c = client();
  const [t] = await c.claim(1, 0);
  expect(t!.id).toBe(id);
  expect(await c.progress(id, "working")).toBe("accepted");
  expect(await c.result(id, { ok: true, result: { x: 1 } })).toBe("accepted");
  // The same report again (say our first answer was lost): already settled.
  expect(await c.result(id, { ok: true, result: { x: 1 } })).toBe("stale");
  expect(await c.progress(id, "still working")).toBe("stale");
  expect(region.tasks.get(id)!.progress).toEqual(["working"]);
});

test("an abort ends a long poll at once", async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ac.abort(), 50);
  const e = await client()
    .claim(1, 20_000, ac.signal)
    .catch((x: unknown) => x);
  expect(e).toMatchObject({ code: "ABORTED" });
  expect(Date.now() - t0).toBeLessThan(2_000);
});

test("a claim long-polls: it answers when work arrives", async () => {
  const c = client();
  const t0 = Date.now();
  setTimeout(() => region.enqueue("health", "m2"), 150);
  const tasks = await c.claim(5, 5_000);
  expect(tasks.map((t) => t.kind)).toEqual(["health"]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  expect(Date.now() - t0).toBeLessThan(3_000);
});

describe("several region URLs", () => {
  let other: FakeRegion;
  beforeEach(async () => {
    other = await FakeRegion.start();
  });
  afterEach(async () => {
    await other.close();
  });

  test("a replica that is gone: the call goes to the next one at once, and later calls stay there", async () => {
    const gone = region.url;
    await region.close();
    const c = new RegionClient({ region: `${gone},${other.url}`, token: TOKEN, ...fast });
    const t0 = Date.now();
    await expect(c.heartbeat(hb)).resolves.toMatchObject({ rackId: "rck_fake" });
    expect(c.regionUrl).toBe(other.url);
    await c.heartbeat(hb);
    expect(other.count(/heartbeat/)).toBe(2);
    // The move to the second URL did not wait for a backoff.
    expect(Date.now() - t0).toBeLessThan(1_000);
    region = await FakeRegion.start(); // for the outer afterEach
  });

  test("a replica answering 503 (no database primary behind it) sends the call to the other", async () => {
    region.intercept = () => ({ status: 503, body: { detail: "no primary" } });
    const c = new RegionClient({ region: [region.url, other.url], token: TOKEN, ...fast });
    await expect(c.heartbeat(hb)).resolves.toMatchObject({ rackId: "rck_fake" });
    expect([region.count(/heartbeat/), other.count(/heartbeat/)]).toEqual([1, 1]);
  });

  test("a claim whose answer was lost is not repeated, but the next claim goes to the other replica", async () => {
    region.intercept = () => "hang-up";
    const c = new RegionClient({ region: [region.url, other.url], token: TOKEN, ...fast });
    const e = await c.claim(1, 0).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "REGION_TIMEOUT", retryable: false });
    expect(region.count(/claim/)).toBe(1);
    const id = other.enqueue("power", "m1");
    expect((await c.claim(1, 0)).map((t) => t.id)).toEqual([id]);
  });

  test("both down: bounded retries over both, then REGION_UNREACHABLE", async () => {
    const urls = [region.url, other.url];
    await region.close();
    await other.close();
    const c = new RegionClient({ region: urls, token: TOKEN, ...fast });
    const e = await c.heartbeat(hb).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "REGION_UNREACHABLE", retryable: true });
    region = await FakeRegion.start();
    other = await FakeRegion.start();
  });

  test("a bad URL in the list is refused up front", () => {
    expect(() => new RegionClient({ region: "http://a:1,nope", token: TOKEN })).toThrow(
      /region must be http/,
    );
  });
});
