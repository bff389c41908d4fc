/**
 * IPMI power driver: chassis control, chassis status and boot flags over IPMI v1.5 LAN
 * (ipmi15/client.ts). The PE860's BMC speaks only v1.5 (MD5 or straight password).
 */

import {
  type BootTarget,
  BasePowerDriver,
  type DriverDeps,
  type PowerDriverSpec,
  type PowerState,
} from "./driver";
import { type CallOptions, Ipmi15Client, type Ipmi15ClientOptions } from "./ipmi15/client";
import type { SelEvent } from "./ipmi15/sel-walk";
import type { SensorValue } from "./ipmi15/sensor-walk";
import type { SettingSpec, SettingValues } from "./settings";

export const IPMI_SETTINGS = [
  { name: "address", label: "BMC host or IP address", type: "string", required: true, maxLength: 255 },
  { name: "port", label: "BMC UDP port", type: "int", required: false, default: 623, min: 1, max: 65535 },
  // IPMI 1.5 §18.13/§22.28: user names and passwords are 16-byte fields.
  { name: "user", label: "User name", type: "string", required: false, default: "", maxLength: 16 },
  { name: "password", label: "Password", type: "string", required: true, secret: true, maxLength: 16 },
  // IPMI 2.0 (RMCP+) will be a second session type beside the 1.5 one; until then 1.5 only.
  {
    name: "ipmiVersion",
    label: "IPMI version",
    type: "choice",
    required: false,
    choices: ["1.5"],
    default: "1.5",
  },
  {
    name: "authType",
    label: "Authentication type",
    type: "choice",
    required: false,
    choices: ["md5", "password", "md2", "none"],
    default: "md5",
  },
  {
    name: "privilege",
    label: "Privilege level",
    type: "choice",
    required: false,
    choices: ["admin", "operator"],
    default: "admin",
  },
  {
    name: "timeoutMs",
    label: "Timeout per exchange (ms)",
    type: "int",
    required: false,
    default: 2000,
    min: 50,
    max: 60000,
  },
] as const satisfies readonly SettingSpec[];

export function ipmiClientOptions(s: SettingValues, deps: DriverDeps): Ipmi15ClientOptions {
  const o: Ipmi15ClientOptions = {
    host: String(s["address"]),
    port: Number(s["port"] ?? 623),
    username: String(s["user"] ?? ""),
    password: String(s["password"]),
    authType: String(s["authType"] ?? "md5"),
    privilege: String(s["privilege"] ?? "admin"),
    timeoutMs: Number(s["timeoutMs"] ?? 2000),
  };
  if (deps.ipmiTransport) o.transport = deps.ipmiTransport;
  return o;
}

export class IpmiPowerDriver extends BasePowerDriver {
  readonly name = "ipmi";

  constructor(
    readonly client: Ipmi15Client,
    deps: DriverDeps = {},
    /** false when the client belongs to a pool that outlives this driver. */
    private readonly ownsClient = true,
  ) {
    super(deps);
  }

  // `left`: the time to the verb's deadline; every exchange of the call is cut to fit in it.
  protected powerOn(left: number): Promise<void> {
    return this.client.chassisControl("on", { timeLimitMs: left });
  }
  protected powerOff(left: number): Promise<void> {
    return this.client.chassisControl("off", { timeLimitMs: left });
  }
  protected powerCycle(left: number): Promise<void> {
    return this.client.chassisControl("cycle", { timeLimitMs: left });
  }
  protected powerReset(left: number): Promise<void> {
    return this.client.chassisControl("reset", { timeLimitMs: left });
  }
  protected powerSoftOff(left: number): Promise<void> {
    return this.client.chassisControl("soft", { timeLimitMs: left });
  }
  protected async queryPowerState(left: number): Promise<PowerState> {
    return (await this.client.chassisStatus({ timeLimitMs: left })).powerOn ? "on" : "off";
  }
  protected applyBootDevice(device: BootTarget, persistent: boolean, left: number): Promise<void> {
    return this.client.setBootDevice(device, { persistent, timeLimitMs: left });
  }

  sensors(options: CallOptions = {}): Promise<SensorValue[]> {
    return this.client.sensors(options);
  }

  events(options: CallOptions = {}): Promise<SelEvent[]> {
    return this.client.sel(options);
  }

  override async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}

export const ipmiDriverSpec: PowerDriverSpec = {
  name: "ipmi",
  description: "IPMI v1.5 over LAN (RMCP, MD5 or straight password)",
  settings: IPMI_SETTINGS,
  canQueryStatus: true,
  canSetBootDevice: true,
  create: (s, deps) => {
    const options = ipmiClientOptions(s, deps);
    if (deps.ipmiPool) {
      const { transport: _shared, ...rest } = options;
      return new IpmiPowerDriver(deps.ipmiPool.client(rest), deps, false);
    }
    return new IpmiPowerDriver(new Ipmi15Client(options), deps);
  },
};
