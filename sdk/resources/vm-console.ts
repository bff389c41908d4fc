/**
 * Opening a VM's serial console (sdk/console.ts is the wire contract): a WebSocket to
 * `/api/v1/vms/:id/console`, resolved once the console is connected. A refusal before the
 * upgrade (404, 409, 503, 504 …) rejects with the typed error of sdk/errors.ts, from the
 * region's problem+json answer.
 *
 *   const c = await fibrix.vms.console(vm.id);
 *   c.stream.pipe(process.stdout);
 *   c.stream.write("uname -a\n");
 *   const { code, reason } = await c.closed;
 */
import type { Duplex } from "node:stream";
import WebSocket, { createWebSocketStream } from "ws";
import { consoleUrl } from "../console";
import { FibrixError, type Problem, UnavailableError, errorFromProblem } from "../errors";

export interface ConsoleOptions {
  /** Bound on the upgrade, the region's wait for the rack included (default 45 s). */
  handshakeMs?: number;
}

export interface ConsoleConnection {
  /** The WebSocket itself (binary frames of console bytes both ways). */
  socket: WebSocket;
  /** The console as a byte stream: write keystrokes, read output. */
  stream: Duplex;
  /** Resolves when the session ends, with the close code (sdk/console.ts CONSOLE_CLOSE) and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Ends the session (close code 1000). */
  close(): void;
}

export function openConsole(
  endpoint: string,
  apiKey: string,
  vmId: string,
  opts: ConsoleOptions = {},
): Promise<ConsoleConnection> {
  const socket = new WebSocket(consoleUrl(endpoint, vmId), {
    headers: { authorization: `Bearer ${apiKey}` },
    handshakeTimeout: opts.handshakeMs ?? 45_000,
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return new Promise((resolve, reject) => {
    socket.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (body.length < 64 * 1024) body += d;
      });
      res.on("end", () => {
        socket.terminate();
        try {
          reject(errorFromProblem(JSON.parse(body) as Problem));
        } catch {
          reject(
            new FibrixError(
              res.statusCode === 401 ? "UNAUTHORIZED" : "INTERNAL",
              `HTTP ${res.statusCode}: ${body.slice(0, 500)}`,
            ),
          );
        }
      });
    });
    // `on`, not `once`: a later socket error must never go unhandled (it would end the process).
    socket.on("error", (e) =>
      reject(new UnavailableError(`cannot open the console of ${vmId}: ${e.message}`)),
    );
    socket.once("open", () => {
      const stream = createWebSocketStream(socket);
      // The session's end is reported through `closed`; a stream error must not crash the caller.
      stream.on("error", () => {});
      resolve({ socket, stream, closed, close: () => socket.close(1000, "client closed") });
    });
  });
}
