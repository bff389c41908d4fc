/**
 * The API key as a WebSocket subprotocol (what a browser sends, backend/region/ws-bearer.ts)
 * against a real region on loopback, with `ws` as the client (it offers subprotocols exactly as
 * a browser's `new WebSocket(url, protocols)` does, and can bind a loopback source address):
 * the key authenticates as the header does, with the same tenant scoping, only on upgrades,
 * and its failures, malformed tokens too, spend the same per-address budget and are recorded
 * as the same events. No VM is needed: the scoping answer (404) comes before any rack work.
 */
import WebSocket from "ws";
import { CONSOLE_PROTOCOL, consoleProtocols, consoleUrl, BEARER_PROTOCOL_PREFIX } from "../../../sdk/console";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";
import { until } from "../rack/rack-fixtures";

let r: TestRegion;
let tenantKey: string;
const NO_VM = "vm_0123456789abcdef";

/** The refusal of an upgrade offering `protocols`, from `source` (no Authorization header). */
function upgrade(
  protocols: string[],
  opts: { source?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(consoleUrl(r.url, NO_VM), protocols, {
      handshakeTimeout: 10_000,
      ...(opts.source ? { localAddress: opts.source } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d.toString();
      });
      res.on("end", () => {
        ws.terminate();
        resolve({
          status: res.statusCode ?? 0,
          body: text ? JSON.parse(text) : undefined,
          retryAfter: res.headers["retry-after"] as string | undefined,
        });
      });
    });
    ws.once("error", reject);
  });
}

beforeAll(async () => {
  r = await startTestRegion();
  const t = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  tenantKey = (await http(r.api, "POST", "/apikeys", { body: { name: "web", tenantId: t.id } })).body.key;
});

afterAll(async () => {
  await r?.stop();
});

test("the key in the subprotocol authenticates as the header does: same principal, same scoping answer", async () => {
  const byHeader = await upgrade([CONSOLE_PROTOCOL], { headers: { authorization: `Bearer ${tenantKey}` } });
  const byProtocol = await upgrade(consoleProtocols(tenantKey));
  expect(byHeader).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  expect(byProtocol).toEqual(byHeader);
  // A plain GET (no upgrade) does not read the subprotocol header: no key, 401.
  const plain = await http(r.api, "GET", `/vms/${NO_VM}/console`, {
    key: "",
    headers: { "sec-websocket-protocol": consoleProtocols(tenantKey).join(", ") },
  });
  expect(plain.status).toBe(401);
  // The key's use is recorded as the header's is (GET /whoami, lastUsedAt on the key).
  const keys = (await http(r.api, "GET", "/apikeys", { key: tenantKey })).body.items;
  expect(keys[0].lastUsedAt).not.toBeNull();
});

test("wrong and malformed keys spend one address's budget (20, then 429) and become its events", async () => {
  const source = "127.0.0.9";
  const wrong = () => consoleProtocols(`fbx_${Math.random().toString(36).slice(2)}${"x".repeat(30)}`);
  const malformed = [CONSOLE_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}not+base64url`];
  const answers: number[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await upgrade(i % 2 ? malformed : wrong(), { source });
    answers.push(res.status);
    if (i === 1) expect(res.body.detail).toMatch(/base64url without padding/);
  }
  expect(answers).toEqual(new Array(20).fill(401));
  const limited = await upgrade(malformed, { source });
  expect(limited.status).toBe(429);
  expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await upgrade(wrong(), { source })).status).toBe(429);
  // Other addresses keep their own budget; a good key there is answered.
  expect((await upgrade(consoleProtocols(tenantKey), { source: "127.0.0.10" })).status).toBe(404);

  // Each window (10 s) writes one event for the address, as for the header path.
  const events = await until(
    async () => (await http(r.api, "GET", "/events?type=source&limit=100")).body.items,
    (items: { objectId: string; kind: string; reason: string }[]) =>
      items.some((e) => e.objectId === source && e.kind === "auth.limited"),
    20_000,
  );
  const ours = events.filter((e: { objectId: string }) => e.objectId === source);
  expect(ours).toHaveLength(1);
  expect(ours[0]!.reason).toMatch(/^20 failed and 2 rate-limited authentications/);
}, 60_000);
