/**
 * One Ipmi15Client (so one session) per BMC and credentials, shared by every power driver
 * instance of a rack agent, over one shared UDP transport. Drivers come and go per request;
 * sessions stay open and are reused (the client re-opens them when the BMC drops them).
 */

import { createHash } from "node:crypto";
import { Ipmi15Client, type Ipmi15ClientOptions, resolveClientOptions } from "./client";
import { type LanTransport, UdpLanTransport } from "./transport";

export class Ipmi15ClientPool {
  private readonly clients = new Map<string, Ipmi15Client>();
  readonly transport: LanTransport;
  private readonly ownsTransport: boolean;

  constructor(transport?: LanTransport) {
    this.ownsTransport = transport === undefined;
    this.transport = transport ?? new UdpLanTransport();
  }

  /** The pooled client for these options (validated first; a changed password is a new client). */
  client(options: Omit<Ipmi15ClientOptions, "transport">): Ipmi15Client {
    const o = resolveClientOptions(options);
    const secret = createHash("sha256").update(o.password).digest("hex").slice(0, 16);
    const key = [o.host, o.port, o.username, o.authType, o.privilege, o.timeoutMs, secret].join("|");
    let c = this.clients.get(key);
    if (!c) {
      c = new Ipmi15Client({ ...options, transport: this.transport });
      this.clients.set(key, c);
    }
    return c;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Closes every session, then the transport if the pool created it. */
  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close()));
    if (this.ownsTransport && this.transport instanceof UdpLanTransport) await this.transport.close();
  }
}
