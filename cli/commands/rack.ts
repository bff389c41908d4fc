/** `fibrix rack serve`: the rack agent in the foreground until SIGINT/SIGTERM. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { RackAgent } from "../../backend/rack/agent";

export function rackCommand(): Command {
  const rack = new Command("rack").description("the rack controller agent");
  rack
    .command("serve")
    .description("enrol with the region, heartbeat and run the rack's work (no inbound port needed)")
    .requiredOption("--region <url>", "region URL, e.g. http://10.0.0.2:5240")
    .option("--token <token>", "the rack's enrollment token (or FIBRIX_RACK_TOKEN)")
    .option("--token-file <file>", "read the enrollment token from a file")
    .option("--interface <name>", "interface facing the rack's subnet")
    .option("--boot-url <url>", "URL of this rack's HTTP boot server as machines see it")
    .option("--vm-prefix <prefix>", "name prefix of the libvirt objects this rack manages", "fibrix-vm-")
    .action(
      async (o: {
        region: string;
        token?: string;
        tokenFile?: string;
        interface?: string;
        bootUrl?: string;
        vmPrefix: string;
      }) => {
        const token =
          o.token ?? (o.tokenFile ? readFileSync(o.tokenFile, "utf8").trim() : process.env.FIBRIX_RACK_TOKEN);
        if (!token)
          throw new Error("no enrollment token: pass --token, --token-file or set FIBRIX_RACK_TOKEN");
        const agent = new RackAgent({
          region: o.region,
          token,
          vmPrefix: o.vmPrefix,
          ...(o.interface ? { interface: o.interface } : {}),
          ...(o.bootUrl ? { bootUrl: o.bootUrl } : {}),
        });
        await agent.start();
        process.stdout.write(
          `rack agent running for ${agent.config?.rackId ?? "(region unreachable, retrying)"}\n`,
        );
        const stop = async () => {
          await agent.stop();
          process.exit(0);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      },
    );
  return rack;
}
