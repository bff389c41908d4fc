/**
 * High-level IPMI v1.5 LAN client for one BMC. Holds one session and reuses it; re-opens it
 * once when a reused session stops answering (BMC reset, session timed out on the BMC side),
 * and optionally keeps it alive with Get Device ID while idle. Many clients share one
 * UdpLanTransport (one socket) when a transport is passed in.
 */

import { ConfigurationError, PowerTimeoutError } from "../errors";
import { AUTH_TYPE_NAMES, AuthType, padPassword } from "./auth";
import {
  type DeviceId,
  GET_DEVICE_ID,
  PRIVILEGE_NAMES,
  Privilege,
  decodeGetDeviceIdResponse,
  encodeGetDeviceIdRequest,
} from "./commands/app";
import {
  BOOT_PARAM_BOOT_FLAGS,
  BootDevice,
  CHASSIS_CONTROL,
  ChassisControl,
  type ChassisStatus,
  GET_CHASSIS_STATUS,
  GET_SYSTEM_BOOT_OPTIONS,
  SET_SYSTEM_BOOT_OPTIONS,
  bootFlags,
  decodeBootFlags,
  decodeGetChassisStatusResponse,
  decodeGetSystemBootOptionsResponse,
  encodeBootFlags,
  encodeChassisControlRequest,
  encodeGetChassisStatusRequest,
  encodeGetSystemBootOptionsRequest,
  encodeSetSystemBootOptionsRequest,
} from "./commands/chassis";
import type { CommandId } from "./commands/command";
import { CC_OK, completionCodeError } from "./completion-codes";
import type { PresencePong } from "./rmcp";
import type { CommandRunner } from "./command-runner";
import { type SelEvent, readSel } from "./sel-walk";
import { type SensorValue, readSensors } from "./sensor-walk";
import { Ipmi15Session, type SessionState } from "./session";
import { IPMI_LAN_PORT, type LanTransport, UdpLanTransport } from "./transport";

export interface Ipmi15ClientOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  /** AuthType number or a name: md5 (default), password/straight, md2, none. */
  authType?: AuthType | string;
  /** Privilege number or name; default administrator (chassis control needs operator). */
  privilege?: Privilege | string;
  /** Total time per exchange including retransmissions (default 2000 ms). */
  timeoutMs?: number;
  /** Retransmission interval (default: timeoutMs / 4, at least 50 ms). */
  retransmitMs?: number;
  /** Share one socket between many clients. If absent the client owns a private transport. */
  transport?: LanTransport;
  /** Send Get Device ID when the session has been idle this long (0 = never; default 0). */
  keepAliveMs?: number;
  /** Minimum pause between two exchanges with this BMC (default 0). */
  minIntervalMs?: number;
}

/** Per-call bounds. */
export interface CallOptions {
  /**
   * Upper bound on the whole call in ms: opening the session, every exchange, a re-open. Each
   * exchange's timeout is cut to the time left, and a call with none left fails with
   * PowerTimeoutError before sending. Absent: each exchange has the client's timeoutMs.
   */
  timeLimitMs?: number;
}

/** CallOptions → the absolute time (Date.now() based) the call must end by, if any. */
function endOf(o: CallOptions | undefined): number | undefined {
  const t = o?.timeLimitMs;
  return t === undefined || !Number.isFinite(t) ? undefined : Date.now() + Math.max(0, t);
}

export type ChassisControlName = "on" | "off" | "cycle" | "reset" | "diag" | "soft";
export type BootDeviceName = "pxe" | "disk" | "cdrom" | "bios" | "safe" | "diag" | "floppy" | "none";

const CONTROL_BY_NAME: Readonly<Record<ChassisControlName, ChassisControl>> = {
  off: ChassisControl.POWER_DOWN,
  on: ChassisControl.POWER_UP,
  cycle: ChassisControl.POWER_CYCLE,
  reset: ChassisControl.HARD_RESET,
  diag: ChassisControl.PULSE_DIAGNOSTIC_INTERRUPT,
  soft: ChassisControl.SOFT_SHUTDOWN,
};

const BOOT_DEVICE_BY_NAME: Readonly<Record<BootDeviceName, number>> = {
  none: BootDevice.NONE,
  pxe: BootDevice.PXE,
  disk: BootDevice.DISK,
  safe: BootDevice.DISK_SAFE_MODE,
  diag: BootDevice.DIAGNOSTIC,
  cdrom: BootDevice.CDROM,
  bios: BootDevice.BIOS_SETUP,
  floppy: BootDevice.FLOPPY,
};

