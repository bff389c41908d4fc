/**
 * `fibrix power …`: drive one machine's power directly (no region server), like `ipmitool
 * chassis power` or MAAS's `maas-power`. One line per result (sensors/sel: one per item);
 * --json prints one JSON document. Exit codes: 0 done, 1 the power operation failed,
 * 2 bad usage or parameters (nothing was sent).
 *
 * `--timeout` (default 10 s) bounds the whole command: it is the retry policy's deadline, and
 * every exchange (IPMI) or call (virsh) is cut to the time left, so a BMC that does not answer
 * costs at most that long. One exchange waits `--exchange-timeout` (default: half the limit, at
 * most 2 s, for IPMI; the limit, at most 30 s, for virsh); failed exchanges are retried until
 * the limit.
 */

import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { DriverDeps, PowerDriver } from "../../backend/power/driver";
import { ConfigurationError, PowerError, PowerTimeoutError, powerFailure } from "../../backend/power/errors";
import type { SelEvent } from "../../backend/power/ipmi15/sel-walk";
import { THRESHOLD_BITS } from "../../backend/power/ipmi15/sensor-thresholds";
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
  /** Overall limit of the command (a duration: 10s, 500ms, 2000). */
  timeout?: string;
  /** Deprecated alias of --timeout (the smaller one applies when both are given). */
  deadline?: string;
  /** One exchange (IPMI) or virsh call. */
  exchangeTimeout?: string;
  domain?: string;
  mac?: string;
  json?: boolean;
}

/** Default overall limit of a `fibrix power` command. */
export const DEFAULT_POWER_TIMEOUT_MS = 10_000;
const MAX_DURATION_MS = 3_600_000;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/**
 * Pure: a duration option ("10s", "500ms", "1.5s", "2m", or a number of ms) → ms. A bad value
 * is a ConfigurationError naming the option (exit 2, nothing sent).
 */
export function parseDuration(raw: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(raw);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] ?? "ms").toLowerCase()]! : Number.NaN;
  if (!(ms >= 1 && ms <= MAX_DURATION_MS)) {
    throw new ConfigurationError(
      `bad ${option} ${JSON.stringify(raw)}: give a duration from 1ms to 1h, e.g. 10s, 500ms or 2000 (ms)`,
      option.replace(/^--/, ""),
    );
  }
  return Math.round(ms);
}

/** Per-exchange (IPMI) / per-call (virsh) defaults: at most this, and this share of the limit. */
const EXCHANGE_DEFAULTS: Readonly<Record<string, { maxMs: number; share: number }>> = {
  // Half: a dead or lossy BMC gets at least two attempts (each with its retransmissions).
  ipmi: { maxMs: 2000, share: 0.5 },
  // A virsh call is an action that should not be cut and repeated: it may use the whole limit.
  virsh: { maxMs: 30_000, share: 1 },
};

export interface PowerTimeLimits {
  /** Overall limit of the command (the retry deadline). */
  limitMs: number;
  /** Timeout of one exchange / virsh call, for the drivers that have one. */
  exchangeMs: number | undefined;
}

/** Pure: --timeout / --deadline / --exchange-timeout → the limits for `type`'s driver. */
export function powerTimeLimits(o: PowerCliOptions, type: string = o.type): PowerTimeLimits {
  const given = [
    o.timeout === undefined ? undefined : parseDuration(o.timeout, "--timeout"),
    o.deadline === undefined ? undefined : parseDuration(o.deadline, "--deadline"),
  ].filter((v): v is number => v !== undefined);
  const limitMs = given.length > 0 ? Math.min(...given) : DEFAULT_POWER_TIMEOUT_MS;
  const setting = powerDriverSpec(type).settings.find((s) => s.name === "timeoutMs");
  if (!setting) return { limitMs, exchangeMs: undefined };
  const min = setting.min ?? 1;
  const max = setting.max ?? MAX_DURATION_MS;
  if (o.exchangeTimeout !== undefined) {
    const ms = parseDuration(o.exchangeTimeout, "--exchange-timeout");
    if (ms < min || ms > max) {
      throw new ConfigurationError(
        `bad --exchange-timeout ${JSON.stringify(o.exchangeTimeout)}: ${type} takes ${min} ms to ${max} ms`,
        "exchange-timeout",
      );
    }
    return { limitMs, exchangeMs: Math.min(ms, Math.max(min, limitMs)) };
  }
  const d = EXCHANGE_DEFAULTS[type] ?? { maxMs: Number(setting.default ?? max), share: 1 };
  return { limitMs, exchangeMs: Math.max(min, Math.min(d.maxMs, max, Math.floor(limitMs * d.share))) };
}

/**
 * Pure: CLI options → driver parameters for the chosen type (password read by the caller).
 * `exchangeMs` comes from powerTimeLimits(); without it --timeout is passed as the per-exchange
 * timeout (it is an upper bound of it either way).
 */
