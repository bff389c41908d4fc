/**
 * The lab's fast machine: a PE860 that network-boots without a CPU to emulate. Bound to a lab
 * BMC, it does on power-on what the firmware and the rack's ephemeral environment do
 * (backend/rack/boot/ephemeral-init.ts), over the rack's real boot protocol:
 *   - PXE: GET the rack's iPXE script for its MAC; an ephemeral boot names the mode, the report
 *     URL and the one-time token on its kernel line;
 *   - commission: post the hardware facts of a PE860 (cores, memory map, disks, NICs, tests),
 *     then power off;
 *   - deploy: download the image (every byte), "write" it, remember the report URL and token
 *     on its disk as the real environment does, post, power off;
 *   - disk: a deployed disk boots and posts `booted`, and the machine stays on.
 * It stands in for QEMU where seconds matter (the demo, many-machine labs); the PXE end-to-end
 * test uses a real QEMU machine instead.
 */
import type { MachineBinding } from "../bmc/machine-binding";
import type { BootRecord } from "../bmc/power-state";

export interface NetbootProfile {
  cores: number;
  memoryMiB: number;
  diskBytes: number;
  cpuModel: string;
}

/** A PE860 as donated to Fibrix: one dual-core Xeon, 8 GB, one 250 GB disk. */
export const PE860_PROFILE: NetbootProfile = {
  cores: 2,
  memoryMiB: 8192,
  diskBytes: 250 * 1000 ** 3,
  cpuModel: "Intel(R) Xeon(R) CPU 3060 @ 2.40GHz",
};

export interface NetbootMachineOptions {
  mac: string;
  /** The rack's HTTP boot server, as the machine reaches it. */
  bootUrl: string;
  /** The address the machine "got by DHCP" (reported, as the real environment does). */
  ip: string;
  profile?: NetbootProfile;
  /** Pause standing for POST and the kernel's start (default 1.5 s: the BMC confirms "on" meanwhile). */
  bootDelayMs?: number;
  onLog?: (line: string) => void;
}

/** Pure: what an iPXE script from the rack boots. */
export function readBootScript(
  script: string,
): { kind: "ephemeral"; mode: string; report: string; token: string; image?: string } | { kind: "local" } {
  const kernel = /^kernel \S+ (.*)$/m.exec(script);
  if (!kernel) return { kind: "local" };
  const arg = (name: string) => new RegExp(`(?:^| )fibrix\\.${name}=(\\S+)`).exec(kernel[1]!)?.[1];
  const mode = arg("mode");
  const report = arg("report");
  const token = arg("token");
  if (!mode || !report || !token) return { kind: "local" };
  const image = arg("image");
  return { kind: "ephemeral", mode, report, token, ...(image ? { image } : {}) };
}

export class NetbootMachine implements MachineBinding {
  readonly description: string;
  private on = false;
  /** Bumped on every power change: a boot in progress stops when it no longer matches. */
  private generation = 0;
  /** What a deploy left on the disk: where the deployed system reports, with which token. */
  private disk: { report: string; token: string } | undefined;
  /** Completed boots, by kind (for logs and tests). */
  readonly boots: string[] = [];
  private readonly profile: NetbootProfile;

  constructor(private readonly o: NetbootMachineOptions) {
    this.profile = o.profile ?? PE860_PROFILE;
    this.description = `lab netboot machine ${o.mac}`;
  }

  async powerOn(boot: BootRecord): Promise<void> {
    if (this.on) return;
    this.on = true;
    const gen = ++this.generation;
    // Boots run in the background, like a machine after the BMC said "on".
    void this.boot(boot.device, gen).catch((e: unknown) => {
      this.log(`boot failed: ${e instanceof Error ? e.message : String(e)}`);
      if (this.generation === gen) this.on = false;
    });
  }

  async powerOff(): Promise<void> {
    this.on = false;
    this.generation++;
  }

  async reset(boot: BootRecord): Promise<void> {
    await this.powerOff();
    await this.powerOn(boot);
  }

  async state(): Promise<"on" | "off"> {
    return this.on ? "on" : "off";
  }

  private log(line: string): void {
    this.o.onLog?.(`${this.o.mac}: ${line}`);
  }

  private alive(gen: number): boolean {
    return this.on && this.generation === gen;
  }

  private async boot(device: string, gen: number): Promise<void> {
    await new Promise((r) => setTimeout(r, this.o.bootDelayMs ?? 1500));
    if (!this.alive(gen)) return;
    // A machine without a boot override (Wake-on-LAN) boots from the network first.
    if (device === "pxe" || device === "default") {
      const res = await fetch(`${this.o.bootUrl.replace(/\/+$/, "")}/boot.ipxe?mac=${this.o.mac}`);
      if (!res.ok) throw new Error(`boot script: HTTP ${res.status}`);
      const what = readBootScript(await res.text());
      if (!this.alive(gen)) return;
      if (what.kind === "ephemeral") return this.ephemeral(what, gen);
      this.log("iPXE: local boot");
    }
    return this.diskBoot(gen);
  }

  private async ephemeral(
    e: { mode: string; report: string; token: string; image?: string },
    gen: number,
  ): Promise<void> {
    this.log(`ephemeral environment, mode ${e.mode}`);
    if (e.mode === "commission") {
      const p = this.profile;
      await this.post(e, "commission", {
        kind: "commission",
        ip: this.o.ip,
        cores: p.cores,
        cpuModel: p.cpuModel,
        memTotalKiB: p.memoryMiB * 1024 - 65_536,
        e820Bytes: p.memoryMiB * 1024 * 1024 - 393_216,
        disks: [{ name: "sda", sectors: Math.floor(p.diskBytes / 512) }],
        nics: [{ name: "eth0", mac: this.o.mac }],
        tests: [
          { name: "disk-read-sda", passed: true, detail: "read the first MiB" },
          { name: "memory", passed: true, detail: "8 MiB written and read back" },
        ],
      });
    } else if (e.mode === "deploy") {
      if (!e.image) throw new Error("deploy without an image");
      const img = await fetch(e.image);
      if (!img.ok || !img.body) throw new Error(`image: HTTP ${img.status}`);
      let bytes = 0;
      for await (const chunk of img.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      if (!this.alive(gen)) return;
      this.disk = { report: e.report, token: e.token };
      await this.post(e, "deploy", { kind: "deploy", ip: this.o.ip, disk: "sda", bytes });
    }
    this.boots.push(e.mode);
    // The environment ends with `poweroff -f`.
    if (this.alive(gen)) await this.powerOff();
  }

  private async diskBoot(gen: number): Promise<void> {
    if (!this.disk) {
      this.log("no bootable disk");
      return;
    }
    await this.post(this.disk, "booted", {
      kind: "booted",
      ip: this.o.ip,
      disk: "sda",
      message: "booted from disk sda",
    });
    if (this.alive(gen)) this.boots.push("disk");
  }

  private async post(to: { report: string; token: string }, kind: string, body: object): Promise<void> {
    const res = await fetch(`${to.report}/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-fibrix-token": to.token },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`report ${kind}: HTTP ${res.status} ${await res.text()}`);
    this.log(`reported ${kind}`);
  }
}
