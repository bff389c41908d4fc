/**
 * The rack's side of serial console sessions: for each vm.console task the rack dials OUT a
 * WebSocket to the region (`/api/v1/rack-agent/consoles/:session`, its rack token, like the
 * rest of the rack protocol; no inbound port) and carries the VM's console bytes over it.
 * The bridge outlives its task: it ends when either side does. The VM's console ending (the VM
 * stopped) closes the region side with CONSOLE_ENDED; the region side ending closes the
 * console socket. Stopping the agent closes every bridge (the client sees RACK_LOST).
 */
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import WebSocket from "ws";
import type https from "node:https";
import { CONSOLE_CLOSE } from "../../sdk/console";
import { TaskError } from "./executor";

export interface ConsoleBridgeOptions {
  /** Region base URLs (http(s)://…; `/api/v1` is added): the replicas, tried in order. */
  regions: readonly string[];
  /** The rack's bearer secret, and the agent that trusts the region as the rack protocol does. */
  token: string;
  httpsAgent?: https.Agent;
  log: Logger;
  /** Bound on the WebSocket handshake with the region (default 10 s). */
  handshakeMs?: number;
}

/** Paused console output is resumed once the region socket's buffer drains below this. */
const HIGH_WATER = 256 * 1024;

export class ConsoleBridges {
  private readonly open = new Map<string, WebSocket>();
  private readonly bases: string[];

  constructor(private readonly opts: ConsoleBridgeOptions) {
    this.bases = opts.regions.map((r) =>
      r
        .replace(/\/+$/, "")
        .replace(/\/api\/v1$/, "")
        .replace(/^http/i, "ws"),
    );
  }

  get count(): number {
    return this.open.size;
  }

  /**
   * Dials the region for `session` and pipes `serial` through; resolves once both are open. The
   * session lives in the replica that took the client's upgrade: another replica answers 404,
   * so each is tried in turn.
   */
  async bridge(session: string, serial: Duplex, signal?: AbortSignal): Promise<void> {
    let ws: WebSocket | undefined;
    try {
      for (const [i, base] of this.bases.entries()) {
        try {
          ws = await this.dial(`${base}/api/v1/rack-agent/consoles/${encodeURIComponent(session)}`, signal);
          break;
        } catch (e) {
          if (i === this.bases.length - 1 || signal?.aborted) throw e;
        }
      }
    } catch (e) {
      serial.destroy();
      throw e;
    }
    this.pipe(session, ws!, serial);
  }

  private async dial(url: string, signal?: AbortSignal): Promise<WebSocket> {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.opts.token}` },
      handshakeTimeout: this.opts.handshakeMs ?? 10_000,
      maxPayload: 64 * 1024,
      ...(this.opts.httpsAgent ? { agent: this.opts.httpsAgent } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => ws.terminate();
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.once("open", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      ws.once("unexpected-response", (_req, res) => {
        signal?.removeEventListener("abort", onAbort);
        reject(
          new TaskError("CONSOLE_REFUSED", `the region refused the console socket: HTTP ${res.statusCode}`),
        );
        res.resume();
        ws.terminate();
      });
      // `on`, not `once`: a terminate() after a refusal may emit one more error.
      ws.on("error", (e) => {
        signal?.removeEventListener("abort", onAbort);
        reject(
          new TaskError(
            "CONSOLE_REFUSED",
            `cannot open the console socket to the region: ${e.message}`,
            true,
          ),
        );
      });
    });
    return ws;
  }

  private pipe(session: string, ws: WebSocket, serial: Duplex): void {
    const log = this.opts.log.child({ session });
    this.open.set(session, ws);
    let bytesIn = 0;
    let bytesOut = 0;
    ws.on("message", (data: Buffer) => {
      bytesIn += data.length;
      serial.write(data);
    });
    serial.on("data", (chunk: Buffer) => {
      bytesOut += chunk.length;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true });
      if (ws.bufferedAmount > HIGH_WATER) {
        serial.pause();
        const drain = setInterval(() => {
          if (ws.readyState !== ws.OPEN || ws.bufferedAmount < HIGH_WATER / 2) {
            clearInterval(drain);
            serial.resume();
          }
        }, 20);
      }
    });
    const consoleEnded = () => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
        ws.close(CONSOLE_CLOSE.CONSOLE_ENDED, "the VM's console ended on its host (the VM stopped?)");
    };
    serial.once("end", consoleEnded);
    serial.once("close", consoleEnded);
    serial.on("error", (e) => log.warn({ err: e.message }, "console socket error"));
    ws.on("error", (e) => log.warn({ err: e.message }, "region console socket error"));
    ws.once("close", (code, reason) => {
      this.open.delete(session);
      serial.destroy();
      log.info({ code, reason: reason.toString(), bytesIn, bytesOut }, "console session ended");
    });
    log.info("console session open");
  }

  /** Ends every bridge (agent stop). */
  closeAll(reason: string): void {
    for (const ws of this.open.values()) ws.close(CONSOLE_CLOSE.GOING_AWAY, reason);
  }
}