export function powerParameters(
  o: PowerCliOptions,
  password: string | undefined,
  exchangeMs?: number,
): Record<string, unknown> {
  const timeoutMs = exchangeMs ?? o.timeout;
  switch (o.type) {
    case "ipmi":
      return {
        address: o.address,
        port: o.port,
        user: o.user,
        password,
        authType: o.auth,
        timeoutMs,
      };
    case "virsh":
      return { uri: o.address, domain: o.domain, timeoutMs };
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

/** Time left of the command's limit, for the steps that are not retried (sensors, sel). */
type TimeLeft = () => number;
type Action = (d: PowerDriver, left: TimeLeft) => Promise<{ text: string[]; json: Record<string, unknown> }>;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The one-line message for an error: a timeout says which BMC (address and port), how long the
 * command waited and under which limit; anything else keeps its own message.
 */
export function powerErrorMessage(
  e: unknown,
  o: PowerCliOptions,
  elapsedMs: number,
  limitMs: number | undefined,
): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof PowerTimeoutError) || limitMs === undefined) return message;
  const bound = `--timeout ${limitMs < 1000 ? `${limitMs}ms` : `${Number((limitMs / 1000).toFixed(3))}s`}`;
  if (o.type === "ipmi") {
    const where = `${o.address}:${o.port ?? 623}`;
    return powerFailure("timeout", `${where}, no answer after ${seconds(elapsedMs)} (${bound})`).message;
  }
  return `${message} (gave up after ${seconds(elapsedMs)}, ${bound})`;
}

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
  // ipmitool's abbreviations, lowest to highest; only the thresholds the BMC reports.
  const limits = THRESHOLD_BITS.filter(([n]) => s.thresholds?.[n] !== undefined)
    .map(([n]) => `${n.toUpperCase()} ${s.thresholds![n]}`)
    .join(" ");
  return `${s.name.padEnd(16)} ${s.type.padEnd(18)} ${value.padEnd(16)} ${s.status}${limits ? `  ${limits}` : ""}`;
}

function eventLine(e: SelEvent): string {
  const when = e.date ?? (e.secondsSinceInit !== undefined ? `+${e.secondsSinceInit}s` : "-");
  return `${e.recordId.toString(16).padStart(4, "0")} ${when} ${e.description}`;
}

async function run(cmd: Command, io: PowerCommandIo, action: Action): Promise<void> {
  const o = cmd.optsWithGlobals<PowerCliOptions>();
  const t0 = Date.now();
  let limitMs: number | undefined;
  let driver: PowerDriver | undefined;
  try {
    const spec = powerDriverSpec(o.type);
    const limits = powerTimeLimits(o, spec.name);
    limitMs = limits.limitMs;
    const password = readPassword(o.passwordFile);
    const deps: DriverDeps = { ...io.driverDeps };
    deps.policy = { ...deps.policy, deadlineMs: limits.limitMs };
    driver = createPowerDriver(spec.name, powerParameters(o, password, limits.exchangeMs), deps);
    const r = await action(driver, () => limits.limitMs - (Date.now() - t0));
    if (o.json) io.out(JSON.stringify({ ok: true, type: spec.name, ...r.json }));
    else for (const line of r.text) io.out(line);
    io.setExitCode(0);
  } catch (e) {
    const usage = e instanceof ConfigurationError;
    const code = e instanceof PowerError ? e.code : "INTERNAL";
    const retryable = e instanceof PowerError ? e.retryable : false;
    const elapsedMs = Date.now() - t0;
    const message = powerErrorMessage(e, o, elapsedMs, limitMs);
    if (o.json) io.out(JSON.stringify({ ok: false, code, retryable, message, elapsedMs }));
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
    .option(
      "--timeout <duration>",
      "overall limit of the command, retries and confirmation included: 10s, 500ms, or ms (default 10s)",
    )
    .option(
      "--exchange-timeout <duration>",
      "one IPMI exchange / virsh call (default: ipmi half of --timeout, at most 2s; virsh --timeout, at most 30s)",
    )
    .option("--deadline <duration>", "deprecated: same as --timeout (the smaller applies if both are given)")
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
      run(cmd, io, async (d, left) => {
        if (!d.sensors) throw new ConfigurationError(`the ${d.name} driver has no sensors`, "type");
        const list = await d.sensors({ timeLimitMs: left() });
        return { text: list.map(sensorLine), json: { sensors: list } };
      }),
    );
  power
    .command("sel")
    .description("read the system event log (IPMI)")
    .action(async (_o, cmd: Command) =>
      run(cmd, io, async (d, left) => {
        if (!d.events) throw new ConfigurationError(`the ${d.name} driver has no event log`, "type");
        const list = await d.events({ timeLimitMs: left() });
        return {
          text: list.length ? list.map(eventLine) : ["(event log empty)"],
          json: { events: list.map(({ record: _r, ...rest }) => rest) },
        };
      }),
    );
  return power;
}
