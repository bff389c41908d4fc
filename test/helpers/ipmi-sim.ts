/**
 * Starts OpenIPMI `ipmi_sim` BMCs on free UDP ports of a loopback address for integration
 * tests and benchmarks (recipe: /work/shared/peers/ipmi_sim). Each BMC gets its own lan.conf,
 * an emu command file (PE860-like MC, SEL, and optionally four sensors with SDRs and one SEL
 * event), and a chassis_control shell script that keeps power and boot state in files so a
 * test can assert on them. stop() kills exactly the PIDs started here.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthType } from "../../backend/power/ipmi15/auth";
import {
  CURRENT_CHANNEL,
  GET_CHANNEL_AUTH_CAPABILITIES,
  Privilege,
  encodeGetChannelAuthCapabilitiesRequest,
} from "../../backend/power/ipmi15/commands/app";
import {
  type CompactSensorRecord,
  type FullSensorRecord,
  SDR_RECORD_COMPACT,
  SDR_RECORD_FULL,
  encodeSdrRecord,
} from "../../backend/power/ipmi15/commands/sdr";
import { encodeLanRequest, makeRequest } from "../../backend/power/ipmi15/lan-message";
import { AnalogFormat } from "../../backend/power/ipmi15/sensor-conversion";
import { own } from "./run-dirs";

export interface IpmiSimOptions {
  count?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  user?: string;
  password?: string;
  /** ipmi_sim auth names; default PE860-like "md5 straight" (NONE left out so passwords matter). */
  auths?: string[];
  /** Add the four sensors (SDRs + readings) and one SEL event below. */
  sensors?: boolean;
}

export interface IpmiSimBmc {
  host: string;
  port: number;
  /** PID of the current ipmi_sim process (changes on restart). */
  pid: number;
  stateDir: string;
  /** "0" or "1" as last set through chassis control ("0" before any power command). */
  power(): string;
  /** "default" (disk/no override) or "pxe" as set through boot options. */
  boot(): string;
  /** Lines the chassis_control script logged ("get power", "set boot pxe"...). */
  calls(): string[];
  /** Kill and start this BMC again on the same port: every session it had is gone. */
  restart(): Promise<void>;
}

export interface IpmiSimFleet {
  dir: string;
  bmcs: IpmiSimBmc[];
  stop(): Promise<void>;
}

/** Expected values of the sensor fixture, for assertions. */
export const SIM_SENSORS = {
  cpuTemp: { number: 1, name: "CPU Temp", value: 45, unit: "degrees C", status: "ok" },
  volts12: { number: 2, name: "12V", value: 12, unit: "Volts", status: "ok" },
  fan1: { number: 3, name: "Fan1", value: 1250, unit: "RPM", status: "warning" },
  intrusion: { number: 4, name: "Intrusion" },
} as const;

const CHASSIS_SCRIPT = `#!/bin/sh
# chassis_control for ipmi_sim: <statedir> get|set|check parm [val] ...
dir=$1; shift; op=$1; shift
echo "$op $*" >> "$dir/calls.log"
[ -f "$dir/power" ] || echo 0 > "$dir/power"
[ -f "$dir/boot" ] || echo default > "$dir/boot"
case $op in
get)
  for p in "$@"; do
    case $p in
      power) echo "power:$(cat "$dir/power")";;
      boot) echo "boot:$(cat "$dir/boot")";;
      *) echo "Invalid parameter: $p" >&2; exit 1;;
    esac
  done;;
set)
  while [ $# -gt 0 ]; do
    p=$1; v=$2; shift 2
    case $p in
      power) echo "$v" > "$dir/power";;
      boot) echo "$v" > "$dir/boot";;
      shutdown) echo 0 > "$dir/power";;
      reset|identify) :;;
      *) echo "Invalid parameter: $p" >&2; exit 1;;
    esac
  done;;
check) exit 0;;
*) echo "unknown op $op" >&2; exit 1;;
esac
exit 0
`;

function sensorBase(n: number, name: string, sensorType: number) {
  return {
    recordId: n,
    sdrVersion: 0x51,
    ownerId: 0x20,
    ownerChannel: 0,
    ownerLun: 0,
    sensorNumber: n,
    entityId: 0x07, // system board
    entityInstance: 1,
    initialization: 0x7f,
    capabilities: 0x68, // auto re-arm, hysteresis readable, thresholds readable (bits 3:2 = 01)
    sensorType,
    idString: name,
  };
}

