/**
 * `fibrix power …`: drive one machine's power directly (no region server), like `ipmitool
 * chassis power` or MAAS's `maas-power`. One line per result (sensors/sel: one per item);
 * --json prints one JSON document. Exit codes: 0 done, 1 the power operation failed,
 * 2 bad usage or parameters (nothing was sent).
 */

import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { DriverDeps, PowerDriver } from "../../backend/power/driver";
import { ConfigurationError, PowerError } from "../../backend/power/errors";
import type { SelEvent } from "../../backend/power/ipmi15/sel-walk";
import type { SensorValue } from "../../backend/power/ipmi15/sensor-walk";
import { createPowerDriver, powerDriverSpec } from "../../backend/power/registry";

export interface PowerCommandIo {
  out(line: string): void;
  err(line: string): void;
  setExitCode(code: number): void;
  /** Test seam: shared transport, clock, retry policy. */
  driverDeps?: DriverDeps;
}

const defaultIo: PowerCommandIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  setExitCode: (c) => {
    process.exitCode = c;
  },
};

export interface PowerCliOptions {
  type: string;
  address?: string;
  port?: string;
  user?: string;
  passwordFile?: string;
  auth?: string;
  timeout?: string;
  deadline?: string;
  domain?: string;
  mac?: string;
  json?: boolean;
}

/** Pure: CLI options → driver parameters for the chosen type (password read by the caller). */
export function powerParameters(o: PowerCliOptions, password: string | undefined): Record<string, unknown> {
  switch (o.type) {
    case "ipmi":
      return {
        address: o.address,
        port: o.port,
        user: o.user,
        password,
        authType: o.auth,
        timeoutMs: o.timeout,
      };
    case "virsh":
      return { uri: o.address, domain: o.domain, timeoutMs: o.timeout };
    case "wol":
      return { mac: o.mac, broadcast: o.address, port: o.port };
    default:
      return {};
  }
}

function readPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    // One trailing newline is what editors and `echo` add; it is not part of the password.
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (e) {
    throw new ConfigurationError(
      `cannot read password file ${file}: ${(e as Error).message}`,
      "password-file",
    );
  }
}

type Action = (d: PowerDriver) => Promise<{ text: string[]; json: Record<string, unknown> }>;

function done(verb: string): Action {
  return async (d) => {
    switch (verb) {
      case "on":
        await d.on();
        break;
      case "off":
        await d.off();
        break;
      case "cycle":
        await d.cycle();
        break;
      case "reset":
        await d.reset();
        break;
      default:
        await d.softOff();
    }
    return { text: [`power ${verb}: ok`], json: { action: verb } };
  };
}

function sensorLine(s: SensorValue): string {
  const value =
    s.value !== undefined
      ? `${s.value} ${s.unit ?? ""}`.trim()
      : s.state !== undefined
        ? `state 0x${s.state.toString(16)}`
        : "n/a";
  return `${s.name.padEnd(16)} ${s.type.padEnd(18)} ${value.padEnd(16)} ${s.status}`;
}

function eventLine(e: SelEvent): string {
  const when = e.date ?? (e.secondsSinceInit !== undefined ? `+${e.secondsSinceInit}s` : "-");
  return `${e.recordId.toString(16).padStart(4, "0")} ${when} ${e.description}`;
}

async function run(cmd: Command, io: PowerCommandIo, action: Action): Promise<void> {
  const o = cmd.optsWithGlobals<PowerCliOptions>();
  let driver: PowerDriver | undefined;
  try {
    const spec = powerDriverSpec(o.type);
    const password = readPassword(o.passwordFile);
    const deadline = o.deadline === undefined ? undefined : Number(o.deadline);
    if (deadline !== undefined && !(deadline > 0))
      throw new ConfigurationError(`bad --deadline ${o.deadline}`, "deadline");
    const deps: DriverDeps = { ...io.driverDeps };
    if (deadline !== undefined) deps.policy = { ...deps.policy, deadlineMs: deadline };
    driver = createPowerDriver(spec.name, powerParameters(o, password), deps);
    const r = await action(driver);
    if (o.json) io.out(JSON.stringify({ ok: true, type: spec.name, ...r.json }));
    else for (const line of r.text) io.out(line);
    io.setExitCode(0);
  } catch (e) {
    const usage = e instanceof ConfigurationError;
    const code = e instanceof PowerError ? e.code : "INTERNAL";
    const retryable = e instanceof PowerError ? e.retryable : false;
    const message = e instanceof Error ? e.message : String(e);
    if (o.json) io.out(JSON.stringify({ ok: false, code, retryable, message }));
    else io.err(`error ${code}: ${message}`);
    io.setExitCode(usage ? 2 : 1);
  } finally {
    await driver?.close().catch(() => undefined);
  }
}