export interface BootDeviceSetting {
  device: BootDeviceName | "unknown";
  /** Raw selector (bits 5:2 of boot flags byte 2). */
  selector: number;
  persistent: boolean;
  valid: boolean;
}

export interface ResolvedClientOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  authType: AuthType;
  privilege: Privilege;
  timeoutMs: number;
  retransmitMs: number;
  keepAliveMs: number;
  minIntervalMs: number;
}

/** Pure validation of client options; throws ConfigurationError, never touches the network. */
export function resolveClientOptions(o: Ipmi15ClientOptions): ResolvedClientOptions {
  if (!o.host) throw new ConfigurationError("BMC address is required", "address");
  const port = o.port ?? IPMI_LAN_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigurationError(`bad port ${port}`, "port");
  if (Buffer.byteLength(o.username, "utf8") > 16)
    throw new ConfigurationError("user name longer than 16 bytes", "user");
  padPassword(o.password); // throws ConfigurationError when > 16 bytes
  let authType: AuthType;
  if (typeof o.authType === "string") {
    const t = AUTH_TYPE_NAMES[o.authType.toLowerCase()];
    if (t === undefined || t === AuthType.OEM) {
      throw new ConfigurationError(`unknown auth type ${o.authType} (md5, password, md2, none)`, "authType");
    }
    authType = t;
  } else {
    authType = o.authType ?? AuthType.MD5;
  }
  let privilege: Privilege;
  if (typeof o.privilege === "string") {
    const p = PRIVILEGE_NAMES[o.privilege.toLowerCase()];
    if (p === undefined) throw new ConfigurationError(`unknown privilege ${o.privilege}`, "privilege");
    privilege = p;
  } else {
    privilege = o.privilege ?? Privilege.ADMINISTRATOR;
  }
  const timeoutMs = o.timeoutMs ?? 2000;
  if (!(timeoutMs > 0)) throw new ConfigurationError(`bad timeout ${timeoutMs}`, "timeout");
  const retransmitMs = o.retransmitMs ?? Math.max(50, Math.floor(timeoutMs / 4));
  return {
    host: o.host,
    port,
    username: o.username,
    password: o.password,
    authType,
    privilege,
    timeoutMs,
    retransmitMs,
    keepAliveMs: o.keepAliveMs ?? 0,
    minIntervalMs: o.minIntervalMs ?? 0,
  };
}

