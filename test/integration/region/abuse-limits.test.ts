/**
 * Abuse limits against a real region process (`fibrix region serve`, dist/): a flood of 1 000
 * wrong keys from one loopback address, wrong keys for one key prefix from two addresses
 * (127.0.0.2 and 127.0.0.3 are loopback too: the client binds its source address), the
 * long-poll bound per key, and the request bounds (body size, list limits). Clients are
 * undici's, bound to a source address with `connect.localAddress`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { ADMIN_KEY, http, type RegionProcess, startRegionProcess } from "../../helpers/region";
import { testPki } from "../../helpers/tls";
import { makeRack, until } from "../rack/rack-fixtures";

let dataDir: string;
let p: RegionProcess;
const agents = new Map<string, Agent>();

/** An undici Agent whose connections leave from `source`. */
function from(source: string): Agent {
  let a = agents.get(source);
  if (!a) {
    const tls = p.api.startsWith("https:") ? { ca: testPki().caPem } : {};
    a = new Agent({ localAddress: source, connect: tls, connections: 32 });
    agents.set(source, a);
  }
  return a;
}

async function get(source: string, path: string, key: string) {
  const t0 = performance.now();
  const res = await request(`${p.api}${path}`, {
    dispatcher: from(source),
    headers: { authorization: `Bearer ${key}` },
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    ms: performance.now() - t0,
    retryAfter: res.headers["retry-after"] as string | undefined,
    type: res.headers["content-type"] as string | undefined,
    body: text ? JSON.parse(text) : undefined,
  };
}

const wrongKey = (prefix = "fbx_") => `${prefix}${randomBytes(32).toString("base64url")}`.slice(0, 47);

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "fibrix-abuse-"));
  p = await startRegionProcess(dataDir);
}, 60_000);

