/**
 * N lab BMCs in one process, one UDP socket each (RMCP, spec 13.1), either on one address with
 * consecutive ports (127.0.0.1:basePort..basePort+N-1) or on N loopback addresses sharing one
 * port (127.0.1.1:623, 127.0.1.2:623, ...: all of 127/8 is local on Linux, and FreeIPMI labels
 * its output by host, so hosts must differ to tell BMCs apart). Scales to 1 000 BMCs: a socket
 * and a few small maps per BMC, timers only while a libvirt-bound transition is pending.
 *
 * Only loopback addresses are accepted: this is a lab, it must never answer on a real network.
 */

import { type Socket, createSocket } from "node:dgram";
import { isIPv4 } from "node:net";
import { LabBmc, type LabBmcOptions } from "./bmc";
import type { MachineBinding } from "./machine-binding";
import type { PowerTimings } from "./power-state";
import { type LabAuthType, type LabUser, PRIV_ADMIN } from "./session-table";

export class LabServerError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: "LAB_NOT_LOOPBACK" | "LAB_BAD_OPTIONS" | "LAB_BIND_FAILED",
    message: string,
    retryable = false,
  ) {
    super(message);
    this.name = "LabServerError";
    this.retryable = retryable;
  }
}

export interface StartLabBmcsOptions {
  /** Number of BMCs (ignored when `addresses` is given). */
  count?: number;
  /** Address for the consecutive-ports layout. Default 127.0.0.1. */
  host?: string;
  /** First port of the consecutive-ports layout (0 = let the OS pick each port). */
  basePort?: number;
  /** One BMC per address (all on `port`). */
  addresses?: readonly string[];
  /** Port for the `addresses` layout. Default 623; 0 = one free port picked by the OS for all. */
  port?: number;
  user: string;
  password: string;
  /** Auth types offered; default MD5 and straight password (what a PE860 offers). */
  auths?: readonly LabAuthType[];
  /** Extra users (e.g. a read-only "user"-level account). */
  extraUsers?: readonly LabUser[];
  /** Machine binding per BMC index (libvirt domain), default pure simulation. */
  binding?: (index: number) => MachineBinding | undefined;
  timings?: Partial<PowerTimings>;
  initialPower?: "on" | "off";
  maxSessions?: number;
  idleTimeoutMs?: number;
  /** Name of BMC i; default `bmc-001`... */
  name?: (index: number) => string;
  clock?: () => number;
}

export interface LabBmcHandle {
  index: number;
  name: string;
  host: string;
  port: number;
  bmc: LabBmc;
}

export interface LabBmcs {
  bmcs: readonly LabBmcHandle[];
  /** Lookup by "host:port". */
  byEndpoint(host: string, port: number): LabBmcHandle | undefined;
  /** Sum of every BMC's counters. */
  totals(): { received: number; answered: number; malformed: number; authFailures: number };
  close(): Promise<void>;
}

/** `count` loopback addresses starting at `first` (default 127.0.1.1), skipping .0 and .255. */
export function loopbackAddresses(count: number, first = "127.0.1.1"): string[] {
  const parts = first.split(".").map(Number);
  if (parts.length !== 4 || parts[0] !== 127) throw new LabServerError("LAB_NOT_LOOPBACK", `${first}`);
  let n = ((parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const out: string[] = [];
  while (out.length < count) {
    const last = n & 0xff;
    if (last !== 0 && last !== 255) out.push(`127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${last}`);
    n++;
    if (n > 0xffffff) throw new LabServerError("LAB_BAD_OPTIONS", "ran out of 127/8 addresses");
  }
  return out;
}

function assertLoopback(host: string): void {
  if (!(isIPv4(host) && host.startsWith("127.")) && host !== "::1") {
    throw new LabServerError("LAB_NOT_LOOPBACK", `lab BMCs bind only to loopback addresses, not ${host}`);
  }
}

function bindSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: host.includes(":") ? "udp6" : "udp4" });
    const onError = (e: Error) => {
      sock.close();
      reject(new LabServerError("LAB_BIND_FAILED", `cannot bind ${host}:${port}: ${e.message}`, true));
    };
    sock.once("error", onError);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off("error", onError);
      resolve(sock);
    });
  });
}

export async function startLabBmcs(o: StartLabBmcsOptions): Promise<LabBmcs> {
  const endpoints: { host: string; port: number }[] = [];
  if (o.addresses) {
    for (const a of o.addresses) endpoints.push({ host: a, port: o.port ?? 623 });
  } else {
    const count = o.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10_000) {
      throw new LabServerError("LAB_BAD_OPTIONS", `count must be 1..10000, not ${count}`);
    }
    const host = o.host ?? "127.0.0.1";
    const base = o.basePort ?? 0;
    if (base !== 0 && base + count - 1 > 65535)
      throw new LabServerError("LAB_BAD_OPTIONS", "ports exceed 65535");
    for (let i = 0; i < count; i++) endpoints.push({ host, port: base === 0 ? 0 : base + i });
  }
  for (const e of endpoints) assertLoopback(e.host);
  const users: LabUser[] = [
    { name: o.user, password: o.password, maxPrivilege: PRIV_ADMIN },
    ...(o.extraUsers ?? []),
  ];
  const auths = o.auths ?? [2, 4];

  const handles: LabBmcHandle[] = [];
  const sockets: Socket[] = [];
  const close = async () => {
    for (const h of handles) h.bmc.close();
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    sockets.length = 0;
  };
  try {
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i]!;
      const name = o.name ? o.name(i) : `bmc-${String(i + 1).padStart(3, "0")}`;
      const opts: LabBmcOptions = {
        name,
        users,
        allowedAuthTypes: auths,
        seed: i + 1,
        timings: o.timings,
        initialPower: o.initialPower,
        binding: o.binding?.(i),
        maxSessions: o.maxSessions,
        idleTimeoutMs: o.idleTimeoutMs,
        clock: o.clock,
      };
      const bmc = new LabBmc(opts);
      // Port 0 in the addresses layout: the OS picks one for the first address, the rest share it.
      const port = o.addresses && e.port === 0 && handles[0] ? handles[0].port : e.port;
      const sock = await bindSocket(e.host, port);
      sockets.push(sock);
      sock.on("message", (msg, rinfo) => {
        bmc.handle(msg).then(
          (reply) => {
            if (reply) sock.send(reply, rinfo.port, rinfo.address, () => {});
          },
          () => {},
        );
      });
      // A send error (peer gone) must not kill the process.
      sock.on("error", () => {});
      handles.push({ index: i, name, host: e.host, port: sock.address().port, bmc });
    }
  } catch (err) {
    await close();
    throw err;
  }
  const byKey = new Map(handles.map((h) => [`${h.host}:${h.port}`, h]));
  return {
    bmcs: handles,
    byEndpoint: (host, port) => byKey.get(`${host}:${port}`),
    totals: () => {
      const t = { received: 0, answered: 0, malformed: 0, authFailures: 0 };
      for (const h of handles) {
        t.received += h.bmc.stats.received;
        t.answered += h.bmc.stats.answered;
        t.malformed += h.bmc.stats.malformed;
        t.authFailures += h.bmc.stats.authFailures;
      }
      return t;
    },
    close,
  };
}
