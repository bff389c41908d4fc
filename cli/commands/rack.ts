/**
 * `fibrix rack serve`: the rack agent in the foreground until SIGINT/SIGTERM. It opens every
 * connection itself (no inbound port): heartbeat, claim work, run it, report. Logs (pino JSON)
 * go to stderr; stdout gets one line when the agent is running and one when it stopped.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import pino from "pino";
import { RackAgent } from "../../backend/rack/agent";
import { type CliIo, processIo } from "../io";
import { UsageError } from "../usage-error";

interface ServeFlags {
  region: string;
  token?: string;
  tokenFile?: string;
  interface?: string;
  bootUrl?: string;
  vmPrefix: string;
  concurrency: number;
  logLevel: string;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function positiveInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100)
      throw new UsageError(`${flag} must be 1-100, got ${v}`);
    return Number(v);
  };
}

/** The enrollment token: --token, else --token-file, else FIBRIX_RACK_TOKEN. */
export function tokenOf(flags: Pick<ServeFlags, "token" | "tokenFile">, env: NodeJS.ProcessEnv): string {
  if (flags.token && flags.tokenFile) throw new UsageError("pass either --token or --token-file, not both");
  let token = flags.token ?? env.FIBRIX_RACK_TOKEN;
  if (flags.tokenFile) {
    try {
      token = readFileSync(flags.tokenFile, "utf8").trim();
    } catch (e) {
      throw new UsageError(
        `cannot read --token-file ${flags.tokenFile}: ${e instanceof Error ? e.message : e}`,
      );
    }
  }
  if (!token)
    throw new UsageError("no enrollment token: pass --token, --token-file or set FIBRIX_RACK_TOKEN");
  return token;
}

export function rackCommand(io: CliIo = processIo()): Command {
  const rack = new Command("rack").description("the rack controller agent");
  rack
    .command("serve")
    .description("heartbeat the region and run this rack's work (power, health, VMs) until SIGINT/SIGTERM")
    .requiredOption("--region <url>", "region URL, e.g. http://10.0.0.2:5240")
    .option("--token <token>", "the rack's enrollment token, fbr_… (or FIBRIX_RACK_TOKEN)")
    .option("--token-file <file>", "read the enrollment token from a file")
    .option("--interface <name>", "interface facing the rack's subnet")
    .option("--boot-url <url>", "URL of this rack's HTTP boot server as machines see it")
    .option("--vm-prefix <prefix>", "name prefix of the libvirt objects this rack manages", "fibrix-vm-")
    .option("--concurrency <n>", "tasks held at once", positiveInt("--concurrency"), 8)
    .option("--log-level <level>", `log level (${LEVELS.join(", ")})`, "info")
    .action(async (o: ServeFlags) => {
      if (!/^https?:\/\//.test(o.region))
        throw new UsageError(`--region must be an http(s) URL, got ${o.region}`);
      if (!LEVELS.includes(o.logLevel))
        throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`);
      const token = tokenOf(o, io.env);
      let off: () => void = () => undefined;
      const stop = new Promise<string>((resolve) => {
        off = io.onStop(resolve);
      });
      const agent = new RackAgent({
        region: o.region,
        token,
        vmPrefix: o.vmPrefix,
        concurrency: o.concurrency,
        log: pino({ name: "rack", level: o.logLevel }, pino.destination(2)),
        ...(o.interface ? { interface: o.interface } : {}),
        ...(o.bootUrl ? { bootUrl: o.bootUrl } : {}),
      });
      try {
        await agent.start();
        io.out(
          agent.config
            ? `rack agent running for rack ${agent.config.rackId} (${agent.config.machines.length} machines)\n`
            : `rack agent running; region unreachable so far (${agent.stats().lastHeartbeatError}), retrying\n`,
        );
        const signal = await stop;
        io.out(`${signal}: stopping\n`);
        await agent.stop();
        const s = agent.stats();
        io.out(`stopped (${s.done} done, ${s.failed} failed, ${s.abandoned} left to the region)\n`);
      } finally {
        off();
      }
    });
  return rack;
}