function thresholdRecord(
  n: number,
  name: string,
  sensorType: number,
  unit: number,
  m: number,
  rExp: number,
  t: FullSensorRecord["thresholds"],
): FullSensorRecord {
  return {
    ...sensorBase(n, name, sensorType),
    recordType: SDR_RECORD_FULL,
    eventReadingType: 0x01,
    assertionMask: 0x0fff,
    deassertionMask: 0x0fff,
    readingMask: 0x3f3f, // all six thresholds readable and settable
    units: {
      analogFormat: AnalogFormat.UNSIGNED,
      rateUnit: 0,
      modifierMode: 0,
      percentage: false,
      base: unit,
      modifier: 0,
    },
    linearization: 0,
    m,
    tolerance: 0,
    b: 0,
    accuracy: 0,
    accuracyExp: 0,
    direction: 0,
    rExp,
    bExp: 0,
    analogFlags: 0,
    nominalReading: 0,
    normalMax: 0xff,
    normalMin: 0,
    sensorMax: 0xff,
    sensorMin: 0,
    thresholds: t,
    positiveHysteresis: 0,
    negativeHysteresis: 0,
    oem: 0,
  };
}

/** Scanning on, events per state (ipmi_sim starts sensors with scanning disabled). */
const EVENTS = "enable scanning per-state 000111111111111 000111111111111 000111111111111 000111111111111";

/** SDRs and emu commands for the sensor fixture (values in SIM_SENSORS). */
function sensorCommands(): string[] {
  const temp = thresholdRecord(1, "CPU Temp", 0x01, 1, 1, 0, {
    unr: 95,
    uc: 85,
    unc: 75,
    lnr: 0,
    lc: 2,
    lnc: 5,
  });
  const volts = thresholdRecord(2, "12V", 0x02, 4, 6, -2, {
    unr: 230,
    uc: 220,
    unc: 210,
    lnr: 170,
    lc: 180,
    lnc: 190,
  });
  const fan = thresholdRecord(3, "Fan1", 0x04, 18, 50, 0, {
    unr: 255,
    uc: 250,
    unc: 240,
    lnr: 10,
    lc: 20,
    lnc: 30,
  });
  const intrusion: CompactSensorRecord = {
    ...sensorBase(4, "Intrusion", 0x05),
    recordType: SDR_RECORD_COMPACT,
    capabilities: 0x40,
    eventReadingType: 0x6f,
    assertionMask: 0x0001,
    deassertionMask: 0x0001,
    readingMask: 0x0001,
    units: {
      analogFormat: AnalogFormat.NONE,
      rateUnit: 0,
      modifierMode: 0,
      percentage: false,
      base: 0,
      modifier: 0,
    },
    sharing: 0,
    positiveHysteresis: 0,
    negativeHysteresis: 0,
    oem: 0,
  };
  const hex = (b: Buffer) => [...b].map((x) => `0x${x.toString(16).padStart(2, "0")}`).join(" ");
  const out: string[] = [];
  const readings: Array<[FullSensorRecord, number]> = [
    [temp, 45],
    [volts, 200],
    [fan, 25],
  ];
  for (const [rec, raw] of readings) {
    const t = rec.thresholds;
    out.push(`sensor_add 0x20 0 ${rec.sensorNumber} 0x${rec.sensorType.toString(16)} 0x01`);
    out.push(`main_sdr_add 0x20 ${hex(encodeSdrRecord(rec))}`);
    out.push(
      `sensor_set_threshold 0x20 0 ${rec.sensorNumber} settable 111111 ${t.unr} ${t.uc} ${t.unc} ${t.lnr} ${t.lc} ${t.lnc}`,
    );
    out.push(`sensor_set_event_support 0x20 0 ${rec.sensorNumber} ${EVENTS}`);
    out.push(`sensor_set_value 0x20 0 ${rec.sensorNumber} ${raw} 0`);
  }
  out.push("sensor_add 0x20 0 4 0x05 0x6f");
  out.push(`main_sdr_add 0x20 ${hex(encodeSdrRecord(intrusion))}`);
  out.push(`sensor_set_event_support 0x20 0 4 ${EVENTS}`);
  // SEL: CPU Temp upper critical going high, asserted; trigger reading 86 / threshold 85.
  out.push("sel_add 0x20 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x01 0x01 0x01 0x59 86 85");
  return out;
}

