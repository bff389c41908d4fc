/**
 * bench/power — "power status of 1000 simulated BMCs over IPMI 1.5: no slower than FreeIPMI
 * ipmipower" (design.md, Targets).
 *
 * 1 000 lab BMCs run in a worker thread of this process, each on its own loopback address
 * (127.0.101.1, 127.0.101.2, ...; one shared UDP port) so ipmipower can tell them apart. A
 * third of them are powered on first. Then, for `--rounds` rounds, the power status of all of
 * them is read by:
 *   (a) our Ipmi15Client (a full v1.5 session per BMC: auth caps, challenge, activate,
 *       privilege, Get Chassis Status, close), one shared UDP socket, bounded concurrency
 *       (default 64 = ipmipower's default fanout; much higher overflows the one socket's
 *       default receive buffer and costs 400 ms retransmissions);
 *   (b) FreeIPMI `ipmipower --stat` with the hosts as hostranges, at the same fanout and at its
 *       default fanout (64);
 * and once by (c) sequential `ipmitool -I lan chassis power status` on a sample (default 50),
 * extrapolated to all BMCs (printed as such). Every answer is checked against the lab's state.
 *
 * Everything stays on 127.0.0.0/8; every process started is awaited or killed; loops are
 * bounded in count and time. Run: `npm run build && node dist/bench/power.js [--count 1000]`
 * Options: --count N --concurrency N --rounds N --sample N --first-address 127.0.101.1 --json
 * (or `npm run bench` for all benches); `run()` returns the figures to bench/run.ts.
 */

import { execFile } from "node:child_process";
import { type LabThread, startLabThread } from "../backend/lab/bmc/lab-thread";
import { loopbackAddresses } from "../backend/lab/bmc/server";
import { Ipmi15Client } from "../backend/power/ipmi15/client";
import { UdpLanTransport } from "../backend/power/ipmi15/transport";
import { onAbort, timeLimit } from "./cleanup";

const USER = "bench";
const PASSWORD = "bench-pw-860";
const COMMAND_TIMEOUT_MS = 180_000;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
}

function strArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function exec(cmd: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    // execFile kills the child on timeout; it is awaited either way, so nothing outlives us.
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** "127.0.101.[1-254]:P,127.0.102.[1-254]:P,..." — FreeIPMI hostrange syntax with a port. */
export function hostranges(addresses: readonly string[], port: number): string {
  const groups = new Map<string, number[]>();
  for (const a of addresses) {
    const i = a.lastIndexOf(".");
    const prefix = a.slice(0, i);
    const last = Number(a.slice(i + 1));
    const g = groups.get(prefix) ?? [];
    g.push(last);
    groups.set(prefix, g);
  }
  const parts: string[] = [];
  for (const [prefix, lasts] of groups) {
    lasts.sort((x, y) => x - y);
    const ranges: string[] = [];
    let start = lasts[0]!;
    let prev = start;
    for (const n of [...lasts.slice(1), Number.NaN]) {
      if (n === prev + 1) {
        prev = n;
        continue;
      }
      ranges.push(start === prev ? `${start}` : `${start}-${prev}`);
      start = n;
      prev = n;
    }
    parts.push(`${prefix}.[${ranges.join(",")}]:${port}`);
  }
  return parts.join(",");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Tally {
  answered: number;
  correct: number;
  errors: Map<string, number>;
}

async function ours(
  endpoints: { host: string; port: number }[],
  expected: ("on" | "off")[],
  concurrency: number,
): Promise<Tally & { ms: number; sent: number; retransmits: number }> {
  const transport = new UdpLanTransport({ bindAddress: "127.0.0.1", maxInFlight: concurrency });
  const tally: Tally = { answered: 0, correct: 0, errors: new Map() };
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= endpoints.length) return;
      const e = endpoints[i]!;
      const c = new Ipmi15Client({
        host: e.host,
        port: e.port,
        username: USER,
        password: PASSWORD,
        authType: "md5",
        privilege: "operator", // what ipmipower asks for
        timeoutMs: 5000,
        retransmitMs: 400, // ipmipower's default retransmission timeout
        transport,
      });
      try {
        const st = await c.chassisStatus();
        tally.answered++;
        if ((st.powerOn ? "on" : "off") === expected[i]) tally.correct++;
      } catch (err) {
        const k = (err as { code?: string }).code ?? String(err);
        tally.errors.set(k, (tally.errors.get(k) ?? 0) + 1);
      } finally {
        await c.close().catch(() => undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, lane));
  const ms = performance.now() - t0;
  const { sent, retransmits } = transport.stats;
  await transport.close();
  return { ...tally, ms, sent, retransmits };
}

async function ipmipower(
  hosts: string,
  byHost: Map<string, "on" | "off">,
  fanout: number | undefined,
): Promise<Tally & { ms: number; code: number }> {
  const args = ["-D", "LAN", "-a", "MD5", "-u", USER, "-p", PASSWORD, "-h", hosts, "--stat"];
  if (fanout !== undefined) args.push("-F", String(fanout));
  const r = await exec("ipmipower", args);
  const tally: Tally = { answered: 0, correct: 0, errors: new Map() };
  for (const line of r.stdout.split("\n")) {
    const m = /^(\S+): (.*)$/.exec(line.trim());
    if (!m) continue;
    const [, host, word] = m;
    if (word === "on" || word === "off") {
      tally.answered++;
      if (byHost.get(host!) === word) tally.correct++;
    } else {
      tally.errors.set(word!, (tally.errors.get(word!) ?? 0) + 1);
    }
  }
  return { ...tally, ms: r.ms, code: r.code };
}

async function ipmitoolSample(
  endpoints: { host: string; port: number }[],
  expected: ("on" | "off")[],
  sample: number,
): Promise<Tally & { ms: number; n: number }> {
  const tally: Tally = { answered: 0, correct: 0, errors: new Map() };
  const n = Math.min(sample, endpoints.length);
  const step = endpoints.length / n;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const i = Math.floor(k * step);
    const e = endpoints[i]!;
    const r = await exec(
      "ipmitool",
      [
        "-I",
        "lan",
        "-H",
        e.host,
        "-p",
        String(e.port),
        "-U",
        USER,
        "-P",
        PASSWORD,
        "-A",
        "MD5",
        "chassis",
        "power",
        "status",
      ],
      30_000,
    );
    const m = /Chassis Power is (on|off)/.exec(r.stdout);
    if (m) {
      tally.answered++;
      if (m[1] === expected[i]) tally.correct++;
    } else {
      const k2 = r.stderr.trim().split("\n")[0] ?? `exit ${r.code}`;
      tally.errors.set(k2, (tally.errors.get(k2) ?? 0) + 1);
    }
  }
  return { ...tally, ms: performance.now() - t0, n };
}

