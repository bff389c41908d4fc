/**
 * Serial console sessions held by this region process. A tenant's WebSocket and the rack's
 * (dialled out by the rack for the session's one-time id, carried by a `vm.console` task) are
 * piped together here; the rack never listens on a port. The store holds the session's task
 * (status, rack, errors) and its events; the two sockets live in this process only, so with
 * several replicas the rack must reach the replica that holds the client (one region address
 * per rack, or sticky routing by session id).
 *
 * Bounds: sessions per VM (QEMU's socket chardev serves one client at a time), an idle timeout
 * (no byte either way), a maximum length, a bounded buffer of what the rack sends before the
 * client side is piped, and pings that end a session whose rack vanished without a FIN.
 */
import type { WebSocket } from "ws";
import { CONSOLE_CLOSE } from "../../sdk/console";
import { ConflictError } from "../../sdk/errors";
import { newId } from "./ids";

export interface ConsoleLimits {
  /** Open sessions per VM (default 1: QEMU's serial socket serves one client at a time). */
  perVm: number;
  /** No byte either way for this long ends a session (default 15 min). */
  idleMs: number;
  /** A session's maximum length (default 4 h). */
  maxMs: number;
  /** How long the upgrade waits for the rack to dial in (default 30 s). */
  rackWaitMs: number;
  /** Ping period on both sockets; a socket that missed a pong is ended (default 20 s). */
  pingMs: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = {
  perVm: 1,
  idleMs: 15 * 60_000,
  maxMs: 4 * 3600_000,
  rackWaitMs: 30_000,
  pingMs: 20_000,
};

/** What the rack sends before the client is piped is kept up to this many bytes (then dropped). */
const EARLY_BYTES = 64 * 1024;

export interface ConsoleSession {
  id: string;
  vmId: string;
  rackId: string;
  actor: string;
  createdAt: number;
  taskId?: string;
}

export interface SessionEnd {
  bytesIn: number;
  bytesOut: number;
  ms: number;
  code: number;
  reason: string;
}

interface Held {
  session: ConsoleSession;
  rack?: WebSocket;
  early: Buffer[];
  earlyBytes: number;
  arrived: Set<() => void>;
  piped: boolean;
  /** Ends a piped session (set by pipe). */
  stop?: (code: number, reason: string) => void;
}

export class ConsoleSessions {
  readonly limits: ConsoleLimits;
  private readonly held = new Map<string, Held>();

  constructor(limits: Partial<ConsoleLimits> = {}) {
    this.limits = { ...DEFAULT_CONSOLE_LIMITS, ...limits };
  }

  /** Sessions of a VM held here (pending or piped). */
  count(vmId: string): number {
    let n = 0;
    for (const h of this.held.values()) if (h.session.vmId === vmId) n++;
    return n;
  }

  /** 409 when a VM already has as many sessions as allowed. */
  assertFree(vmId: string): void {
    const busy = [...this.held.values()].filter((h) => h.session.vmId === vmId);
    if (busy.length >= this.limits.perVm) {
      const first = busy[0]!.session;
      throw new ConflictError(
        `the console of VM ${vmId} is in use (session ${first.id} of ${first.actor} since ${new Date(first.createdAt).toISOString()}); at most ${this.limits.perVm} at a time`,
      );
    }
  }

  /** A new session for a VM, or 409 when it already has as many as allowed. */
  create(vmId: string, rackId: string, actor: string): ConsoleSession {
    this.assertFree(vmId);
    const session: ConsoleSession = { id: newId("cns"), vmId, rackId, actor, createdAt: Date.now() };
    this.held.set(session.id, { session, early: [], earlyBytes: 0, arrived: new Set(), piped: false });
    return session;
  }

  /** True when this rack may dial in for this session (known, its rack, not yet dialled). */
  expects(id: string, rackId: string): boolean {
    const h = this.held.get(id);
    return h !== undefined && h.session.rackId === rackId && h.rack === undefined;
  }

  /** The rack's socket for a session; false (and the socket is closed) when it is not expected. */
  attachRack(id: string, rackId: string, ws: WebSocket): boolean {
    const h = this.held.get(id);
    if (!h || h.session.rackId !== rackId || h.rack !== undefined) {
      ws.close(CONSOLE_CLOSE.INTERNAL, "no such console session (ended, or dialled twice)");
      return false;
    }
    h.rack = ws;
    // Kept until the client side is piped (the guest may print before the upgrade completes).
    ws.on("message", (data: Buffer) => {
      if (h.piped || h.earlyBytes + data.length > EARLY_BYTES) return;
      h.early.push(data);
      h.earlyBytes += data.length;
    });
    ws.once("close", () => {
      if (!h.piped) this.held.delete(id);
    });
    for (const w of h.arrived) w();
    return true;
  }

