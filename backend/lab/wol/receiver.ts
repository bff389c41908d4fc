/**
 * The lab's Wake-on-LAN receiver: the network card of machines that have no BMC. It listens on
 * a UDP port (on loopback in the lab; port 9, "discard", on a real segment), recognises magic
 * packets (6 × FFh, then the target MAC 16 times: AMD's Magic Packet Technology white paper)
 * and powers on the machine bound to that MAC. Like a real NIC it has no way to power off, and
 * the firmware of a WoL machine boots from the network first.
 */
import { createSocket, type Socket } from "node:dgram";
import type { MachineBinding } from "../bmc/machine-binding";

/** Pure: the MAC a magic packet wakes (lower case, colon separated), or undefined. */
export function macOfMagicPacket(packet: Uint8Array): string | undefined {
  // The sync stream may follow other bytes (e.g. a header); the payload is 102 bytes at least.
  for (let start = 0; start + 102 <= packet.length; start++) {
    if (!packet.subarray(start, start + 6).every((b) => b === 0xff)) continue;
    const mac = packet.subarray(start + 6, start + 12);
    let repeated = true;
    for (let i = 1; i < 16 && repeated; i++) {
      const at = start + 6 + i * 6;
      repeated = mac.every((b, j) => packet[at + j] === b);
    }
    if (repeated) return [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");
  }
  return undefined;
}

export interface WolReceiver {
  port: number;
  /** MACs woken so far, in order. */
  readonly woken: string[];
  close(): Promise<void>;
}

export function startWolReceiver(o: {
  host?: string;
  port?: number;
  /** Machines by MAC (any case, colon or dash separated). */
  machines: Record<string, MachineBinding>;
  onError?: (e: unknown) => void;
}): Promise<WolReceiver> {
  const byMac = new Map(
    Object.entries(o.machines).map(([mac, m]) => [mac.toLowerCase().replace(/-/g, ":"), m]),
  );
  const woken: string[] = [];
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg) => {
    const mac = macOfMagicPacket(msg);
    const machine = mac ? byMac.get(mac) : undefined;
    if (!mac || !machine) return; // a NIC ignores packets for other cards
    woken.push(mac);
    machine
      .powerOn({ at: Date.now(), device: "pxe", efi: false, cause: "power-on" })
      .catch((e) => o.onError?.(e));
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(o.port ?? 0, o.host ?? "127.0.0.1", () => {
      socket.off("error", reject);
      resolve({
        port: socket.address().port,
        woken,
        close: () => new Promise<void>((r) => socket.close(() => r())),
      });
    });
  });
}