afterAll(async () => {
  for (const a of agents.values()) await a.close();
  await p?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("one key prefix guessed from two addresses: limited by prefix on both; other prefixes are not", async () => {
  const prefix = "fbx_Target12";
  const statuses: string[] = [];
  for (let i = 0; i < 16; i++) {
    const source = i % 2 === 0 ? "127.0.0.2" : "127.0.0.3";
    const r = await get(source, "/regions", wrongKey(prefix));
    statuses.push(`${source.slice(-1)}:${r.status}`);
    if (r.status === 429) expect(r.body.detail).toMatch(/key prefix/);
  }
  console.log(`prefix ${prefix} from 127.0.0.2/.3: ${statuses.join(" ")}`);
  expect(statuses.slice(0, 10).every((s) => s.endsWith(":401"))).toBe(true);
  expect(statuses.slice(10).every((s) => s.endsWith(":429"))).toBe(true);
  expect(new Set(statuses.slice(10).map((s) => s[0]))).toEqual(new Set(["2", "3"]));
  // Each address has used 5 of its 20: another prefix is still only a 401.
  expect((await get("127.0.0.2", "/regions", wrongKey("fbx_Elsewher"))).status).toBe(401);
  expect((await get("127.0.0.3", "/regions", ADMIN_KEY)).status).toBe(200);
});

test("long polls per key are bounded: the 9th concurrent claim of one rack is 429; freed slots serve again", async () => {
  const rack = await makeRack({ api: p.api }, "rack-streams");
  const claim = (waitMs: number) =>
    http(p.api, "POST", "/rack-agent/tasks/claim", { key: rack.enrollmentToken, body: { max: 1, waitMs } });
  const holding = Array.from({ length: 8 }, () => claim(3_000));
  await new Promise((r) => setTimeout(r, 500));
  const ninth = await claim(0);
  expect(ninth.status).toBe(429);
  expect(ninth.headers.get("retry-after")).toBe("5");
  expect(ninth.body).toMatchObject({ code: "RATE_LIMITED" });
  expect(ninth.body.detail).toMatch(/already holds 8 task long polls/);
  const held = await Promise.all(holding);
  expect(held.map((h) => h.status)).toEqual(Array(8).fill(200));
  expect((await claim(0)).status).toBe(200);
});

test("request bounds: bodies over 1 MiB are 413 on every route kind; list limits are capped", async () => {
  const big = JSON.stringify({ hostname: "x".repeat(1024 * 1024 + 16) });
  for (const path of ["/machines", "/regions", "/vms"]) {
    const r = await http(p.api, "POST", path, { raw: big });
    expect([path, r.status, r.body.code]).toEqual([path, 413, "PAYLOAD_TOO_LARGE"]);
  }
  const rack = await makeRack({ api: p.api }, "rack-bounds", 22);
  const r = await http(p.api, "POST", "/rack-agent/tasks/tsk_x/result", {
    key: rack.enrollmentToken,
    raw: big,
  });
  expect(r.status).toBe(413);
  for (const [path, max] of [
    ["/machines", 10_000],
    ["/vms", 10_000],
    ["/events", 1_000],
  ] as const) {
    const over = await http(p.api, "GET", `${path}?limit=${max + 1}`);
    expect([path, over.status]).toEqual([path, 400]);
    expect(over.body.errors[0]).toMatchObject({ field: "querystring:/limit" });
    expect((await http(p.api, "GET", `${path}?limit=${max}`)).status).toBe(200);
  }
});

test("1 000 wrong keys from one address in 10 s: 401 then 429 + Retry-After; valid clients unaffected", async () => {
  // The admin key worked from the flooding address before: it keeps working during the flood.
  expect((await get("127.0.0.1", "/regions", ADMIN_KEY)).status).toBe(200);
  const flood: { status: number; retryAfter?: string; type?: string; code?: string }[] = [];
  const deadline = Date.now() + 10_000;
  let sent = 0;
  let flooding = true;
  const worker = async () => {
    while (sent < 1000 && Date.now() < deadline) {
      sent++;
      const r = await get("127.0.0.1", "/regions", wrongKey());
      flood.push({ status: r.status, retryAfter: r.retryAfter, type: r.type, code: r.body?.code });
    }
  };
  const valid: number[] = [];
  const sameAddress: number[] = [];
  const probe = async () => {
    while (flooding) {
      const other = await get("127.0.0.5", "/regions", ADMIN_KEY);
      expect(other.status).toBe(200);
      valid.push(other.ms);
      sameAddress.push((await get("127.0.0.1", "/regions", ADMIN_KEY)).status);
    }
  };
  const t0 = Date.now();
  // Four valid clients at once, so the p99 rests on a hundred or more samples.
  const probing = Promise.all([probe(), probe(), probe(), probe()]);
  await Promise.all(Array.from({ length: 16 }, worker));
  const floodMs = Date.now() - t0;
  flooding = false;
  await probing;

  const n401 = flood.filter((r) => r.status === 401).length;
  const limited = flood.filter((r) => r.status === 429);
  const firstLimited = flood.findIndex((r) => r.status === 429);
  console.log(
    `flood: ${flood.length} wrong keys in ${floodMs} ms from 127.0.0.1: ${n401} × 401, ${limited.length} × 429 ` +
      `(first 429 after ${firstLimited} answers); valid GETs from 127.0.0.5 meanwhile: ${valid.length}, ` +
      `p50 ${percentile(valid, 0.5).toFixed(1)} ms, p99 ${percentile(valid, 0.99).toFixed(1)} ms, ` +
      `max ${Math.max(...valid).toFixed(1)} ms; admin key from 127.0.0.1: ${sameAddress.filter((s) => s === 200).length}/${sameAddress.length} × 200`,
  );
  expect(flood).toHaveLength(1000);
  expect(floodMs).toBeLessThan(10_500);
  expect(flood.length - n401 - limited.length).toBe(0);
  // The budget: 20 at once plus one a second, and the 401s come first.
  expect(n401).toBeGreaterThanOrEqual(20);
  expect(n401).toBeLessThanOrEqual(20 + Math.ceil(floodMs / 1000) + 16);
  expect(firstLimited).toBeGreaterThanOrEqual(20 - 16);
  for (const r of limited) {
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.code).toBe("RATE_LIMITED");
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
  }
  expect(valid.length).toBeGreaterThan(10);
  expect(percentile(valid, 0.99)).toBeLessThan(1000);
  expect(sameAddress.every((s) => s === 200)).toBe(true);

  // A key never seen before, from the limited address: 429 while the address is over budget
  // (its bucket refills one failure a second, so we use one up first), then it works.
  const key = await http(p.api, "POST", "/apikeys", { body: { name: "fresh", role: "admin" } });
  expect(key.status).toBe(201);
  let fresh: Awaited<ReturnType<typeof get>> | undefined;
  for (let i = 0; i < 5 && fresh?.status !== 429; i++) {
    for (let j = 0; j < 30 && (await get("127.0.0.1", "/regions", wrongKey())).status !== 429; j++);
    fresh = await get("127.0.0.1", "/regions", key.body.key);
  }
  expect(fresh?.status).toBe(429);
  await new Promise((r) => setTimeout(r, Number(fresh!.retryAfter) * 1000));
  expect((await get("127.0.0.1", "/regions", key.body.key)).status).toBe(200);

  // Logged as events, aggregated: one per window for the address, not one per attempt.
  const events = await until(
    async () => (await http(p.api, "GET", "/events?type=source&limit=100")).body.items,
    (items: { objectId: string; kind: string; reason: string; actor: string }[]) =>
      items.some((e) => e.objectId === "127.0.0.1" && e.kind === "auth.limited"),
    20_000,
  );
  const ours = events.filter((e: { objectId: string }) => e.objectId === "127.0.0.1");
  console.log(
    `events for 127.0.0.1: ${ours.length}: ${ours.map((e: { reason: string }) => e.reason).join(" | ")}`,
  );
  expect(ours.length).toBeLessThanOrEqual(3);
  expect(ours.every((e) => e.actor === "region")).toBe(true);
  // And pino warnings (the process logs JSON on stdout at level warn), as few as the events.
  const warns = p
    .output()
    .split("\n")
    .filter((l) => l.includes('"level":40') && l.includes('"source":"127.0.0.1"'));
  console.log(`pino warnings for 127.0.0.1: ${warns.length}`);
  expect(warns.length).toBeGreaterThanOrEqual(1);
  expect(warns.length).toBeLessThanOrEqual(6);
}, 90_000);