function fmtErrors(e: Map<string, number>): string {
  return e.size === 0 ? "" : ` errors: ${[...e].map(([k, v]) => `${k}×${v}`).join(", ")}`;
}

export interface PowerBenchOptions {
  /** Lab BMCs (default 1000, at most 5000). */
  count?: number;
  /** Our concurrency and ipmipower's fanout in the first of its two runs (default 64). */
  concurrency?: number;
  /** Rounds of ours + ipmipower ×2 (default 3, at most 10); medians are compared. */
  rounds?: number;
  /** Sequential ipmitool calls, extrapolated (default 50, at most 200). */
  sample?: number;
  /** First loopback address of the lab (default 127.0.101.1). */
  firstAddress?: string;
  /** Detail lines (default: none). */
  log?: (line: string) => void;
}

export interface PowerBenchResult {
  count: number;
  concurrency: number;
  rounds: number;
  oursMedianMs: number;
  ipmipowerSameFanoutMedianMs: number;
  ipmipowerDefaultFanoutMedianMs: number;
  /** The better of ipmipower's two medians: the peer figure. */
  ipmipowerBestMedianMs: number;
  ipmitoolSample: number;
  ipmitoolPerHostMs: number;
  ipmitoolExtrapolatedMs: number;
  ratioOursOverIpmipower: number;
  ratioIpmitoolOverOurs: number;
  allAnsweredAndCorrect: boolean;
  labDatagrams: number;
  labMalformed: number;
  target: string;
  pass: boolean;
}

