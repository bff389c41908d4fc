/**
 * `fibrix rack serve`: the rack agent in the foreground until SIGINT/SIGTERM. It opens every
 * connection itself (no inbound port): heartbeat, claim work, run it, report. Logs (pino JSON)
 * go to stderr; stdout gets one line when the agent is running and one when it stopped.
 */
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import pino, { type Logger } from "pino";
import { RackAgent } from "../../backend/rack/agent";
import { DEFAULT_CONSOLE_DIR, defaultDeps } from "../../backend/rack/executors/deps";
import { parseEndpoints } from "../../sdk/endpoints";
import { buildEphemeralEnv } from "../../backend/rack/boot/ephemeral-env";
import type { ListenTarget } from "../../backend/rack/boot/http-server";
import { RackBoot } from "../../backend/rack/boot/rack-boot";
import { RegionTrustError, regionTransport } from "../../backend/rack/region-trust";
import type { SshShellOptions } from "../../backend/rack/tenant-net/ssh-shell";
import { FibrixError } from "../../sdk/errors";
import type { RackConfig } from "../../sdk/schema/rack-agent";
import { type CliIo, processIo } from "../io";
import { UsageError } from "../usage-error";

interface ServeFlags {
  region: string;
  token?: string;
  tokenFile?: string;
  interface?: string;
  bootUrl?: string;
  boot?: boolean;
  bootListen?: string;
  data: string;
  images?: string;
  bootCache?: string;
  labNetns?: string;
  vmPrefix: string;
  consoleDir: string;
  concurrency: number;
  logLevel: string;
  backupDir?: string;
  caBundle?: string;
  insecureHttp?: boolean;
  sshIdentity?: string;
  sshKnownHosts?: string;
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

/** --boot-listen: HOST:PORT, or unix:PATH (lab mode). */
export function listenTarget(v: string): ListenTarget {
  if (v.startsWith("unix:") && v.length > 5) return { path: v.slice(5) };
  const m = /^([0-9.]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(v);
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(`--boot-listen must be HOST:PORT or unix:PATH, got ${v}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

/** How the rack reaches qemu+ssh VM hosts: the given files (checked now), master sockets in DATA/ssh. */
export function sshOptions(o: Pick<ServeFlags, "sshIdentity" | "sshKnownHosts" | "data">): SshShellOptions {
  for (const [flag, file] of [
    ["--ssh-identity", o.sshIdentity],
    ["--ssh-known-hosts", o.sshKnownHosts],
  ] as const) {
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      throw new UsageError(`cannot read ${flag} ${file}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return {
    controlDir: join(resolve(o.data), "ssh"),
    ...(o.sshIdentity ? { identityFile: resolve(o.sshIdentity) } : {}),
    ...(o.sshKnownHosts ? { knownHostsFile: resolve(o.sshKnownHosts) } : {}),
  };
}

/** Boot services (DHCP/TFTP/HTTP boot) for commissioning and deployment, from the serve flags. */
async function startBoot(o: ServeFlags, log: Logger, io: CliIo): Promise<RackBoot> {
  if (!o.interface)
    throw new UsageError("--boot needs --interface (the interface facing the machines' subnet)");
  if (!o.bootUrl || !/^http:\/\/[0-9.]+(:\d+)?\/?$/.test(o.bootUrl))
    throw new UsageError("--boot needs --boot-url http://ADDRESS:PORT (how machines reach this rack)");
  const listen = o.bootListen ? listenTarget(o.bootListen) : undefined;
  const workDir = resolve(o.data);
  const imagesDir = resolve(o.images ?? join(workDir, "images"));
  mkdirSync(imagesDir, { recursive: true });
  io.out("building the commissioning environment (cached after the first run)…\n");
  const env = await buildEphemeralEnv({
    cacheDir: resolve(o.bootCache ?? join(workDir, "boot-cache")),
    log: (msg) => log.info(msg),
  });
  const boot = new RackBoot({
    interface: o.interface,
    bootUrl: o.bootUrl,
    workDir,
    imagesDir,
    kernel: env.kernel,
    initrd: env.initrd,
    log,
    ...(listen ? { listen } : {}),
    ...(o.labNetns ? { netns: o.labNetns } : {}),
  });
  await boot.start();
  return boot;
}

export function rackCommand(io: CliIo = processIo()): Command {
  const rack = new Command("rack").description("the rack controller agent");
  rack
    .command("serve")
    .description(
      "heartbeat the region and run this rack's work (power, health, VMs; with --boot also commissioning and deployment) until SIGINT/SIGTERM",
    )
    .requiredOption(
      "--region <url>",
      "region URL, e.g. https://10.0.0.2:5240 (http:// on loopback only), or several comma-separated replicas to fail over between",
    )
    .option("--token <token>", "the rack's enrollment token, fbr_… (or FIBRIX_RACK_TOKEN)")
    .option("--token-file <file>", "read the enrollment token from a file")
    .option("--interface <name>", "interface facing the rack's subnet")
    .option("--boot-url <url>", "URL of this rack's HTTP boot server as machines see it")
    .option("--boot", "run DHCP/TFTP/HTTP boot here: commissioning and deployment over PXE")
    .option(
      "--boot-listen <addr>",
      "where the HTTP boot server listens: HOST:PORT (default: the --boot-url address) or unix:PATH",
    )
    .option("--data <dir>", "the rack's work directory (dnsmasq files, boot cache)", "/var/lib/fibrix-rack")
    .option("--images <dir>", "deployable raw disk images (default: DATA/images)")
    .option("--boot-cache <dir>", "where the commissioning environment is built (default: DATA/boot-cache)")
    .option("--lab-netns <name>", "lab only: the machines' subnet is inside this network namespace")
    .option("--vm-prefix <prefix>", "name prefix of the libvirt objects this rack manages", "fibrix-vm-")
    .option(
      "--console-dir <dir>",
      "where new VMs' serial console sockets live on their hosts, as libvirtd sees the path",
      DEFAULT_CONSOLE_DIR,
    )
    .option("--backup-dir <dir>", "the backup store of VM disks (a directory, may be an NFS mount)")
    .option(
      "--ssh-identity <file>",
      "private key the rack logs in with on qemu+ssh:// VM hosts for their tenant networks (default: ssh's own)",
    )
    .option(
      "--ssh-known-hosts <file>",
      "known_hosts of the qemu+ssh:// VM hosts; host keys are checked strictly, never added (default: ~/.ssh/known_hosts)",
    )
    .option("--concurrency <n>", "tasks held at once", positiveInt("--concurrency"), 8)
    .option("--log-level <level>", `log level (${LEVELS.join(", ")})`, "info")
    .option(
      "--ca-bundle <pem>",
      "trust the region by this CA bundle (PEM file) when the token pins no certificate (or FIBRIX_CA_BUNDLE)",
    )
    .option(
      "--insecure-http",
      "allow plain http:// to a non-loopback region (BMC passwords would cross in clear)",
    )
    .action(async (o: ServeFlags) => {
      let regions: string[];
      try {
        regions = parseEndpoints(o.region, "--region");
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
      if (!LEVELS.includes(o.logLevel))
        throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`);
      const token = tokenOf(o, io.env);
      const caBundle = o.caBundle ?? (io.env.FIBRIX_CA_BUNDLE || undefined);
      const trust = {
        ...(caBundle !== undefined ? { caBundle } : {}),
        ...(o.insecureHttp ? { insecureHttp: true } : {}),
      };
      try {
        regionTransport(o.region, token, trust).httpsAgent?.destroy();
      } catch (e) {
        if (e instanceof RegionTrustError || e instanceof FibrixError) throw new UsageError(e.message);
        throw e;
      }
      let off: () => void = () => undefined;
      const stop = new Promise<string>((resolve) => {
        off = io.onStop(resolve);
      });
      const ssh = sshOptions(o);
      const log = pino({ name: "rack", level: o.logLevel }, pino.destination(2));
      const boot = o.boot ? await startBoot(o, log, io) : undefined;
      const agent = new RackAgent({
        region: regions,
        token,
        vmPrefix: o.vmPrefix,
        deps: defaultDeps(o.vmPrefix, {
          consoleDir: o.consoleDir,
          ssh,
          ...(o.backupDir ? { backupDir: o.backupDir } : {}),
        }),
        concurrency: o.concurrency,
        log,
        trust,
        ...(o.interface ? { interface: o.interface } : {}),
        ...(o.bootUrl ? { bootUrl: o.bootUrl } : {}),
        ...(boot
          ? {
              boot: boot.services,
              onConfig: (c: RackConfig) => boot.setConfig(c),
              services: () => boot.states(),
            }
          : {}),
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
        await boot?.stop();
        off();
      }
    });
  return rack;
}
