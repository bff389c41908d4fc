/**
 * Safe retries, through a small flaky HTTP server on 127.0.0.1 in front of a real region: it
 * follows a script per request (503, 429, "lose" = forward then drop the answer, "hang"), then
 * passes requests through.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { BACKOFF_CAP_MS, FibrixClient, NotFoundError, TimeoutError, UnavailableError } from "../../../sdk";
import { ADMIN_KEY, startTestRegion, type TestRegion } from "../../helpers/region";

type Step = "503" | "429" | "lose" | "hang";

let r: TestRegion;
let admin: FibrixClient;
let flaky: Server;
let flakyUrl: string;
let script: Step[] = [];
let seen: { method: string; path: string; key: string | undefined }[] = [];
let slept: number[] = [];

const unavailable = JSON.stringify({
  type: "about:blank",
  title: "Service unavailable",
  status: 503,
  code: "UNAVAILABLE",
  detail: "region busy, try later",
  retryable: true,
});

function forward(
  req: import("node:http").IncomingMessage,
  body: Buffer,
  done: (status: number, headers: object, data: Buffer) => void,
) {
  const target = new URL(r.url);
  // Under FIBRIX_TEST_TLS the region speaks https (the default agent trusts the test CA).
  const up = (target.protocol === "https:" ? httpsRequest : httpRequest)(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
    (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => done(upRes.statusCode ?? 502, upRes.headers, Buffer.concat(chunks)));
    },
  );
  up.end(body);
}

/** A client through the flaky server whose backoff sleeps are recorded, not slept. */
function flakyClient(extra: { retries?: number; timeoutMs?: number } = {}): FibrixClient {
  return new FibrixClient({
    endpoint: flakyUrl,
    apiKey: ADMIN_KEY,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  });
}

beforeAll(async () => {
  r = await startTestRegion();
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
  flaky = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method!,
        path: req.url!,
        key: req.headers["idempotency-key"] as string | undefined,
      });
      const step = script.shift();
      if (step === "hang") return; // never answer: the client's timeout must fire
      if (step === "503" || step === "429") {
        res.writeHead(Number(step), {
          "content-type": "application/problem+json",
          ...(step === "429" ? { "retry-after": "2" } : {}),
        });
        res.end(
          step === "503"
            ? unavailable
            : unavailable.replace("503", "429").replace("UNAVAILABLE", "RATE_LIMITED"),
        );
        return;
      }
      forward(req, Buffer.concat(chunks), (status, headers, data) => {
        if (step === "lose") {
          // The region did the work; its answer is lost on the way back.
          res.writeHead(503, { "content-type": "application/problem+json" });
          res.end(unavailable);
          return;
        }
        res.writeHead(status, headers as Record<string, string>);
        res.end(data);
      });
    });
  });
  await new Promise<void>((res) => flaky.listen(0, "127.0.0.1", () => res()));
  flakyUrl = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
});
afterAll(async () => {
  flaky.closeAllConnections();
  await new Promise<void>((res) => flaky.close(() => res()));
  await r.stop();
});
beforeEach(() => {
  script = [];
  seen = [];
  slept = [];
});

test("a keyed create that fails twice with 503 then succeeds makes exactly one object", async () => {
  script = ["503", "503"];
  const t = await flakyClient().tenants.create({ name: "retry-co" }, { idempotencyKey: "idem-retry-co" });
  expect(seen.map((s) => [s.method, s.key])).toEqual([
    ["POST", "idem-retry-co"],
    ["POST", "idem-retry-co"],
    ["POST", "idem-retry-co"],
  ]);
  expect(slept).toHaveLength(2);
  expect(slept.every((ms) => ms >= 0 && ms <= BACKOFF_CAP_MS)).toBe(true);
  expect((await admin.tenants.listAll()).filter((x) => x.name === "retry-co").map((x) => x.id)).toEqual([
    t.id,
  ]);
});

test("a create whose answer was lost is retried with the same generated key: still one object", async () => {
  script = ["lose", "lose"];
  const t = await flakyClient().tenants.create({ name: "lost-answer-co" });
  expect(seen).toHaveLength(3);
  expect(new Set(seen.map((s) => s.key)).size).toBe(1);
  expect(seen[0]!.key).toMatch(/^idem_[0-9a-f-]{36}$/);
  expect((await admin.tenants.listAll()).filter((x) => x.name === "lost-answer-co").map((x) => x.id)).toEqual(
    [t.id],
  );
});

test("a POST without an Idempotency-Key is never retried", async () => {
  script = ["503"];
  const c = flakyClient();
  await expect(c.http.post("/tenants", { name: "once-co" })).rejects.toBeInstanceOf(UnavailableError);
  expect(seen).toHaveLength(1);
  // Machine actions are such POSTs: a lost answer must not run the action twice.
  script = ["503"];
  await expect(c.machines.action("mch_0000000000000000", "commission")).rejects.toBeInstanceOf(
    UnavailableError,
  );
  expect(seen).toHaveLength(2);
  expect(slept).toEqual([]);
});

test("a PATCH is not retried (a lost success would come back as a false 412)", async () => {
  const t = await admin.regions.create({ name: "patchy", dnsDomain: "patchy.fibrix.example" });
  script = ["lose"];
  await expect(
    flakyClient().regions.update(t.id, { description: "x" }, { ifMatch: t.version }),
  ).rejects.toBeInstanceOf(UnavailableError);
  expect(seen).toHaveLength(1);
  await admin.regions.delete(t.id);
});

test("GETs are retried a bounded number of times, then the typed error surfaces", async () => {
  script = Array<Step>(10).fill("503");
  const err = await flakyClient({ retries: 3 })
    .regions.list()
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnavailableError);
  expect((err as Error).message).toBe("region busy, try later");
  expect(seen).toHaveLength(1 + 3);
  expect(slept).toHaveLength(3);
  script = [];
});

test("429 honours Retry-After", async () => {
  script = ["429"];
  expect((await flakyClient().regions.list()).items).toBeDefined();
  expect(seen).toHaveLength(2);
  expect(slept).toEqual([2000]);
});

test("a DELETE whose answer was lost: the retry's 404 means done", async () => {
  const t = await admin.tenants.create({ name: "delete-me-co" });
  script = ["lose"];
  await flakyClient().tenants.delete(t.id);
  expect(seen.map((s) => s.method)).toEqual(["DELETE", "DELETE"]);
  await expect(admin.tenants.get(t.id)).rejects.toBeInstanceOf(NotFoundError);
  // A first-attempt 404 is still an error.
  await expect(flakyClient().tenants.delete(t.id)).rejects.toBeInstanceOf(NotFoundError);
});

test("network failures: refused is UnavailableError, silence is TimeoutError", async () => {
  const refused = new FibrixClient({
    endpoint: "http://127.0.0.1:9",
    apiKey: ADMIN_KEY,
    retries: 1,
    sleep: async () => undefined,
  });
  await expect(refused.regions.list()).rejects.toMatchObject({
    name: "UnavailableError",
    message: expect.stringMatching(/ECONNREFUSED/),
  });
  script = ["hang"];
  const started = Date.now();
  await expect(flakyClient({ retries: 0, timeoutMs: 300 }).regions.list()).rejects.toBeInstanceOf(
    TimeoutError,
  );
  expect(Date.now() - started).toBeLessThan(5000);
});
