/**
 * `fibrix region serve`: the region's API and DNS in the foreground until SIGINT/SIGTERM.
 * Prints `listening on URL` (scripts and tests wait for it) and, on first start only, the
 * generated admin API key.
 */
import { Command } from "commander";
import { startRegionServer } from "../../backend/region/serve";

export function regionCommand(): Command {
  const region = new Command("region").description("the region server (API, store, DNS)");
  region
    .command("serve")
    .description("run the region server")
    .requiredOption("--listen <host:port>", "HTTP API address", "127.0.0.1:5240")
    .requiredOption("--data <dir>", "data directory (SQLite store, secret key)")
    .option("--database <url>", "PostgreSQL URL for the HA store (default: SQLite in --data)")
    .option("--dns-listen <host:port>", "authoritative DNS address (UDP and TCP)")
    .option("--dns-port <port>", "DNS port on the API's host (0 = any free port)")
    .action(
      async (o: {
        listen: string;
        data: string;
        database?: string;
        dnsListen?: string;
        dnsPort?: string;
      }) => {
        const host = o.listen.replace(/:\d+$/, "");
        const dnsListen = o.dnsListen ?? (o.dnsPort !== undefined ? `${host}:${o.dnsPort}` : undefined);
        const running = await startRegionServer({
          listen: o.listen,
          dataDir: o.data,
          ...(o.database ? { databaseUrl: o.database } : {}),
          ...(dnsListen ? { dnsListen } : {}),
          ...(process.env.FIBRIX_ADMIN_KEY ? { adminKey: process.env.FIBRIX_ADMIN_KEY } : {}),
        });
        if (running.region.bootstrapKey) {
          process.stdout.write(
            `admin API key (shown once, store it now): ${running.region.bootstrapKey}\n` +
              `  export FIBRIX_ENDPOINT=${running.url} FIBRIX_API_KEY=${running.region.bootstrapKey}\n`,
          );
        }
        process.stdout.write(
          `listening on ${running.url}${running.dnsPort !== undefined ? ` (DNS on port ${running.dnsPort})` : ""}\n`,
        );
        const stop = async () => {
          await running.close();
          process.exit(0);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      },
    );
  return region;
}