function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when the BMC answers Get Channel Auth Capabilities (or rejects after `ms`). */
function waitReady(host: string, port: number, ms: number): Promise<void> {
  const probe = encodeLanRequest(
    { authType: AuthType.NONE, sequence: 0, sessionId: 0 },
    makeRequest(
      GET_CHANNEL_AUTH_CAPABILITIES.netFn,
      GET_CHANNEL_AUTH_CAPABILITIES.cmd,
      encodeGetChannelAuthCapabilitiesRequest({
        channel: CURRENT_CHANNEL,
        privilege: Privilege.ADMINISTRATOR,
        ipmi20Extended: false,
      }),
      1,
    ),
    "",
  );
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    const stop = (e?: Error) => {
      clearInterval(tick);
      clearTimeout(deadline);
      s.close();
      if (e) reject(e);
      else resolve();
    };
    s.on("message", () => stop());
    s.on("error", () => undefined);
    const tick = setInterval(() => s.send(probe, port, host), 50);
    const deadline = setTimeout(
      () => stop(new Error(`ipmi_sim on ${host}:${port} not ready in ${ms} ms`)),
      ms,
    );
  });
}

export async function startIpmiSims(options: IpmiSimOptions = {}): Promise<IpmiSimFleet> {
  const count = options.count ?? 1;
  const host = options.host ?? "127.0.0.1";
  const user = options.user ?? "admin";
  const password = options.password ?? "pass";
  const auths = (options.auths ?? ["md5", "straight"]).join(" ");
  const dir = mkdtempSync(join(tmpdir(), "fibrix-ipmi-sim-"));
  const script = join(dir, "chassis.sh");
  writeFileSync(script, CHASSIS_SCRIPT);
  chmodSync(script, 0o755);
  const emu = join(dir, "bmc.emu");
  writeFileSync(
    emu,
    [
      "mc_setbmc 0x20",
      "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02",
      "sel_enable 0x20 1000 0x0a",
      ...(options.sensors ? sensorCommands() : []),
      "mc_enable 0x20",
      "",
    ].join("\n"),
  );

  const children: ChildProcess[] = [];
  const bmcs: IpmiSimBmc[] = [];
  const kill = (c: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve();
      c.once("exit", () => resolve());
      process.kill(c.pid, "SIGKILL");
    });
  const start = (conf: string, stateDir: string): ChildProcess => {
    const child = spawn("ipmi_sim", ["-c", conf, "-f", emu, "-s", stateDir, "-n", "-p"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    children.push(child);
    if (child.pid === undefined) throw new Error("ipmi_sim did not start (is openipmi installed?)");
    own("pid", child.pid);
    return child;
  };
  const stop = async () => {
    await Promise.all(children.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freeUdpPort(host);
      const d = join(dir, String(port));
      const stateDir = join(d, "state");
      mkdirSync(stateDir, { recursive: true });
      const guid = `a123456789abcdef${port.toString(16).padStart(16, "0")}`; // exactly 32 hex chars
      const conf = join(d, "lan.conf");
      writeFileSync(
        conf,
        [
          `name "bmc${port}"`,
          "set_working_mc 0x20",
          "  startlan 1",
          `    addr ${host} ${port}`,
          "    priv_limit admin",
          `    allowed_auths_callback ${auths}`,
          `    allowed_auths_user ${auths}`,
          `    allowed_auths_operator ${auths}`,
          `    allowed_auths_admin ${auths}`,
          `    guid ${guid}`,
          "  endlan",
          `  chassis_control "${script} ${stateDir}"`,
          `  user 2 true "${user}" "${password}" admin 10 ${auths}`,
          "",
        ].join("\n"),
      );
      let child = start(conf, stateDir);
      const file = (name: string, dflt: string) => () => {
        try {
          return readFileSync(join(stateDir, name), "utf8").trim();
        } catch {
          return dflt;
        }
      };
      const bmc: IpmiSimBmc = {
        host,
        port,
        pid: child.pid!,
        stateDir,
        power: file("power", "0"),
        boot: file("boot", "default"),
        calls: () => file("calls.log", "")().split("\n").filter(Boolean),
        restart: async () => {
          await kill(child);
          child = start(conf, stateDir);
          bmc.pid = child.pid!;
          await waitReady(host, port, 5000);
        },
      };
      bmcs.push(bmc);
    }
    await Promise.all(bmcs.map((b) => waitReady(b.host, b.port, 5000)));
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, bmcs, stop };
}