export class Ipmi15Client {
  readonly options: ResolvedClientOptions;
  private readonly transport: LanTransport;
  private readonly ownsTransport: boolean;
  private session: Ipmi15Session | undefined;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(options: Ipmi15ClientOptions) {
    this.options = resolveClientOptions(options);
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new UdpLanTransport();
    if (this.options.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.keepAliveTick(), Math.max(100, this.options.keepAliveMs / 2));
      this.keepAlive.unref();
    }
  }

  /** ASF presence ping (13.2.2): answers without a session; tells "BMC there" cheaply. */
  ping(): Promise<PresencePong> {
    const o = this.options;
    return this.transport.ping({ host: o.host, port: o.port }, o.timeoutMs, o.retransmitMs);
  }

  async deviceId(opts?: CallOptions): Promise<DeviceId> {
    return decodeGetDeviceIdResponse(await this.command(GET_DEVICE_ID, encodeGetDeviceIdRequest(), opts));
  }

  async chassisStatus(opts?: CallOptions): Promise<ChassisStatus> {
    return decodeGetChassisStatusResponse(
      await this.command(GET_CHASSIS_STATUS, encodeGetChassisStatusRequest(), opts),
    );
  }

  async chassisControl(op: ChassisControlName | ChassisControl, opts?: CallOptions): Promise<void> {
    const code = typeof op === "string" ? CONTROL_BY_NAME[op] : op;
    if (code === undefined) throw new ConfigurationError(`unknown chassis control ${String(op)}`, "op");
    await this.command(CHASSIS_CONTROL, encodeChassisControlRequest(code), opts);
  }

  async setBootDevice(
    device: BootDeviceName,
    opts: { persistent?: boolean; efi?: boolean } & CallOptions = {},
  ): Promise<void> {
    const selector = BOOT_DEVICE_BY_NAME[device];
    if (selector === undefined) throw new ConfigurationError(`unknown boot device ${device}`, "device");
    const flags = bootFlags(selector, opts.persistent ?? false);
    flags.efi = opts.efi ?? false;
    await this.command(
      SET_SYSTEM_BOOT_OPTIONS,
      encodeSetSystemBootOptionsRequest({
        parameter: BOOT_PARAM_BOOT_FLAGS,
        markInvalid: false,
        data: encodeBootFlags(flags),
      }),
      opts,
    );
  }

  async getBootDevice(opts?: CallOptions): Promise<BootDeviceSetting> {
    const data = await this.command(
      GET_SYSTEM_BOOT_OPTIONS,
      encodeGetSystemBootOptionsRequest({
        parameter: BOOT_PARAM_BOOT_FLAGS,
        setSelector: 0,
        blockSelector: 0,
      }),
      opts,
    );
    const value = decodeGetSystemBootOptionsResponse(data);
    const f = decodeBootFlags(value.data);
    const name = (Object.keys(BOOT_DEVICE_BY_NAME) as BootDeviceName[]).find(
      (k) => BOOT_DEVICE_BY_NAME[k] === f.device,
    );
    return { device: name ?? "unknown", selector: f.device, persistent: f.persistent, valid: f.valid };
  }

  /** Walks the SDR repository, reads every sensor, converts and classifies it. */
  sensors(opts?: CallOptions): Promise<SensorValue[]> {
    const until = endOf(opts);
    return this.withSession((s) => readSensors(this.reader(s, until)), until);
  }

  /** Reads the whole System Event Log. */
  sel(opts?: CallOptions): Promise<SelEvent[]> {
    const until = endOf(opts);
    return this.withSession((s) => readSel(this.reader(s, until)), until);
  }

  /** Raw command: response data on completion code 0, BmcError otherwise. */
  async command(command: CommandId, data: Uint8Array, opts?: CallOptions): Promise<Buffer> {
    const until = endOf(opts);
    return (await this.withSession((s) => this.reader(s, until)(command, data), until)).data;
  }

  /** Closes the session (best effort) and, if owned, the transport. */
  async close(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    const s = this.session;
    this.session = undefined;
    if (s) await s.close();
    if (this.ownsTransport && this.transport instanceof UdpLanTransport) await this.transport.close();
  }

  private reader(s: Ipmi15Session, until?: number): CommandRunner {
    return async (command, data, allowed = []) => {
      const r = await s.request(command, data, until);
      if (r.completionCode !== CC_OK && !allowed.includes(r.completionCode)) {
        throw completionCodeError(r.completionCode, command.netFn, command.cmd, command.name);
      }
      return { completionCode: r.completionCode, data: Buffer.from(r.data) };
    };
  }

  /**
   * Runs `fn` in an open session. A reused session that times out is re-opened once (the BMC
   * may have dropped it); a fresh session's failure is final, so a dead BMC costs one timeout.
   * `until` (Date.now() based) bounds it all, the re-open included.
   */
  private async withSession<T>(fn: (s: Ipmi15Session) => Promise<T>, until?: number): Promise<T> {
    const s = this.ensureSession();
    const reused = s.state === "active";
    if (!reused) await s.open(until);
    try {
      return await fn(s);
    } catch (e) {
      const state: SessionState = s.state; // read again: the failed request changed it
      if (reused && e instanceof PowerTimeoutError && state === "failed") {
        await s.open(until);
        return fn(s);
      }
      throw e;
    }
  }

  private ensureSession(): Ipmi15Session {
    if (!this.session) {
      const o = this.options;
      this.session = new Ipmi15Session(this.transport, {
        endpoint: { host: o.host, port: o.port },
        username: o.username,
        password: o.password,
        authType: o.authType,
        privilege: o.privilege,
        timeoutMs: o.timeoutMs,
        retransmitMs: o.retransmitMs,
        minIntervalMs: o.minIntervalMs,
      });
    }
    return this.session;
  }

  private keepAliveTick(): void {
    const s = this.session;
    if (s?.state !== "active") return;
    if (Date.now() - s.lastActivity < this.options.keepAliveMs) return;
    // A failure marks the session failed; the next real command re-opens it.
    s.request(GET_DEVICE_ID, encodeGetDeviceIdRequest()).catch(() => undefined);
  }
}
