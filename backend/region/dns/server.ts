/**
 * The region's authoritative DNS server: one UDP socket and one TCP listener on the same
 * address and port. Sockets only; every byte decision is in respond.ts.
 *
 * - UDP: one datagram per query; responses fitted to 512 bytes or the EDNS size (udp-size.ts).
 * - TCP (RFC 7766): length-framed messages, several per connection, answered in order;
 *   idle connections are closed (§6.2.3), connections are capped, and a client that does not
 *   read its answers is cut off rather than buffered without bound.
 * - `getZones` is called for every query, so the region swaps snapshots without restarting us.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import {
  isIPv6,
  createServer as createTcpServer,
  type Server as TcpServer,
  type Socket as TcpSocket,
} from "node:net";
import { respond } from "./respond";
import { OUR_EDNS_UDP_SIZE } from "./resolve";
import { FrameReader, frame } from "./tcp-framing";
import type { ZoneSet } from "./zone";

/** The slice of a pino logger we use. */
export interface DnsLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port, the same one for UDP and TCP. */
  port: number;
  getZones: () => ZoneSet;
  logger?: DnsLogger;
  /** Close a TCP connection after this long without traffic (default 10 s). */
  tcpIdleTimeoutMs?: number;
  /** Refuse TCP connections beyond this many at once (default 256). */
  maxTcpConnections?: number;
  /** Our ceiling for EDNS UDP responses (default 1232, RFC 6891 §6.2.5 / DNS Flag Day 2020). */
  udpMaxPayload?: number;
}

export interface DnsServer {
  /** The UDP and TCP port actually bound. */
  readonly port: number;
  close(): Promise<void>;
}

export class DnsServerError extends Error {
  readonly code = "DNS_BIND_FAILED";
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "DnsServerError";
  }
}

const EPHEMERAL_ATTEMPTS = 20;
/** A client that leaves this much unread output is not reading: drop it. */
const MAX_TCP_BACKLOG_BYTES = 1 << 20;

const silentLogger: DnsLogger = { debug: () => {}, warn: () => {} };

function listenTcp(server: TcpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

function bindUdp(socket: UdpSocket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once("error", onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off("error", onError);
      resolve();
    });
  });
}

function closeTcp(server: TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or already closed
    }
  });
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

/** Binds TCP then UDP on one port; with port 0, retries when the kernel's TCP pick is taken for UDP. */
async function bindBoth(
  host: string,
  port: number,
  makeTcp: () => TcpServer,
  makeUdp: () => UdpSocket,
): Promise<{ tcp: TcpServer; udp: UdpSocket; port: number }> {
  const attempts = port === 0 ? EPHEMERAL_ATTEMPTS : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const tcp = makeTcp();
    const udp = makeUdp();
    try {
      const bound = await listenTcp(tcp, host, port);
      await bindUdp(udp, host, bound);
      return { tcp, udp, port: bound };
    } catch (err) {
      lastError = err;
      await Promise.all([closeTcp(tcp), closeUdp(udp)]);
      if (errnoCode(err) !== "EADDRINUSE") break;
    }
  }
  const code = errnoCode(lastError);
  throw new DnsServerError(
    `DNS server cannot bind ${host}:${port} (${code ?? String(lastError)})`,
    code === "EADDRINUSE",
  );
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { host, getZones } = options;
  const log = options.logger ?? silentLogger;
  const idleMs = options.tcpIdleTimeoutMs ?? 10_000;
  const maxConnections = options.maxTcpConnections ?? 256;
  const udpCeiling = options.udpMaxPayload ?? OUR_EDNS_UDP_SIZE;
  const connections = new Set<TcpSocket>();

  const onTcpConnection = (socket: TcpSocket): void => {
    if (connections.size >= maxConnections) {
      log.warn(
        { remote: socket.remoteAddress, limit: maxConnections },
        "dns: too many TCP connections, refusing",
      );
      socket.destroy();
      return;
    }
    connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(idleMs, () => socket.destroy());
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      for (const message of reader.push(chunk)) {
        const result = respond(message, getZones, "tcp");
        if (result.outcome !== "answered")
          log.debug({ transport: "tcp", outcome: result.outcome }, "dns: query");
        if (result.wire && !socket.destroyed) socket.write(frame(result.wire));
      }
      if (socket.writableLength > MAX_TCP_BACKLOG_BYTES) {
        log.warn({ remote: socket.remoteAddress }, "dns: TCP client is not reading its answers, closing");
        socket.destroy();
      }
    });
    socket.on("error", (err) => log.debug({ err: err.message }, "dns: TCP connection error"));
    socket.on("close", () => connections.delete(socket));
  };

  const makeTcp = (): TcpServer => createTcpServer(onTcpConnection);
  const makeUdp = (): UdpSocket => createSocket({ type: isIPv6(host) ? "udp6" : "udp4" });
  const { tcp, udp, port } = await bindBoth(host, options.port, makeTcp, makeUdp);

  udp.on("message", (message, remote) => {
    const result = respond(message, getZones, "udp", udpCeiling);
    if (result.outcome !== "answered") log.debug({ transport: "udp", outcome: result.outcome }, "dns: query");
    if (!result.wire) return;
    udp.send(result.wire, remote.port, remote.address, (err) => {
      if (err) log.debug({ err: err.message, remote: remote.address }, "dns: UDP send failed");
    });
  });
  udp.on("error", (err) => log.warn({ err: err.message }, "dns: UDP socket error"));
  tcp.on("error", (err) => log.warn({ err: err.message }, "dns: TCP listener error"));

  let closing: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      closing ??= (async () => {
        for (const socket of connections) socket.destroy();
        await Promise.all([closeTcp(tcp), closeUdp(udp)]);
      })();
      return closing;
    },
  };
}
