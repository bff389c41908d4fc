/**
 * GET /api/v1/events/stream (server-sent events) against real regions: a replica on the same
 * store streams events another one wrote, Last-Event-ID resumes, a tenant sees exactly what
 * the polling list shows it, and closing the server ends open streams instead of hanging.
 * Also GET /api/v1/whoami and the console's routes beside the API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FibrixClient } from "../../../sdk/client";
import type { Event } from "../../../sdk/schema/tenant";
import { eventStreamSettings } from "../../../backend/region/routes/events";
import { SseParser } from "../../../sdk/sse";
import { ADMIN_KEY, http, startTestRegion, type TestRegion } from "../../helpers/region";

let dataDir: string;
let a: TestRegion;
let b: TestRegion;
let tenantKey: string;
let n = 0;

const makeRegion = async (via: TestRegion) =>
  (await http(via.api, "POST", "/regions", { body: { name: `sse-${n}`, dnsDomain: `sse-${n++}.example` } }))
    .body as { id: string };

/** Reads raw SSE messages from `path` until `stop` says so or `ms` pass. */
async function readStream(
  api: string,
  path: string,
  key: string,
  headers: Record<string, string>,
  ms: number,
) {
  const ac = new AbortController();
  const res = await fetch(`${api}${path}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: ac.signal,
  });
  const parser = new SseParser();
  const events: Event[] = [];
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const m of parser.push(dec.decode(value, { stream: true }))) events.push(JSON.parse(m.data));
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
  }
  return { res, events };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "fibrix-sse-"));
  a = await startTestRegion({ dataDir });
  b = await startTestRegion({ dataDir });
  const tenant = (await http(a.api, "POST", "/tenants", { body: { name: "sse-acme" } })).body;
  tenantKey = (await http(a.api, "POST", "/apikeys", { body: { name: "sse-acme-key", tenantId: tenant.id } }))
    .body.key;
  await makeRegion(a);
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a replica streams, live, the events another replica writes (SDK iterator)", async () => {
  const client = new FibrixClient({ endpoint: b.url, apiKey: ADMIN_KEY });
  const ac = new AbortController();
  const seen: Event[] = [];
  const reading = (async () => {
    for await (const e of client.events.stream({ type: "region" }, { signal: ac.signal })) {
      seen.push(e);
      if (seen.length === 2) ac.abort();
    }
  })();
  // Without `after` the stream starts at the end of the log: only these two appear.
  await new Promise((r) => setTimeout(r, 500));
  const r1 = await makeRegion(a);
  const r2 = await makeRegion(a);
  const guard = setTimeout(() => ac.abort(), 10_000);
  await reading;
  clearTimeout(guard);
  expect(seen.map((e) => e.objectId)).toEqual([r1.id, r2.id]);
  expect(seen.every((e) => e.kind === "created" && e.objectType === "region")).toBe(true);
}, 20_000);

test("Last-Event-ID resumes after the given event; a bad one is a 400 naming the header", async () => {
  const all = (await http(a.api, "GET", "/events?limit=1000")).body.items as Event[];
  const from = all[all.length - 3]!.id;
  const { res, events } = await readStream(
    b.api,
    "/events/stream",
    ADMIN_KEY,
    { "last-event-id": String(from) },
    1500,
  );
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  expect(events.map((e) => e.id)).toEqual(all.slice(-2).map((e) => e.id));
  const bad = await http(b.api, "GET", "/events/stream", { headers: { "last-event-id": "x" } });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.errors)).toContain("header:last-event-id");
}, 20_000);

test("a tenant's stream shows what its polling list shows: none of the operator's events", async () => {
  const polled = (await http(a.api, "GET", "/events?after=0&limit=1000", { key: tenantKey })).body.items;
  const streaming = readStream(b.api, "/events/stream?after=0", tenantKey, {}, 2000);
  await new Promise((r) => setTimeout(r, 300));
  await makeRegion(a);
  const { res, events } = await streaming;
  expect(res.status).toBe(200);
  expect(events).toEqual(polled);
  // …while the operator's stream over the same span does carry them.
  const admin = await readStream(b.api, "/events/stream?after=0", ADMIN_KEY, {}, 1000);
  expect(admin.events.length).toBeGreaterThan(3);
  const unauth = await http(b.api, "GET", "/events/stream", { key: "fbx_wrong" });
  expect(unauth.status).toBe(401);
  expect(unauth.headers.get("content-type")).toMatch(/problem\+json/);
}, 20_000);

test("order=desc lists the newest events first (the console's recent events)", async () => {
  const asc = (await http(a.api, "GET", "/events?limit=1000")).body.items as Event[];
  const desc = (await http(a.api, "GET", "/events?order=desc&limit=3")).body.items as Event[];
  expect(desc.map((e) => e.id)).toEqual(
    asc
      .slice(-3)
      .reverse()
      .map((e) => e.id),
  );
  expect((await http(a.api, "GET", "/events?order=sideways")).status).toBe(400);
});

test("whoami names the key's principal", async () => {
  const admin = await http(a.api, "GET", "/whoami");
  expect(admin.body).toMatchObject({ kind: "admin", tenantId: null });
  const tenant = await http(a.api, "GET", "/whoami", { key: tenantKey });
  expect(tenant.body).toMatchObject({ kind: "tenant", name: "sse-acme-key" });
  expect(tenant.body.tenantId).toMatch(/^ten_/);
});

test("the console's routes do not shadow the API, health or metrics", async () => {
  for (const path of ["/", "/machines", "/machines/mch_0123456789abcdef?status=Ready"]) {
    const res = await fetch(`${a.url}${path}`);
    // 200 with index.html once `npm run build` wrote dist/ui; else the 503 saying to build it.
    expect([200, 503]).toContain(res.status);
    const text = await res.text();
    if (res.status === 200) {
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(text).toContain('<div id="app"');
    } else expect(text).toContain("npm run build");
  }
  const api404 = await fetch(`${a.url}/api/v1/nothing-here`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(api404.status).toBe(404);
  expect(api404.headers.get("content-type")).toMatch(/problem\+json/);
  expect(await (await fetch(`${a.url}/api`)).text()).toContain("NOT_FOUND");
  expect(((await (await fetch(`${a.url}/healthz`)).json()) as { status: string }).status).toBe("ok");
  expect((await fetch(`${a.url}/metrics`)).status).toBe(200);
  expect((await fetch(`${a.url}/assets/missing.js`)).status).toBe(404);
});

test("an idle stream sends heartbeat comments (which carry no event)", async () => {
  const was = eventStreamSettings.heartbeatMs;
  eventStreamSettings.heartbeatMs = 100;
  try {
    const ac = new AbortController();
    const res = await fetch(`${b.api}/events/stream`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const parser = new SseParser();
    let wire = "";
    const dec = new TextDecoder();
    while ((wire.match(/: ping\n\n/g) ?? []).length < 3) {
      const chunk = dec.decode((await reader.read()).value, { stream: true });
      wire += chunk;
      expect(parser.push(chunk)).toEqual([]);
    }
    ac.abort();
    expect(wire).toMatch(/^: fibrix event stream\nretry: 2000\n\n(: ping\n\n){3}$/);
  } finally {
    eventStreamSettings.heartbeatMs = was;
  }
});

test("closing a region ends its open streams (close does not hang)", async () => {
  const c = await startTestRegion({ dataDir });
  const res = await fetch(`${c.api}/events/stream?after=0`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const reader = res.body!.getReader();
  await reader.read();
  const t0 = Date.now();
  await c.stop();
  for (;;) if ((await reader.read()).done) break;
  expect(Date.now() - t0).toBeLessThan(3000);
}, 20_000);

test("a key holds at most its bound of open streams: the next is a 429 with Retry-After until one closes", async () => {
  const open = async () => {
    const ac = new AbortController();
    const res = await fetch(`${a.api}/events/stream`, {
      headers: { authorization: `Bearer ${tenantKey}` },
      signal: ac.signal,
    });
    return { res, close: () => ac.abort() };
  };
  const max = a.region.ctx.connections.maxPerKey;
  const held = [];
  for (let i = 0; i < max; i++) held.push(await open());
  expect(held.map((h) => h.res.status)).toEqual(Array(max).fill(200));
  const over = await open();
  expect(over.res.status).toBe(429);
  expect(Number(over.res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(((await over.res.json()) as { detail: string }).detail).toMatch(/event streams/);
  // Another key is not held up by this one's streams.
  const admin = await fetch(`${a.api}/events/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(admin.status).toBe(200);
  await admin.body?.cancel();
  held.pop()!.close();
  let again = await open();
  // The region sees the closed stream's socket go a moment after the abort.
  for (let i = 0; again.res.status === 429 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    again = await open();
  }
  expect(again.res.status).toBe(200);
  again.close();
  for (const h of held) h.close();
}, 30_000);
