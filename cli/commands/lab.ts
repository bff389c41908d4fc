/**
 * `fibrix lab bmc`: run N simulated PE860 BMCs (IPMI v1.5 over LAN) in this process until
 * SIGINT/SIGTERM, like OpenStack's `vbmc`. Each BMC is pure simulation, or drives a libvirt
 * domain (`--libvirt-uri URI --domain-prefix lab-`: BMC 1 powers domain lab-001, BMC 2 lab-002...).
 * Exit codes: 0 stopped cleanly, 1 could not start (port in use...), 2 bad usage.
 *
 *   fibrix lab bmc --count 20 --base-port 9001 --user admin --password pass --auth md5,password
 *   fibrix lab bmc --count 1000 --first-address 127.0.1.1 --port 623 --user admin --password pass
 *
 * `fibrix lab libvirtd --dir DIR`: a private libvirtd for lab VM hosts and BMC-bound domains
 * (backend/lab/private-libvirtd.ts), with its state in DIR, until SIGINT/SIGTERM; it prints the
 * URI to give `--libvirt-uri` and VM hosts. What it defined stays in DIR for the next start.
 */

import { Command } from "commander";
import type { LabBmcHandle, StartLabBmcsOptions } from "../../backend/lab/bmc/server";
import { loopbackAddresses, startLabBmcs } from "../../backend/lab/bmc/server";
import type { LabAuthType } from "../../backend/lab/bmc/session-table";
import { virshMachine } from "../../backend/lab/bmc/virsh-binding";
import { startPrivateLibvirtd, stopPrivateLibvirtd } from "../../backend/lab/private-libvirtd";

export interface LabCommandIo {
  out(line: string): void;
  err(line: string): void;
  setExitCode(code: number): void;
  /** Resolves when the lab should stop (default: SIGINT or SIGTERM). */
  waitForStop(): Promise<void>;
}

const defaultIo: LabCommandIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  setExitCode: (c) => {
    process.exitCode = c;
  },
  waitForStop: () =>
    new Promise((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    }),
};

export interface LabBmcCliOptions {
  count: string;
  basePort?: string;
  host: string;
  firstAddress?: string;
  port?: string;
  user: string;
  password: string;
  auth: string;
  libvirtUri?: string;
  domainPrefix?: string;
  onDelay?: string;
}

export class LabUsageError extends Error {
  readonly code = "LAB_USAGE";
  readonly retryable = false;
}

const AUTH_NAMES: Readonly<Record<string, LabAuthType>> = {
  none: 0,
  md2: 1,
  md5: 2,
  password: 4,
  straight: 4,
};

function int(v: string | undefined, what: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LabUsageError(`${what} must be ${min}..${max}, not ${v}`);
  return n;
}

/** Domain name of BMC i for a prefix ("lab-" → lab-001). */
export function domainName(prefix: string, index: number): string {
  return `${prefix}${String(index + 1).padStart(3, "0")}`;
}

/** Pure: CLI options → startLabBmcs options. Throws LabUsageError. */
export function labBmcOptions(o: LabBmcCliOptions): StartLabBmcsOptions {
  const count = int(o.count, "--count", 1, 10_000)!;
  const auths = o.auth.split(",").map((a) => {
    const t = AUTH_NAMES[a.trim().toLowerCase()];
    if (t === undefined) throw new LabUsageError(`unknown auth type ${a} (md5, password, md2, none)`);
    return t;
  });
  if (Buffer.byteLength(o.user) > 16 || Buffer.byteLength(o.password) > 16) {
    throw new LabUsageError("IPMI v1.5 user names and passwords are at most 16 bytes");
  }
  if ((o.libvirtUri === undefined) !== (o.domainPrefix === undefined)) {
    throw new LabUsageError("--libvirt-uri and --domain-prefix go together");
  }
  const onDelay = int(o.onDelay, "--on-delay", 0, 600_000);
  const common = {
    user: o.user,
    password: o.password,
    auths,
    timings: onDelay === undefined ? undefined : { onDelayMs: onDelay },
    binding:
      o.libvirtUri !== undefined && o.domainPrefix !== undefined
        ? (i: number) => virshMachine(o.libvirtUri!, domainName(o.domainPrefix!, i))
        : undefined,
  };
  if (o.firstAddress !== undefined) {
    if (o.basePort !== undefined) throw new LabUsageError("use --base-port or --first-address, not both");
    return {
      ...common,
      addresses: loopbackAddresses(count, o.firstAddress),
      port: int(o.port ?? "623", "--port", 1, 65535),
    };
  }
  const basePort = int(o.basePort, "--base-port", 1, 65535);
  if (basePort === undefined) throw new LabUsageError("--base-port (or --first-address) is required");
  return { ...common, count, host: o.host, basePort };
}

