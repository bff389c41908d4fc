/**
 * One UDP socket for many sessions to many BMCs (RMCP over UDP, spec 13.1: port 623).
 *
 * Replies are matched to requests by (BMC address:port, rqSeq) for IPMI messages and by
 * (address:port, message tag) for ASF presence pings; the exchange's own `accept` then checks
 * NetFn/cmd, session id and auth code. Anything that does not parse or match is counted and
 * dropped: a hostile or confused peer can make a request time out, never crash the process.
 *
 * Each exchange has a total deadline (`timeoutMs`) and is retransmitted every `retransmitMs`
 * until then; `build` is called again for every transmission so the session can use a fresh
 * session sequence number (13.6: the BMC may reject a repeated sequence number).
 */

import { type Socket, createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ConfigurationError, PowerTimeoutError, UnreachableError } from "../errors";
import { type DecodedLanResponse, decodeLanResponse } from "./lan-message";
import {
  ASF_TYPE_PRESENCE_PONG,
  type PresencePong,
  RMCP_CLASS_ASF,
  RMCP_CLASS_IPMI,
  decodeAsfMessage,
  decodePresencePong,
  decodeRmcpHeader,
  encodePresencePing,
} from "./rmcp";

export const IPMI_LAN_PORT = 623;

export interface Endpoint {
  host: string;
  port: number;
}

export interface LanExchange {
  endpoint: Endpoint;
  /** Request NetFn and command: a reply must carry NetFn|1 and the same command. */
  netFn: number;
  cmd: number;
  /** Builds the datagram for one transmission (called again on every retransmission). */
  build(rqSeq: number, attempt: number): Buffer;
  /** Extra checks on a matching reply (session id, auth code). false = not ours, keep waiting. */
  accept?(reply: DecodedLanResponse): boolean;
  timeoutMs: number;
  retransmitMs: number;
  /** Words for error messages, e.g. "Get Device ID". */
  what: string;
}

/** What sessions need from a transport; lets tests put a fake or a lossy wrapper in between. */
export interface LanTransport {
  request(x: LanExchange): Promise<DecodedLanResponse>;
  ping(endpoint: Endpoint, timeoutMs: number, retransmitMs: number): Promise<PresencePong>;
}

export interface TransportStats {
  sent: number;
  retransmits: number;
  received: number;
  /** Datagrams that did not parse (bad RMCP, checksum, length). */
  malformed: number;
  /** Parsed datagrams nobody waited for (late, duplicate, foreign, failed auth check). */
  unmatched: number;
  timeouts: number;
}

export interface UdpTransportOptions {
  /** Local address to bind (default 0.0.0.0, any port). */
  bindAddress?: string;
  bindPort?: number;
  /** Upper bound on exchanges in flight across all BMCs; more wait their turn. */
  maxInFlight?: number;
}

interface Pending {
  key: string;
  resolve(reply: DecodedLanResponse | PresencePong): void;
  reject(e: Error): void;
  matchIpmi?: (reply: DecodedLanResponse) => boolean;
}

const RQSEQ_SPACE = 64; // rqSeq is 6 bits (13.8)

export class UdpLanTransport implements LanTransport {
  readonly stats: TransportStats = {
    sent: 0,
    retransmits: 0,
    received: 0,
    malformed: 0,
    unmatched: 0,
    timeouts: 0,
  };
  private socket: Socket | undefined;
  private binding: Promise<Socket> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly nextSeq = new Map<string, number>();
  private readonly resolved = new Map<string, string>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly maxInFlight: number;

