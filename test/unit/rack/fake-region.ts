/**
 * A fake region for the agent's unit tests, on 127.0.0.1 only: it speaks just enough of the
 * rack protocol (heartbeat, claim with long poll, result/progress) to show what a real region
 * cannot be made to do on demand — answer 503 for a while, lose a lease (409 on progress), drop
 * a connection. Behaviour is injected per request with `intercept`.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { RackConfig, Task } from "../../../sdk/schema/rack-agent";

export interface Seen {
  path: string;
  body: Record<string, unknown>;
  auth: string | undefined;
  at: number;
}

export type Reply = { status: number; body?: unknown } | "hang-up";

interface Held {
  task: Task;
  status: "queued" | "running" | "done" | "failed";
  results: Record<string, unknown>[];
  progress: string[];
}

export const TOKEN = "fbr_fake_rack_token";

export class FakeRegion {
  readonly seen: Seen[] = [];
  readonly tasks = new Map<string, Held>();
  intercept: ((s: Seen) => Reply | undefined) | undefined;
  heartbeatIntervalMs = 10_000;
  private server!: Server;
  private seq = 0;
  url = "";

  static async start(): Promise<FakeRegion> {
    const f = new FakeRegion();
    f.server = createServer((req, res) => void f.handle(req, res));
    await new Promise<void>((r) => f.server.listen(0, "127.0.0.1", r));
    const { port } = f.server.address() as { port: number };
    f.url = `http://127.0.0.1:${port}`;
    return f;
  }

  enqueue(kind: string, objectId: string, payload: Record<string, unknown> = {}): string {
    const id = `tsk_${++this.seq}`;
    this.tasks.set(id, {
      task: { id, kind: kind as Task["kind"], objectId, attempt: 0, leaseUntil: "", payload },
      status: "queued",
      results: [],
      progress: [],
    });
    return id;
  }

  /** Puts a running task back in the queue, as the watchdog does after its lease expired. */
  requeue(id: string): void {
    this.tasks.get(id)!.status = "queued";
  }

  count(path: RegExp): number {
    return this.seen.filter((s) => path.test(s.path)).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private config(): RackConfig {
    return {
      rackId: "rck_fake",
      regionId: "reg_fake",
      dnsDomain: "fake.example",
      subnet: "10.99.0.0/24",
      gateway: null,
      dhcpRange: { start: "10.99.0.100", end: "10.99.0.200" },
      machines: [],
      heartbeatIntervalMs: this.heartbeatIntervalMs,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const path = (req.url ?? "").replace(/^\/api\/v1\/rack-agent/, "");
    const seen: Seen = {
      path,
      body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      auth: req.headers.authorization,
      at: Date.now(),
    };
    this.seen.push(seen);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const forced = this.intercept?.(seen);
    if (forced === "hang-up") {
      req.socket.destroy();
      return;
    }
    if (forced) return send(forced.status, forced.body);
    if (seen.auth !== `Bearer ${TOKEN}`) return send(401, { code: "UNAUTHENTICATED", detail: "bad token" });
    if (path === "/heartbeat") return send(200, this.config());
    if (path === "/tasks/claim") return send(200, { tasks: await this.claim(seen.body, req) });
    const m = /^\/tasks\/([^/]+)\/result$/.exec(path);
    if (m) {
      const t = this.tasks.get(m[1]!);
      if (t?.status !== "running") return send(409, { code: "CONFLICT", detail: "not running" });
      if (typeof seen.body.progress === "string" && seen.body.result === undefined && !seen.body.error) {
        t.progress.push(seen.body.progress);
        return send(204);
      }
      t.results.push(seen.body);
      t.status = seen.body.ok ? "done" : "failed";
      return send(204);
    }
    send(404, { code: "NOT_FOUND", detail: path });
  }

  private async claim(body: Record<string, unknown>, req: IncomingMessage): Promise<Task[]> {
    const max = typeof body.max === "number" ? body.max : 10;
    const deadline = Date.now() + (typeof body.waitMs === "number" ? body.waitMs : 0);
    for (;;) {
      if (req.socket.destroyed) return [];
      const out: Task[] = [];
      for (const t of this.tasks.values()) {
        if (out.length >= max) break;
        if (t.status !== "queued") continue;
        t.status = "running";
        t.task = {
          ...t.task,
          attempt: t.task.attempt + 1,
          leaseUntil: new Date(Date.now() + 60_000).toISOString(),
        };
        out.push(t.task);
      }
      if (out.length > 0 || Date.now() >= deadline) return out;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export async function until(ok: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