export function powerCommand(io: PowerCommandIo = defaultIo): Command {
  const power = new Command("power")
    .description("query or change one machine's power without a region server")
    .addOption(
      new Option("--type <type>", "power driver").choices(["ipmi", "virsh", "wol", "manual"]).default("ipmi"),
    )
    .option("--address <address>", "BMC address (ipmi), libvirt URI (virsh), broadcast address (wol)")
    .option("--port <port>", "UDP port (ipmi: 623, wol: 9)")
    .option("--user <user>", "BMC user name")
    .option("--password-file <file>", "file holding the BMC password")
    .addOption(
      new Option("--auth <auth>", "IPMI v1.5 authentication").choices(["md5", "password", "md2", "none"]),
    )
    .option("--timeout <ms>", "timeout of one exchange / virsh call in ms")
    .option("--deadline <ms>", "overall time for the action including retries and confirmation")
    .option("--domain <name>", "libvirt domain (virsh)")
    .option("--mac <mac>", "MAC address to wake (wol)")
    .option("--json", "print one JSON document");

  power
    .command("status")
    .description("print on, off or unknown")
    .action(async (_o, cmd: Command) =>
      run(cmd, io, async (d) => {
        const state = await d.status();
        return { text: [`power: ${state}`], json: { power: state } };
      }),
    );
  for (const [verb, what] of [
    ["on", "power on and confirm"],
    ["off", "power off (hard) and confirm"],
    ["cycle", "power off then on (powers on a machine that is off)"],
    ["reset", "hard reset"],
    ["soft", "ask the OS to shut down (ACPI)"],
  ] as const) {
    power
      .command(verb)
      .description(what)
      .action(async (_o, cmd: Command) => run(cmd, io, done(verb)));
  }
  power
    .command("bootdev")
    .description("set the next boot device")
    .argument("<device>", "pxe or disk")
    .option("--persistent", "keep it for every following boot")
    .action(async (device: string, opts: { persistent?: boolean }, cmd: Command) =>
      run(cmd, io, async (d) => {
        if (device !== "pxe" && device !== "disk") {
          throw new ConfigurationError(`boot device must be pxe or disk, not ${device}`, "device");
        }
        const persistent = opts.persistent ?? false;
        await d.setBootDevice(device, { persistent });
        return {
          text: [`boot device: ${device}${persistent ? " (persistent)" : " (next boot)"}`],
          json: { bootDevice: device, persistent },
        };
      }),
    );
  power
    .command("sensors")
    .description("read every sensor (IPMI)")
    .action(async (_o, cmd: Command) =>
      run(cmd, io, async (d) => {
        if (!d.sensors) throw new ConfigurationError(`the ${d.name} driver has no sensors`, "type");
        const list = await d.sensors();
        return { text: list.map(sensorLine), json: { sensors: list } };
      }),
    );
  power
    .command("sel")
    .description("read the system event log (IPMI)")
    .action(async (_o, cmd: Command) =>
      run(cmd, io, async (d) => {
        if (!d.events) throw new ConfigurationError(`the ${d.name} driver has no event log`, "type");
        const list = await d.events();
        return {
          text: list.length ? list.map(eventLine) : ["(event log empty)"],
          json: { events: list.map(({ record: _r, ...rest }) => rest) },
        };
      }),
    );
  return power;
}
