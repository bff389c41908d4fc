/**
 * `fibrix demo` (the README's first quick-start command): a region on the embedded SQLite store
 * with its DNS, a virtual lab of PE860 BMCs speaking IPMI 1.5 on 127.0.0.1, and the example
 * program enlisting them; then the machines are driven over IPMI and the region's DNS is
 * queried. Everything listens on loopback and stops by itself at the end.
 */
import { Resolver } from "node:dns/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pino from "pino";
import { startLabBmcs } from "../../backend/lab/bmc/server";
import { createPowerDriver } from "../../backend/power/registry";
import { startRegionServer } from "../../backend/region/serve";
import { generateApiKey } from "../../backend/region/auth";
import { FibrixClient } from "../../sdk/client";
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
      step(`starting the virtual lab: ${o.machines} PE860 BMCs (IPMI 1.5 LAN, MD5)`);
      const lab = await startLabBmcs({
        count: Number(o.machines),
        basePort: 0,
        user: "root",
        password: "calvin",
        timings: { onDelayMs: 300 },
      });
      for (const b of lab.bmcs) info(`${b.name} on ${b.host}:${b.port}`);
      try {
        step("example program (examples/sdk/quickstart.ts): region, rack, pool, tenant, machines");
        const out = await quickstart(
          region.url,
          adminKey,
          lab.bmcs.map((b) => ({ address: b.host, port: b.port, user: "root", password: "calvin" })),
          info,
        );
        step("driving the machines' BMCs with our IPMI 1.5 driver");
        for (const [i, m] of out.machines.entries()) {
          const b = lab.bmcs[i]!;
          const driver = createPowerDriver("ipmi", {
            address: b.host,
            port: b.port,
            user: "root",
            password: "calvin",
          });
          try {
            await driver.setBootDevice("pxe");
            await driver.on();
            const sensors = (await driver.sensors?.()) ?? [];
            const cpu = sensors.find((s) => /cpu/i.test(s.name));
            info(
              `${m.hostname}: power ${await driver.status()}, next boot PXE, ${sensors.length} sensors${cpu ? `, ${cpu.name} ${cpu.value} ${cpu.unit}` : ""}`,
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
        await lab.close();
        await region.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