/** The table printed at start-up: first `limit` BMCs, then a count. */
export function bmcTable(bmcs: readonly LabBmcHandle[], limit = 50): string[] {
  const rows = bmcs
    .slice(0, limit)
    .map((b) => [b.name, `${b.host}:${b.port}`, b.bmc.power.state, b.bmc.binding.description]);
  const head = ["BMC", "ADDRESS", "POWER", "MACHINE"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [fmt(head), ...rows.map(fmt)];
  if (bmcs.length > limit) out.push(`… and ${bmcs.length - limit} more`);
  return out;
}

export function labCommand(io: LabCommandIo = defaultIo): Command {
  const lab = new Command("lab").description("virtual lab: simulated PE860 BMCs, a private libvirtd");
  lab
    .command("bmc")
    .description("run simulated IPMI v1.5 BMCs on loopback until SIGINT/SIGTERM")
    .option("--count <n>", "number of BMCs", "1")
    .option("--base-port <port>", "first UDP port (one BMC per port on --host)")
    .option("--host <address>", "loopback address for --base-port", "127.0.0.1")
    .option("--first-address <address>", "one BMC per loopback address from here (e.g. 127.0.1.1)")
    .option("--port <port>", "UDP port with --first-address", "623")
    .requiredOption("--user <name>", "IPMI user name")
    .requiredOption("--password <password>", "IPMI password")
    .option("--auth <types>", "auth types offered: md5,password,md2,none", "md5,password")
    .option("--libvirt-uri <uri>", "drive libvirt domains with virsh (e.g. qemu:///system)")
    .option("--domain-prefix <name>", "domain of BMC i is <name> + i as 3 digits (lab- → lab-001)")
    .option("--on-delay <ms>", "power-on delay in ms (default 300)")
    .action(async (o: LabBmcCliOptions) => {
      let options: StartLabBmcsOptions;
      try {
        options = labBmcOptions(o);
      } catch (e) {
        io.err(`fibrix lab bmc: ${(e as Error).message}`);
        io.setExitCode(2);
        return;
      }
      let running: Awaited<ReturnType<typeof startLabBmcs>>;
      try {
        running = await startLabBmcs(options);
      } catch (e) {
        io.err(`fibrix lab bmc: ${(e as Error).message}`);
        io.setExitCode(1);
        return;
      }
      for (const line of bmcTable(running.bmcs)) io.out(line);
      io.out(`${running.bmcs.length} BMC(s) up; Ctrl-C to stop`);
      await io.waitForStop();
      const t = running.totals();
      await running.close();
      io.out(
        `stopped: ${t.received} datagrams, ${t.answered} answered, ${t.malformed} malformed, ${t.authFailures} auth failures`,
      );
      io.setExitCode(0);
    });
  lab
    .command("libvirtd")
    .description("run a private libvirtd (its own config, socket and state in --dir) until SIGINT/SIGTERM")
    .requiredOption("--dir <path>", "directory for its config, sockets, state and logs (absolute)")
    .action(async (o: { dir: string }) => {
      if (!o.dir.startsWith("/")) {
        io.err("fibrix lab libvirtd: --dir must be an absolute path");
        io.setExitCode(2);
        return;
      }
      try {
        const d = await startPrivateLibvirtd(o.dir, { onProgress: (l) => io.err(l) });
        io.out(`libvirtd ${d.libvirtdPid} up: virsh -c '${d.uri}'; Ctrl-C to stop`);
      } catch (e) {
        io.err(`fibrix lab libvirtd: ${(e as Error).message}`);
        io.setExitCode(1);
        return;
      }
      // Signal listeners alone do not keep the process up: nothing else here holds the loop.
      const keepAlive = setInterval(() => {}, 60_000);
      await io.waitForStop();
      clearInterval(keepAlive);
      await stopPrivateLibvirtd(o.dir);
      io.out("stopped");
      io.setExitCode(0);
    });
  return lab;
}
