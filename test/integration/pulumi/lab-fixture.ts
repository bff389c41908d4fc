/**
 * The region the Pulumi provider tests run against, on loopback: a real region server; rack
 * "rack-bmc" driven over the rack protocol by a small HTTP loop (it commissions machines with a
 * fixed PE860 inventory, fails the ones named `faulty-*`, deploys and releases), as
 * test/integration/region/rack-protocol.test.ts does; rack "rack-kvm" run by the real rack agent
 * with a real libvirtd + QEMU (TCG) VM host, so VMs are really built and torn down.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { startHttpRack } from "./http-rack";
import { acquireLibvirtd, createTestPool, type LibvirtdHandle, type TestPool } from "../../helpers/libvirtd";
import {
  ADMIN_KEY,
  addVmHost,
  http,
  registerImage,
  startTestRegion,
  type TestRegion,
} from "../../helpers/region";

export interface PulumiLab {
  r: TestRegion;
  regionId: string;
  bmcRackId: string;
  kvmRackId: string;
  tenantId: string;
  vmPoolId: string;
  hostId: string;
  prefix: string;
  libvirtPool: string;
  stop(): Promise<void>;
}

function ok(res: { status: number; body: any }): any {
  if (res.status >= 300) throw new Error(JSON.stringify(res.body));
  return res.body;
}

export async function startPulumiLab(prefix: string, opts: { vms: boolean }): Promise<PulumiLab> {
  const r = await startTestRegion();
  const cleanups: (() => Promise<void>)[] = [() => r.stop()];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const regionId = ok(
      await http(r.api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } }),
    ).id;
    const bmcRack = ok(
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-bmc",
          regionId,
          subnet: "10.20.0.0/24",
          dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
        },
      }),
    );
    const httpRack = startHttpRack(r.api, bmcRack.enrollmentToken, { deployIp: "10.20.0.50" });
    cleanups.push(() => httpRack.stop());
    const kvmRack = ok(
      await http(r.api, "POST", "/racks", {
        body: {
          name: "rack-kvm",
          regionId,
          subnet: "10.21.0.0/24",
          dhcpRange: { start: "10.21.0.100", end: "10.21.0.200" },
        },
      }),
    );
    const tenantId = ok(await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).id;
    const vmPoolId = ok(
      await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenantId] } }),
    ).id;
    let hostId = "";
    let libvirtPool = "";
    if (opts.vms) {
      const daemon: LibvirtdHandle = await acquireLibvirtd();
      const pool: TestPool = await createTestPool(prefix);
      cleanups.push(() => pool.remove());
      libvirtPool = pool.name;
      const work = mkdtempSync(join(tmpdir(), "fibrix-pulumi-"));
      cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
      const img = join(work, "tiny.qcow2");
      execFileSync("qemu-img", ["create", "-f", "qcow2", img, "64M"]);
      await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
        name: "tiny",
        os: "other",
        path: img,
      });
      // In the catalogue too (VMs may only name registered images); the host has it already.
      await registerImage(r.api, "tiny", { path: img });
      hostId = await addVmHost(r, {
        rackId: kvmRack.id,
        poolId: vmPoolId,
        hostname: "kvm-1",
        mac: "52:54:00:40:01:01",
        uri: daemon.uri,
        storagePool: pool.name,
      });
      const agent = new RackAgent({
        region: r.url,
        token: kvmRack.enrollmentToken,
        claimWaitMs: 300,
        log: pino({ level: "silent" }),
        // No OS in the tiny image answers ACPI: a stop is forced after 2 s (the default, 60 s,
        // is as long as a test's whole wait for Stopped).
        deps: defaultDeps(prefix, { vmStopTimeoutMs: 2_000 }),
      });
      await agent.start();
      cleanups.push(() => agent.stop());
    }
    return {
      r,
      regionId,
      bmcRackId: bmcRack.id,
      kvmRackId: kvmRack.id,
      tenantId,
      vmPoolId,
      hostId,
      prefix,
      libvirtPool,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export const adminConfig = (r: TestRegion) => {
  const values: Record<string, string | undefined> = { "fibrix:endpoint": r.url, "fibrix:apiKey": ADMIN_KEY };
  return { get: (key: string) => values[key] };
};

export { ADMIN_KEY, http, ok };
