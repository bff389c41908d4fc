import WebSocket, { WebSocketServer } from "ws";
import { type ConsoleLimits, ConsoleSessions, closeReason } from "../../../backend/region/console-sessions";

test("one session per VM by default: the second is a 409 naming the first and its owner", () => {
  const s = new ConsoleSessions();
  const a = s.create("vm_1", "rck_1", "tenant:t1:ci");
  expect(a.id).toMatch(/^cns_[0-9a-f]{16}$/);
  expect(() => s.create("vm_1", "rck_1", "tenant:t1:other")).toThrow(
    expect.objectContaining({ status: 409, message: expect.stringContaining(`${a.id} of tenant:t1:ci`) }),
  );
  // Other VMs are not affected; a dropped session frees its VM.
  expect(s.create("vm_2", "rck_1", "x").vmId).toBe("vm_2");
  s.drop(a.id, "test");
  expect(s.count("vm_1")).toBe(0);
  expect(s.create("vm_1", "rck_1", "x").vmId).toBe("vm_1");
});

test("only the session's own rack may dial in for it, and only for a live session", () => {
  const s = new ConsoleSessions({ perVm: 2 });
  const a = s.create("vm_1", "rck_1", "x");
  expect(s.expects(a.id, "rck_1")).toBe(true);
  expect(s.expects(a.id, "rck_2")).toBe(false);
  expect(s.expects("cns_0000000000000000", "rck_1")).toBe(false);
  s.drop(a.id, "gone");
  expect(s.expects(a.id, "rck_1")).toBe(false);
});

test("waitForRack: a failure found by the check ends the wait; no rack and no failure is a timeout", async () => {
  const s = new ConsoleSessions();
  const a = s.create("vm_1", "rck_1", "x");
  let calls = 0;
  const failed = await s.waitForRack(
    a.id,
    5_000,
    async () => (++calls >= 2 ? new Error("CONSOLE_UNAVAILABLE") : null),
    5,
  );
  expect(failed).toBeInstanceOf(Error);
  expect(await s.waitForRack(a.id, 30, async () => null, 5)).toBe("timeout");
});

test("close reasons are cut to the 123 bytes a close frame holds, never inside a character", () => {
  expect(closeReason("short")).toBe("short");
  const long = "é".repeat(100); // 200 bytes
  const cut = closeReason(long);
  expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
  expect(cut).toBe("é".repeat(61));
});

/**
 * The pipe over real WebSockets on loopback (ws both ends): the region's two server-side
 * sockets, and the rack and the client as ws clients.
 */
describe("pipe", () => {
  let server: WebSocketServer;
  let url: string;
  const accepted: WebSocket[] = [];
  const waiting: ((ws: WebSocket) => void)[] = [];
  beforeAll(async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => server.once("listening", r));
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
    server.on("connection", (ws) => {
      const w = waiting.shift();
      if (w) w(ws);
      else accepted.push(ws);
    });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  async function dial(): Promise<{ near: WebSocket; far: WebSocket }> {
    const far = new Promise<WebSocket>((r) => waiting.push(r));
    const near = new WebSocket(url);
    await new Promise((r) => near.once("open", r));
    return { near, far: await far };
  }

  async function session(limits: Partial<ConsoleLimits> = {}) {
    const s = new ConsoleSessions(limits);
    const c = s.create("vm_1", "rck_1", "tenant:t:ci");
    const rack = await dial();
    rack.near.send(Buffer.from("early boot line\n"));
    expect(s.attachRack(c.id, "rck_1", rack.far)).toBe(true);
    const client = await dial();
    const got: string[] = [];
    client.near.on("message", (d: Buffer) => got.push(d.toString()));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      client.near.once("close", (code, reason) => r({ code, reason: reason.toString() })),
    );
    await new Promise((r) => setTimeout(r, 50));
    const ended = s.pipe(c.id, client.far);
    return { s, c, rack: rack.near, client: client.near, got, closed, ended };
  }

  test("bytes both ways, what the rack sent early first; the client's close ends the rack side", async () => {
    const t = await session();
    const atRack: string[] = [];
    t.rack.on("message", (d: Buffer) => atRack.push(d.toString()));
    const rackClosed = new Promise((r) => t.rack.once("close", r));
    t.client.send(Buffer.from("ls\n"));
    t.rack.send(Buffer.from("bin dev\n"));
    await new Promise((r) => setTimeout(r, 100));
    expect(atRack).toEqual(["ls\n"]);
    expect(t.got).toEqual(["early boot line\n", "bin dev\n"]);
    t.client.close(1000, "bye");
    expect(await rackClosed).toBe(1000);
    const end = await t.ended;
    expect(end).toMatchObject({ bytesIn: 3, bytesOut: 16 + 8, code: 1000 });
    expect(t.s.count("vm_1")).toBe(0);
  });

  test("idle ends with 4001; the VM's console ending with 4000 and its reason; a vanished rack with 4003", async () => {
    const idle = await session({ idleMs: 200 });
    expect(await idle.closed).toMatchObject({ code: 4001, reason: expect.stringMatching(/idle/) });

    const ended = await session();
    ended.rack.close(4000, "the VM's console ended on its host (the VM stopped?)");
    expect(await ended.closed).toEqual({
      code: 4000,
      reason: "the VM's console ended on its host (the VM stopped?)",
    });

    const lost = await session();
    lost.rack.terminate();
    expect(await lost.closed).toMatchObject({ code: 4003, reason: expect.stringMatching(/connection lost/) });
  });
});
