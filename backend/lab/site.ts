/**
 * A whole lab site on loopback, the fast variant of the PXE flow (no DHCP and no QEMU): the
 * rack's HTTP boot server with a small environment and image, and `count` PE860s (BMCs
 * speaking IPMI 1.5 on 127.0.0.1, each bound to a lab machine that network-boots through the
 * rack), plus the rack agent once its enrollment token is known. `fibrix demo` and the
 * console's browser tests run on it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { RackAgent } from "../rack/agent";
import { BootHttpServer } from "../rack/boot/http-server";
import { BootServices } from "../rack/boot/services";
import { type LabBmcs, startLabBmcs } from "./bmc/server";
import { NetbootMachine } from "./pxe/netboot-machine";

export const LAB_BMC_USER = "root";
export const LAB_BMC_PASSWORD = "calvin";

export interface LabSite {
  bootUrl: string;
  lab: LabBmcs;
  /** Starts the rack agent with the rack's enrollment token (it pulls its work from the region). */
  startAgent(regionUrl: string, token: string): Promise<RackAgent>;
  close(): Promise<void>;
}

export async function startLabSite(o: { dataDir: string; count: number; image?: string }): Promise<LabSite> {
  // The fast variant's environment and image: small files; the lab machines fetch them.
  mkdirSync(join(o.dataDir, "images"), { recursive: true });
  writeFileSync(join(o.dataDir, "vmlinuz"), Buffer.alloc(64 * 1024));
  writeFileSync(join(o.dataDir, "initrd"), Buffer.alloc(64 * 1024));
  writeFileSync(join(o.dataDir, "images", o.image ?? "ubuntu-24.04"), Buffer.alloc(8 * 1024 * 1024));
  const boot = new BootServices({
    baseUrl: "http://127.0.0.1",
    kernelPath: join(o.dataDir, "vmlinuz"),
    initrdPath: join(o.dataDir, "initrd"),
    imagesDir: join(o.dataDir, "images"),
  });
  const bootServer = new BootHttpServer(boot);
  const bootUrl = `http://${await bootServer.listen({ host: "127.0.0.1", port: 0 })}`;
  boot.setBaseUrl(bootUrl);
  const netboot = Array.from(
    { length: o.count },
    (_, i) =>
      new NetbootMachine({
        mac: `52:54:00:20:00:${(i + 1).toString(16).padStart(2, "0")}`,
        bootUrl,
        ip: `10.20.0.${101 + i}`,
      }),
  );
  let lab: LabBmcs;
  try {
    lab = await startLabBmcs({
      count: o.count,
      basePort: 0,
      user: LAB_BMC_USER,
      password: LAB_BMC_PASSWORD,
      timings: { onDelayMs: 300 },
      binding: (i) => netboot[i],
    });
  } catch (e) {
    await bootServer.close();
    throw e;
  }
  let agent: RackAgent | undefined;
  return {
    bootUrl,
    lab,
    async startAgent(regionUrl, token) {
      agent = new RackAgent({
        region: regionUrl,
        token,
        bootUrl,
        claimWaitMs: 1000,
        log: pino({ level: "warn" }),
        boot,
        onConfig: (c) => boot.setConfig(c),
      });
      await agent.start();
      return agent;
    },
    async close() {
      await agent?.stop();
      await bootServer.close();
      await lab.close();
    },
  };
}
