/**
 * MachineBinding onto a libvirt domain through the `virsh` client (`virsh -c URI
 * start|destroy|shutdown|reset|domstate NAME`), the way virtualbmc maps IPMI verbs to libvirt.
 * Idempotent: starting a running domain or destroying a stopped one is not an error.
 */

import { execFile } from "node:child_process";
import type { MachineBinding } from "./machine-binding";

export class VirshError extends Error {
  readonly code = "LAB_VIRSH_FAILED";
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = "VirshError";
  }
}

function virsh(uri: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("virsh", ["-c", uri, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new VirshError(`virsh ${args.join(" ")}: ${String(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** libvirt domain states that count as "chassis power on" (domstate output). */
const ON_STATES = new Set(["running", "paused", "in shutdown", "blocked", "pmsuspended"]);

export function virshMachine(uri: string, domain: string, timeoutMs = 15_000): MachineBinding {
  const state = async (): Promise<"on" | "off"> => {
    const out = (await virsh(uri, ["domstate", domain], timeoutMs)).trim();
    return ON_STATES.has(out) ? "on" : "off";
  };
  return {
    description: `libvirt ${uri} ${domain}`,
    state,
    async powerOn() {
      if ((await state()) === "on") return;
      await virsh(uri, ["start", domain], timeoutMs);
    },
    async powerOff(soft) {
      if ((await state()) === "off") return;
      await virsh(uri, [soft ? "shutdown" : "destroy", domain], timeoutMs);
    },
    async reset() {
      if ((await state()) === "off") {
        await virsh(uri, ["start", domain], timeoutMs);
        return;
      }
      await virsh(uri, ["reset", domain], timeoutMs);
    },
  };
}
