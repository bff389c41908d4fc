/**
 * Wake-on-LAN: power on only, by a "magic packet" (6 × FFh then the MAC 16 times, AMD's
 * Magic Packet Technology white paper) sent by UDP to a broadcast address, port 9 (discard)
 * by default. The machine cannot be observed or powered off this way.
 */

import { createSocket } from "node:dgram";
import { isIP } from "node:net";
import { BasePowerDriver, type DriverDeps, type PowerDriverSpec, type PowerState } from "./driver";
import { ConfigurationError, PowerActionError, UnsupportedError } from "./errors";
import { normalizeMac } from "./settings";
import { wolDeclaration } from "./declared/wol";

/** Pure: the 102-byte magic packet for a MAC address. */
export function magicPacket(mac: string): Buffer {
  const norm = normalizeMac(mac);
  if (!norm) throw new ConfigurationError(`bad MAC address ${mac}`, "mac");
  const macBytes = Buffer.from(norm.replace(/:/g, ""), "hex");
  const out = Buffer.alloc(6 + 16 * 6, 0xff);
  for (let i = 0; i < 16; i++) macBytes.copy(out, 6 + i * 6);
  return out;
}

export class WolPowerDriver extends BasePowerDriver {
  readonly name = "wol";
  private readonly packet: Buffer;

  constructor(
    readonly mac: string,
    readonly broadcast: string,
    readonly port: number,
    deps: DriverDeps = {},
  ) {
    super(deps);
    this.packet = magicPacket(mac);
    if (isIP(broadcast) !== 4)
      throw new ConfigurationError(`broadcast must be an IPv4 address: ${broadcast}`, "broadcast");
  }

  protected override get canQueryStatus(): boolean {
    return false;
  }

  protected powerOn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createSocket("udp4");
      s.once("error", (e) => {
        s.close();
        reject(
          new PowerActionError(`wake-on-LAN send to ${this.broadcast}:${this.port} failed: ${e.message}`, {
            cause: e,
          }),
        );
      });
      s.bind(0, () => {
        s.setBroadcast(true);
        s.send(this.packet, this.port, this.broadcast, (err) => {
          s.close();
          if (err) reject(new PowerActionError(`wake-on-LAN send failed: ${err.message}`, { cause: err }));
          else resolve();
        });
      });
    });
  }

  private unsupported(what: string): Promise<never> {
    return Promise.reject(new UnsupportedError(`wake-on-LAN cannot ${what}`));
  }
  protected powerOff(): Promise<void> {
    return this.unsupported("power off");
  }
  protected powerCycle(): Promise<void> {
    return this.unsupported("power cycle");
  }
  protected powerReset(): Promise<void> {
    return this.unsupported("reset");
  }
  protected powerSoftOff(): Promise<void> {
    return this.unsupported("shut down");
  }
  protected async queryPowerState(): Promise<PowerState> {
    return "unknown";
  }
  protected applyBootDevice(): Promise<void> {
    return this.unsupported("set the boot device");
  }
}

export const wolDriverSpec: PowerDriverSpec = {
  ...wolDeclaration,
  create: (s, deps) =>
    new WolPowerDriver(
      String(s["mac"]),
      String(s["broadcast"] ?? "255.255.255.255"),
      Number(s["port"] ?? 9),
      deps,
    ),
};
