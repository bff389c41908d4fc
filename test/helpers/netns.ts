/**
 * A throw-away network namespace for boot tests: bridge `br0` carrying the test's own subnet
 * address and a tap for one QEMU machine, all inside the namespace (nothing on the host's
 * interfaces, so DHCP/TFTP/HTTP boot traffic can never leave it).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { own } from "./run-dirs";

export interface TestNetns {
  name: string;
  bridge: string;
  tap: string;
  address: string;
  remove(): void;
}

const ip = (args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

/** Why a netns test cannot run here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing";
  const probe = `fxprobe${process.pid}`;
  try {
    ip(["netns", "add", probe]);
    ip(["netns", "del", probe]);
    return undefined;
  } catch (e) {
    return `ip netns is unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
}

export function createTestNetns(name: string, cidrAddress: string): TestNetns {
  try {
    ip(["netns", "del", name]);
  } catch {
    /* not left over */
  }
  ip(["netns", "add", name]);
  own("netns", name);
  const inNs = (args: string[]) => ip(["-n", name, ...args]);
  try {
    inNs(["link", "set", "lo", "up"]);
    inNs(["link", "add", "br0", "type", "bridge"]);
    inNs(["addr", "add", cidrAddress, "dev", "br0"]);
    inNs(["tuntap", "add", "dev", "tap0", "mode", "tap"]);
    inNs(["link", "set", "tap0", "master", "br0"]);
    inNs(["link", "set", "tap0", "up"]);
    inNs(["link", "set", "br0", "up"]);
  } catch (e) {
    ip(["netns", "del", name]);
    throw e;
  }
  return {
    name,
    bridge: "br0",
    tap: "tap0",
    address: cidrAddress.split("/")[0]!,
    remove() {
      try {
        ip(["netns", "del", name]);
      } catch {
        /* already gone */
      }
    },
  };
}
