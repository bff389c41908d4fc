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
import type { SettingValues } from "./settings";
import { ipmiDeclaration } from "./declared/ipmi";

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
  ...ipmiDeclaration,
  create: (s, deps) => {
    const options = ipmiClientOptions(s, deps);
    if (deps.ipmiPool) {
      const { transport: _shared, ...rest } = options;
      return new IpmiPowerDriver(deps.ipmiPool.client(rest), deps, false);
    }
    return new IpmiPowerDriver(new Ipmi15Client(options), deps);
  },
};