  constructor(private readonly options: UdpTransportOptions = {}) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 512);
  }

  /** The bound local port (after the first request), for tests and logs. */
  get localPort(): number | undefined {
    return this.socket?.address().port;
  }

  async request(x: LanExchange): Promise<DecodedLanResponse> {
    const host = await this.resolve(x.endpoint.host);
    const ep = `${host}:${x.endpoint.port}`;
    await this.acquire();
    try {
      const socket = await this.bind();
      const rqSeq = await this.allocateSeq(ep);
      const key = `${ep}/ipmi/${rqSeq}`;
      const reply = await this.run(socket, key, host, x.endpoint.port, x.timeoutMs, x.retransmitMs, x.what, {
        build: (attempt) => x.build(rqSeq, attempt),
        matchIpmi: (r) =>
          r.message.rqSeq === rqSeq &&
          r.message.netFn === (x.netFn | 1) &&
          r.message.cmd === x.cmd &&
          (x.accept ? x.accept(r) : true),
      });
      return reply as DecodedLanResponse;
    } finally {
      this.release();
    }
  }

  async ping(endpoint: Endpoint, timeoutMs: number, retransmitMs: number): Promise<PresencePong> {
    const host = await this.resolve(endpoint.host);
    const ep = `${host}:${endpoint.port}`;
    await this.acquire();
    try {
      const socket = await this.bind();
      // ASF message tags 0–0xFE; 0xFF means "not a request/response pair" (13.2.2).
      let tag = 0;
      while (this.pending.has(`${ep}/asf/${tag}`) && tag < 0xfe) tag++;
      const key = `${ep}/asf/${tag}`;
      const pong = await this.run(
        socket,
        key,
        host,
        endpoint.port,
        timeoutMs,
        retransmitMs,
        "ASF presence ping",
        {
          build: () => encodePresencePing(tag),
        },
      );
      return pong as PresencePong;
    } finally {
      this.release();
    }
  }

  /** Rejects everything pending and closes the socket. Further requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.reject(new UnreachableError("IPMI transport closed"));
    this.pending.clear();
    for (const w of this.waiting.splice(0)) w();
    const s = this.socket ?? (this.binding ? await this.binding.catch(() => undefined) : undefined);
    this.socket = undefined;
    if (!s) return;
    try {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    } catch {
      // already closed
    }
  }

  private run(
    socket: Socket,
    key: string,
    host: string,
    port: number,
    timeoutMs: number,
    retransmitMs: number,
    what: string,
    how: { build: (attempt: number) => Buffer; matchIpmi?: (r: DecodedLanResponse) => boolean },
  ): Promise<DecodedLanResponse | PresencePong> {
    return new Promise((resolve, reject) => {
      let attempt = 0;
      let retransmitTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(deadline);
        if (retransmitTimer) clearTimeout(retransmitTimer);
        this.pending.delete(key);
        this.updateRef();
      };
      const fail = (e: Error) => {
        finish();
        reject(e);
      };
      const deadline = setTimeout(() => {
        this.stats.timeouts++;
        fail(new PowerTimeoutError(`${what}: no answer from ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      const send = () => {
        let datagram: Buffer;
        try {
          datagram = how.build(attempt);
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (attempt > 0) this.stats.retransmits++;
        attempt++;
        this.stats.sent++;
        socket.send(datagram, port, host, (err) => {
          if (err && this.pending.get(key) === entry) {
            fail(
              new UnreachableError(`${what}: cannot send to ${host}:${port}: ${err.message}`, { cause: err }),
            );
          }
        });
        retransmitTimer = setTimeout(send, Math.max(1, retransmitMs));
      };
      const entry: Pending = {
        key,
        resolve: (r) => {
          finish();
          resolve(r);
        },
        reject: fail,
      };
      if (how.matchIpmi) entry.matchIpmi = how.matchIpmi;
      this.pending.set(key, entry);
      this.updateRef();
      send();
    });
  }

  private onMessage(msg: Buffer, rinfo: { address: string; port: number }): void {
    this.stats.received++;
    const ep = `${rinfo.address}:${rinfo.port}`;
    try {
      const rmcp = decodeRmcpHeader(msg);
      if (rmcp.messageClass === RMCP_CLASS_IPMI) {
        const reply = decodeLanResponse(msg);
        const p = this.pending.get(`${ep}/ipmi/${reply.message.rqSeq}`);
        if (p?.matchIpmi?.(reply)) p.resolve(reply);
        else this.stats.unmatched++;
        return;
      }
      if (rmcp.messageClass === RMCP_CLASS_ASF) {
        const asf = decodeAsfMessage(msg);
        if (asf.messageType !== ASF_TYPE_PRESENCE_PONG) {
          this.stats.unmatched++;
          return;
        }
        const pong = decodePresencePong(msg);
        const p = this.pending.get(`${ep}/asf/${pong.messageTag}`);
        if (p) p.resolve(pong);
        else this.stats.unmatched++;
        return;
      }
      this.stats.unmatched++;
    } catch {
      // ProtocolError from a decoder, or anything thrown by an accept hook: drop the datagram.
      this.stats.malformed++;
    }
  }

  private bind(): Promise<Socket> {
    if (this.closed) return Promise.reject(new UnreachableError("IPMI transport closed"));
    if (this.socket) return Promise.resolve(this.socket);
    if (!this.binding) {
      this.binding = new Promise<Socket>((resolve, reject) => {
        const s = createSocket({ type: "udp4" });
        s.on("message", (m, r) => this.onMessage(m, r));
        // Before listening, an error means the bind failed (address in use or not local).
        const failBind = (e: Error) => {
          this.binding = undefined;
          s.close();
          reject(new ConfigurationError(`cannot bind the IPMI socket: ${e.message}`, "bindAddress"));
        };
        s.once("error", failBind);
        s.once("listening", () => {
          s.off("error", failBind);
          // Later socket errors must not crash the process; the affected exchanges time out.
          s.on("error", () => undefined);
          // One socket answers for hundreds of BMCs at once: the default ~200 KB receive buffer
          // drops replies above ~128 in flight (each drop costs a retransmit). The kernel caps
          // the request at net.core.rmem_max, which is fine.
          try {
            s.setRecvBufferSize(4 << 20);
          } catch {
            /* keep the default */
          }
          this.socket = s;
          this.updateRef();
          resolve(s);
        });
        s.bind(this.options.bindPort ?? 0, this.options.bindAddress ?? "0.0.0.0");
      });
    }
    return this.binding;
  }

  /** Keep the event loop alive only while something is in flight. */
  private updateRef(): void {
    if (!this.socket) return;
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }

  private async resolve(host: string): Promise<string> {
    if (isIP(host) === 4) return host;
    const cached = this.resolved.get(host);
    if (cached) return cached;
    try {
      const { address } = await lookup(host, { family: 4 });
      this.resolved.set(host, address);
      return address;
    } catch (e) {
      throw new UnreachableError(`cannot resolve BMC host ${host}`, { cause: e });
    }
  }

  private async allocateSeq(ep: string): Promise<number> {
    for (;;) {
      const start = this.nextSeq.get(ep) ?? 0;
      for (let i = 0; i < RQSEQ_SPACE; i++) {
        const seq = (start + i) % RQSEQ_SPACE;
        if (!this.pending.has(`${ep}/ipmi/${seq}`)) {
          this.nextSeq.set(ep, (seq + 1) % RQSEQ_SPACE);
          return seq;
        }
      }
      // 64 requests in flight to one BMC: wait for one to finish.
      await new Promise((r) => setTimeout(r, 5));
      if (this.closed) throw new UnreachableError("IPMI transport closed");
    }
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new UnreachableError("IPMI transport closed"));
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.inFlight--;
    const next = this.waiting.shift();
    if (next) next();
  }
}
