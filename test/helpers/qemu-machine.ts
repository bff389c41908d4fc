/**
 * A lab "PE860" that is a QEMU (TCG) process on a tap inside a test network namespace, bound to
 * a lab IPMI BMC (MachineBinding): power on starts QEMU with the boot order the BMC's boot flags
 * ask for (PXE → the NIC has bootindex 1, the iPXE ROM of ipxe-qemu; otherwise the disk first),
 * power off kills it, and a guest `poweroff` (QEMU exits) shows as chassis power off.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { MachineBinding } from "../../backend/lab/bmc/machine-binding";
import type { BootRecord } from "../../backend/lab/bmc/power-state";

export interface QemuMachineOptions {
  netns: string;
  tap: string;
  mac: string;
  disk: string;
  memoryMiB: number;
  cores: number;
  consoleLog: string;
}

export class QemuMachine implements MachineBinding {
  readonly description: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Every start, with the boot device it used (for assertions). */
  readonly starts: { at: number; device: string }[] = [];

  constructor(private readonly o: QemuMachineOptions) {
    this.description = `qemu in netns ${o.netns} (${o.mac})`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The serial console of every boot so far (QEMU truncates its log file, so one file per start). */
  console(): string {
    return this.starts
      .map((_, i) => {
        try {
          return readFileSync(`${this.o.consoleLog}.${i}`, "utf8");
        } catch {
          return "";
        }
      })
      .join("\n");
  }

  async powerOn(boot: BootRecord): Promise<void> {
    if (this.running) return;
    await this.exited; // only one QEMU may hold the tap
    const pxe = boot.device === "pxe";
    this.starts.push({ at: Date.now(), device: boot.device });
    const args = [
      "netns",
      "exec",
      this.o.netns,
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-m",
      String(this.o.memoryMiB),
      "-smp",
      String(this.o.cores),
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      `file:${this.o.consoleLog}.${this.starts.length - 1}`,
      "-netdev",
      `tap,id=n0,ifname=${this.o.tap},script=no,downscript=no`,
      "-device",
      `virtio-net-pci,netdev=n0,mac=${this.o.mac},bootindex=${pxe ? 1 : 2}`,
      "-drive",
      `file=${this.o.disk},format=raw,if=none,id=d0`,
      "-device",
      `virtio-blk-pci,drive=d0,bootindex=${pxe ? 2 : 1}`,
    ];
    const child = spawn("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    child.once("exit", (code) => {
      if (code && code !== 0) console.error(`qemu exited ${code}: ${err}`);
    });
    this.child = child;
    this.exited = new Promise((r) => child.once("exit", () => r()));
  }

  async powerOff(_soft: boolean): Promise<void> {
    if (this.running) this.child!.kill("SIGKILL");
    await this.exited;
  }

  async reset(boot: BootRecord): Promise<void> {
    await this.powerOff(false);
    await this.powerOn(boot);
  }

  async state(): Promise<"on" | "off"> {
    return this.running ? "on" : "off";
  }
}