  /**
   * Waits for the rack's socket: resolves with it, or with the failure `check` finds (polled;
   * it reads the session's task), or "timeout" after `ms`.
   */
  async waitForRack(
    id: string,
    ms: number,
    check: () => Promise<Error | null>,
    pollMs = 250,
  ): Promise<WebSocket | Error | "timeout"> {
    const h = this.held.get(id);
    if (!h) return new Error(`console session ${id} is gone`);
    const deadline = Date.now() + ms;
    while (!h.rack) {
      const failed = await check();
      if (failed) return failed;
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          h.arrived.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.min(pollMs, left));
        h.arrived.add(done);
      });
    }
    return h.rack;
  }

  /** Forgets a session that never got piped, closing its rack side if it dialled. */
  drop(id: string, reason: string): void {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    h.rack?.close(CONSOLE_CLOSE.NORMAL, closeReason(reason));
  }

  /**
   * Pipes the client's socket to the session's rack socket until either ends, a bound is
   * reached or `stop` fires; resolves with what went through.
   */
  pipe(id: string, client: WebSocket): Promise<SessionEnd> {
    const h = this.held.get(id);
    const rack = h?.rack;
    if (!h || !rack) {
      client.close(CONSOLE_CLOSE.RACK_LOST, "the rack's side of the console is gone");
      return Promise.resolve({
        bytesIn: 0,
        bytesOut: 0,
        ms: 0,
        code: CONSOLE_CLOSE.RACK_LOST,
        reason: "rack gone",
      });
    }
    h.piped = true;
    const started = Date.now();
    const end: SessionEnd = { bytesIn: 0, bytesOut: 0, ms: 0, code: 0, reason: "" };
    return new Promise((resolve) => {
      let finished = false;
      let idle: NodeJS.Timeout | undefined;
      const alive = new Map<WebSocket, boolean>([
        [client, true],
        [rack, true],
      ]);
      const finish = (code: number, reason: string, rackCode: number, rackReason: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(idle);
        clearTimeout(max);
        clearInterval(ping);
        this.held.delete(id);
        end.ms = Date.now() - started;
        end.code = code;
        end.reason = reason;
        closeWith(client, code, reason);
        closeWith(rack, rackCode, rackReason);
        resolve(end);
      };
      const touch = () => {
        // Bytes still arriving while the sockets close must not start a new idle timer.
        if (finished) return;
        clearTimeout(idle);
        idle = setTimeout(
          () =>
            finish(CONSOLE_CLOSE.IDLE, `idle for ${Math.round(this.limits.idleMs / 1000)} s`, 1000, "idle"),
          this.limits.idleMs,
        );
      };
      const max = setTimeout(
        () =>
          finish(
            CONSOLE_CLOSE.MAX_DURATION,
            `the session reached its maximum of ${Math.round(this.limits.maxMs / 1000)} s`,
            1000,
            "maximum session length",
          ),
        this.limits.maxMs,
      );
      const ping = setInterval(() => {
        for (const [ws, ok] of alive) {
          // A paused socket (held back for a slow other side) reads no pongs; it is not dead.
          if (ws.isPaused) continue;
          if (!ok) {
            ws.terminate();
            continue;
          }
          alive.set(ws, false);
          ws.ping();
        }
      }, this.limits.pingMs);
      for (const ws of alive.keys()) ws.on("pong", () => alive.set(ws, true));
      touch();
      h.stop = (code, reason) => finish(code, reason, code, reason);

      for (const chunk of h.early) {
        end.bytesOut += chunk.length;
        client.send(chunk, { binary: true });
      }
      h.early = [];
      rack.on("message", (data: Buffer) => {
        end.bytesOut += data.length;
        touch();
        forward(rack, client, data);
      });
      client.on("message", (data: Buffer) => {
        end.bytesIn += data.length;
        touch();
        forward(client, rack, data);
      });
      client.on("close", (code, reason) =>
        finish(code, reason.toString() || "the client closed", 1000, "the client closed"),
      );
      client.on("error", () =>
        finish(CONSOLE_CLOSE.INTERNAL, "client socket error", 1000, "client socket error"),
      );
      rack.on("close", (code, reason) => {
        const why = reason.toString();
        // The rack passes on why its side ended (the VM's console closed); anything else,
        // including 1006 (its process died, no close frame), is the rack going away.
        if (code === CONSOLE_CLOSE.CONSOLE_ENDED) finish(code, why || "the VM's console ended", 1000, "");
        else
          finish(
            CONSOLE_CLOSE.RACK_LOST,
            `the rack's side of the console ended (${code === 1006 ? "connection lost" : why || `code ${code}`})`,
            1000,
            "",
          );
      });
      rack.on("error", () => finish(CONSOLE_CLOSE.RACK_LOST, "the rack's connection failed", 1000, ""));
      if (rack.readyState !== rack.OPEN)
        finish(CONSOLE_CLOSE.RACK_LOST, "the rack's side closed early", 1000, "");
      if (client.readyState !== client.OPEN)
        finish(1000, "the client left before the console opened", 1000, "client left");
    });
  }

  /** Ends every session (region shutdown). */
  closeAll(reason: string): void {
    for (const [id, h] of this.held) {
      if (h.stop) h.stop(CONSOLE_CLOSE.GOING_AWAY, reason);
      else {
        this.held.delete(id);
        h.rack?.close(CONSOLE_CLOSE.GOING_AWAY, reason);
      }
    }
  }
}

/** Above this many unsent bytes towards a slow side, the other side is paused (TCP backpressure). */
const HIGH_WATER = 1024 * 1024;

/** Sends on, pausing the sender while the receiver's buffer is full, so memory stays bounded. */
function forward(from: WebSocket, to: WebSocket, data: Buffer): void {
  if (to.readyState !== to.OPEN) return;
  to.send(data, { binary: true });
  if (to.bufferedAmount <= HIGH_WATER || from.isPaused) return;
  from.pause();
  const drain = setInterval(() => {
    if (to.readyState !== to.OPEN || to.bufferedAmount < HIGH_WATER / 2) {
      clearInterval(drain);
      if (from.readyState === from.OPEN) from.resume();
    }
  }, 20);
}

/** Close codes 1005/1006/1015 are reserved: never sent. */
function closeWith(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return;
  const sendable =
    code === 1000 ||
    (code >= 1001 && code <= 1014 && ![1005, 1006].includes(code)) ||
    (code >= 3000 && code < 5000);
  ws.close(sendable ? code : CONSOLE_CLOSE.NORMAL, closeReason(reason));
}

/** A close frame's reason holds at most 123 bytes of UTF-8. */
export function closeReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}
