/**
 * `fibrix demo` (the README's first quick-start command): a region on the embedded SQLite store
 * with its DNS, a rack agent with its HTTP boot server, a virtual lab of PE860s (BMCs speaking
 * IPMI 1.5 on 127.0.0.1, each bound to a lab machine that network-boots through the rack), and
 * the example program enlisting them. The rack commissions them (IPMI: PXE, power on; the
 * machine boots the rack's environment and reports its hardware) and deploys one; then the
 * region's DNS answers for it. This is the lab's fast variant of the PXE flow (no DHCP and no
 * QEMU: test/e2e/pxe-commission.test.ts runs the real one). Everything listens on loopback and
 * stops by itself at the end.
 */
import { Resolver } from "node:dns/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pino from "pino";
import { startLabSite } from "../../backend/lab/site";
import { createPowerDriver } from "../../backend/power/registry";
import { startRegionServer } from "../../backend/region/serve";
import { generateApiKey } from "../../backend/region/auth";
import { FibrixClient } from "../../sdk/client";
import type { Machine } from "../../sdk/schema/machine";
import { quickstart } from "../../examples/sdk/quickstart";

export function demoCommand(): Command {
  return new Command("demo")
    .description("run the region, a virtual PE860 lab and the example program on loopback, then stop")
    .option("--machines <n>", "number of simulated PE860s", "4")
    .option("--keep", "keep running until Ctrl-C instead of stopping at the end")
    .action(async (o: { machines: string; keep?: boolean }) => {
      const step = (s: string) => process.stdout.write(`\n▸ ${s}\n`);
      const info = (s: string) => process.stdout.write(`  ${s}\n`);
      const dataDir = mkdtempSync(join(tmpdir(), "fibrix-demo-"));
      const adminKey = generateApiKey();
      step("starting the region (SQLite store, REST API, DNS) on 127.0.0.1");
      const region = await startRegionServer({
        listen: "127.0.0.1:0",
        dataDir,
        dnsListen: "127.0.0.1:0",
        adminKey,
        logger: pino({ level: "warn" }),
      });
      info(`API ${region.url}/api/v1 (docs at /api/v1/docs), DNS on 127.0.0.1:${region.dnsPort}`);
      step("starting the rack's HTTP boot server (iPXE scripts, environment, images) on 127.0.0.1");
      const count = Number(o.machines);
      const site = await startLabSite({ dataDir, count });
      info(`boot server ${site.bootUrl}`);
      step(
        `starting the virtual lab: ${count} PE860s (IPMI 1.5 LAN BMCs, MD5; machines that boot from the network)`,
      );
      const lab = site.lab;
      for (const b of lab.bmcs) info(`${b.name} on ${b.host}:${b.port}`);
      try {
        step("example program (examples/sdk/quickstart.ts): region, rack, pool, tenant, machines");
        const out = await quickstart(
          region.url,
          adminKey,
          lab.bmcs.map((b) => ({ address: b.host, port: b.port, user: "root", password: "calvin" })),
          info,
          { commission: true },
        );
        step("starting the rack agent (enrolled with the rack's token; it pulls its work from the region)");
        await site.startAgent(region.url, out.rackToken);
        info(`rack ${out.rackId} online`);
        const admin = new FibrixClient({ endpoint: region.url, apiKey: adminKey });
        const follow = (m: Machine, want: Machine["status"]) => {
          let last = "";
          return admin.machines.waitForStatus(m.id, want, {
            timeoutMs: 120_000,
            intervalMs: 250,
            onProgress: (x, ms) => {
              const now = `${x.status}${x.statusReason ? ` (${x.statusReason})` : ""}`;
              if (now !== last) info(`${m.hostname}: ${now} after ${(ms / 1000).toFixed(1)} s`);
              last = now;
            },
          });
        };
        step(
          "commissioning: IPMI sets PXE and powers on; each machine boots the rack's environment and reports",
        );
        const ready = await Promise.all(out.machines.map((m) => follow(m, "Ready")));
        for (const m of ready) {
          const inv = m.inventory;
          info(
            `${m.hostname}: Ready — ${inv?.cores} cores, ${inv?.memoryMiB} MiB, disks ${inv?.storage.map((d) => `${d.name} ${Math.round(d.sizeGiB)} GiB`).join(", ")}, power ${m.powerState}`,
          );
        }
        const first = ready[0]!;
        step(
          `deploying ubuntu-24.04 on ${first.hostname}: PXE → image written → boot device disk → its own disk`,
        );
        const latest = await admin.machines.get(first.id);
        await admin.machines.update(
          first.id,
          { deploy: { image: "ubuntu-24.04" } },
          { ifMatch: latest.version },
        );
        await admin.machines.action(first.id, "deploy");
        const deployed = await follow(first, "Deployed");
        info(`${deployed.hostname}: Deployed at ${deployed.ip}`);
        step("the machines' BMCs read directly with our IPMI 1.5 driver");
        for (const [i, m] of out.machines.entries()) {
          const b = lab.bmcs[i]!;
          const driver = createPowerDriver("ipmi", {
            address: b.host,
            port: b.port,
            user: "root",
            password: "calvin",
          });
          try {
            const sensors = (await driver.sensors?.()) ?? [];
            const cpu = sensors.find((s) => /cpu/i.test(s.name));
            info(
              `${m.hostname}: power ${await driver.status()}, ${sensors.length} sensors${cpu ? `, ${cpu.name} ${cpu.value} ${cpu.unit}` : ""}`,
            );
          } finally {
            await driver.close();
          }
        }
        step("asking the region's DNS (authoritative for girona.fibrix.example)");
        const resolver = new Resolver();
        resolver.setServers([`127.0.0.1:${region.dnsPort}`]);
        info(
          `ns1.girona.fibrix.example → ${(await resolver.resolve4("ns1.girona.fibrix.example")).join(", ")}`,
        );
        const fqdn = `${deployed.hostname}.girona.fibrix.example`;
        info(`${fqdn} → ${(await resolver.resolve4(fqdn)).join(", ")}`);
        step("what a customer sees with its own key");
        const acme = new FibrixClient({ endpoint: region.url, apiKey: out.tenantKey });
        const pools = await acme.pools.listAll();
        info(
          `tenant acme sees pools: ${pools.map((p) => p.name).join(", ")}; VMs: ${(await acme.vms.listAll()).length}`,
        );
        const events = await new FibrixClient({ endpoint: region.url, apiKey: adminKey }).events.list({
          limit: 1000,
        });
        info(`${events.length} events in the log; last: ${events.at(-1)?.kind} ${events.at(-1)?.objectId}`);
        step("done");
        if (o.keep) {
          info(
            `try: FIBRIX_ENDPOINT=${region.url} FIBRIX_API_KEY=${adminKey} node bin/fibrix.js machines list`,
          );
          info("running until Ctrl-C");
          await new Promise<void>((r) => process.once("SIGINT", () => r()));
        }
      } finally {
        await site.close();
        await region.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