/** Starts the lab, measures, stops the lab (also when it fails). Bounded in count and time. */
export async function run(options: PowerBenchOptions = {}): Promise<PowerBenchResult> {
  const count = Math.max(1, Math.min(options.count ?? 1000, 5000));
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 64, 1024));
  const rounds = Math.max(1, Math.min(options.rounds ?? 3, 10));
  const sample = Math.max(1, Math.min(options.sample ?? 50, 200));
  const log = options.log ?? (() => undefined);
  const addresses = loopbackAddresses(count, options.firstAddress ?? "127.0.101.1");
  if (!addresses.every((a) => a.startsWith("127."))) throw new Error("loopback only");

  const tStart = performance.now();
  let lab: LabThread | undefined;
  // Whatever happens (an error, SIGINT, a time limit), the lab thread is stopped.
  const stopLab = async () => {
    const l = lab;
    lab = undefined;
    if (l) await l.stop();
  };
  const forget = onAbort(stopLab);

  try {
    lab = await startLabThread({
      addresses,
      port: 0,
      user: USER,
      password: PASSWORD,
      auths: [2, 4],
      timings: { onDelayMs: 100 },
      // Many consoles may poll one BMC in a row; room for the sessions of the sequential tools.
      maxSessions: 8,
    });
    const startMs = performance.now() - tStart;
    const endpoints = lab.endpoints;
    const port = endpoints[0]!.port;
    const onSet = endpoints.map((_, i) => i).filter((i) => i % 3 === 0);
    await lab.chassis(onSet, "on");
    await new Promise((r) => setTimeout(r, 300));
    const expected = await lab.states();
    const byHost = new Map(endpoints.map((e, i) => [e.host, expected[i]!]));
    const hosts = hostranges(addresses, port);
    log(
      `lab: ${count} BMCs in a worker thread, ${addresses[0]}..${addresses.at(-1)} UDP ${port}, ` +
        `${onSet.length} on; started in ${startMs.toFixed(0)} ms`,
    );

    const oursMs: number[] = [];
    const ipmipowerSameMs: number[] = [];
    const ipmipowerDefaultMs: number[] = [];
    let allOk = true;
    for (let round = 1; round <= rounds; round++) {
      const a = await ours(endpoints, expected, concurrency);
      oursMs.push(a.ms);
      allOk &&= a.answered === count && a.correct === count;
      log(
        `round ${round} ours Ipmi15Client (concurrency ${concurrency}): ${a.answered}/${count} answered, ` +
          `${a.correct} correct, ${(a.ms / 1000).toFixed(2)} s (${a.sent} datagrams, ${a.retransmits} retransmitted)${fmtErrors(a.errors)}`,
      );
      const b = await ipmipower(hosts, byHost, concurrency);
      ipmipowerSameMs.push(b.ms);
      allOk &&= b.answered === count && b.correct === count;
      log(
        `round ${round} ipmipower --stat -F ${concurrency}: ${b.answered}/${count} answered, ${b.correct} correct, ` +
          `${(b.ms / 1000).toFixed(2)} s (exit ${b.code})${fmtErrors(b.errors)}`,
      );
      const c = await ipmipower(hosts, byHost, undefined);
      ipmipowerDefaultMs.push(c.ms);
      allOk &&= c.answered === count && c.correct === count;
      log(
        `round ${round} ipmipower --stat (default fanout 64): ${c.answered}/${count} answered, ${c.correct} correct, ` +
          `${(c.ms / 1000).toFixed(2)} s (exit ${c.code})${fmtErrors(c.errors)}`,
      );
    }
    const t = await ipmitoolSample(endpoints, expected, sample);
    allOk &&= t.answered === t.n && t.correct === t.n;
    const perHost = t.ms / t.n;
    log(
      `ipmitool sequential: ${t.answered}/${t.n} sampled answered, ${t.correct} correct, ${(t.ms / 1000).toFixed(2)} s ` +
        `(${perHost.toFixed(1)} ms/host) → EXTRAPOLATED to ${count}: ${((perHost * count) / 1000).toFixed(1)} s${fmtErrors(t.errors)}`,
    );
    const totals = await lab.totals();
    const oursMed = median(oursMs);
    const bestIpmipower = Math.min(median(ipmipowerSameMs), median(ipmipowerDefaultMs));
    const ratio = oursMed / bestIpmipower;
    const pass = allOk && ratio <= 1;
    const summary: PowerBenchResult = {
      count,
      concurrency,
      rounds,
      oursMedianMs: Math.round(oursMed),
      ipmipowerSameFanoutMedianMs: Math.round(median(ipmipowerSameMs)),
      ipmipowerDefaultFanoutMedianMs: Math.round(median(ipmipowerDefaultMs)),
      ipmipowerBestMedianMs: Math.round(bestIpmipower),
      ipmitoolSample: t.n,
      ipmitoolPerHostMs: Math.round(perHost * 10) / 10,
      ipmitoolExtrapolatedMs: Math.round(perHost * count),
      ratioOursOverIpmipower: Math.round(ratio * 1000) / 1000,
      ratioIpmitoolOverOurs: Math.round(((perHost * count) / oursMed) * 10) / 10,
      allAnsweredAndCorrect: allOk,
      labDatagrams: totals.received,
      labMalformed: totals.malformed,
      target: "ours <= ipmipower",
      pass,
    };
    log(
      `median: ours ${(oursMed / 1000).toFixed(2)} s; ipmipower ${(bestIpmipower / 1000).toFixed(2)} s (best of -F ${concurrency} / default); ` +
        `ratio ours/ipmipower = ${ratio.toFixed(2)} (target ≤ 1.00: ${ratio <= 1 ? "met" : "NOT met"}); ` +
        `ipmitool (extrapolated)/ours = ${summary.ratioIpmitoolOverOurs}`,
    );
    log(
      `all answered and correct: ${allOk ? "yes" : "NO"}; lab saw ${totals.received} datagrams, ${totals.malformed} malformed`,
    );
    return summary;
  } finally {
    await stopLab();
    forget();
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const cancel = timeLimit(20 * 60_000, "bench/power");
  try {
    const r = await run({
      count: arg("count", 1000),
      concurrency: arg("concurrency", 64),
      rounds: arg("rounds", 3),
      sample: arg("sample", 50),
      firstAddress: strArg("first-address", "127.0.101.1"),
      ...(json ? {} : { log: (line: string) => console.log(line) }),
    });
    if (json) console.log(JSON.stringify(r));
    process.exitCode = r.pass ? 0 : 1;
  } finally {
    cancel();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
