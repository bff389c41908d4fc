/**
 * bench/run — every benchmark, one summary table (`npm run bench`).
 *
 * Runs bench/allocator.ts (pure CPU, first, on a fresh heap), bench/power.ts (1 000 lab BMCs
 * against FreeIPMI ipmipower) and bench/api.ts (a region process on SQLite) one after another,
 * through the `run()` each exports, then prints one table: per design target the figure, the
 * peer figure it is compared with (ipmipower; the allocator's packing lower bound; for the API,
 * which has no external peer, the target itself), the ratio ours/peer, the target and ✓/✗.
 * The benches' detail lines go to stderr; the table (or, with --json, one JSON document) to
 * stdout. Exit 0 when every bench ran and met its targets, 1 otherwise.
 *
 * bench/ui.ts (the web console with 10 000 machines in headless Chromium) runs last; its peer
 * is the API's own list time, which the console cannot beat.
 *
 * Options: --quick (small counts, < 1 min: for the test; the targets are for the full counts)
 *          --json  --only allocator,power,api,pulumi,ui
 * Every load is bounded in count and time (the benches' own bounds, and an overall limit here);
 * traffic goes only to 127.0.0.0/8.
 */
import { cpus } from "node:os";
import * as allocatorBench from "./allocator";
import * as apiBench from "./api";
import { timeLimit } from "./cleanup";
import * as powerBench from "./power";
import * as pulumiBench from "./pulumi-provider";
import * as uiBench from "./ui";

export type BenchName = "allocator" | "power" | "api" | "pulumi" | "ui";
export const BENCHES: readonly BenchName[] = ["allocator", "power", "api", "pulumi", "ui"];

export interface SummaryRow {
  bench: BenchName;
  /** What is measured. */
  measure: string;
  figure: number;
  unit: string;
  /** What the figure is compared with: the peer's figure or, without a peer, the target. */
  peer: number;
  peerLabel: string;
  /** figure / peer. */
  ratio: number;
  target: string;
  met: boolean;
  /** The bench failed to run: figures are NaN. */
  error?: string;
}

export interface RunOptions {
  quick?: boolean;
  only?: readonly BenchName[];
  /** The benches' detail lines (default: stderr). */
  log?: (line: string) => void;
}

export interface RunResult {
  quick: boolean;
  rows: SummaryRow[];
  results: Partial<{
    allocator: allocatorBench.AllocatorBenchResult;
    power: powerBench.PowerBenchResult;
    api: apiBench.ApiBenchResult;
    pulumi: pulumiBench.ProviderBenchResult;
    ui: uiBench.UiBenchResult;
  }>;
  ok: boolean;
}

/** Counts per bench: the design targets' counts, or small ones for --quick. */
export function benchOptions(quick: boolean) {
  return quick
    ? {
        allocator: { hosts: 1_000, vms: 10_000 },
        power: { count: 100, rounds: 1, sample: 5 },
        api: { machines: 1_000, seconds: 2 },
        pulumi: { resources: 100 },
        ui: { machines: 1_000, loads: 2 },
      }
    : {
        allocator: { hosts: 10_000, vms: 100_000 },
        power: { count: 1_000, rounds: 3, sample: 50 },
        api: { machines: 10_000, seconds: 10 },
        pulumi: { resources: 1_000 },
        ui: { machines: 10_000, loads: 5 },
      };
}

function row(r: Omit<SummaryRow, "ratio">): SummaryRow {
  return { ...r, ratio: r.peer === 0 ? Number.NaN : r.figure / r.peer };
}

export function allocatorRows(a: allocatorBench.AllocatorBenchResult): SummaryRow[] {
  return [
    row({
      bench: "allocator",
      measure: `hosts used, ${a.vms} placements on ${a.hosts} hosts`,
      figure: a.hostsUsed,
      unit: "hosts",
      peer: a.lowerBound,
      peerLabel: "lower bound",
      target: "≤ 1.05 × lower bound",
      met: a.tight && a.deterministic && a.referenceAgreement === a.referenceCount,
    }),
    row({
      bench: "allocator",
      measure: `time to place ${a.vms} VMs`,
      figure: a.placeMs,
      unit: "ms",
      peer: a.targets.placeMsBelow,
      peerLabel: "target",
      target: "< 1 s",
      met: a.fast,
    }),
  ];
}

export function powerRows(p: powerBench.PowerBenchResult): SummaryRow[] {
  return [
    row({
      bench: "power",
      measure: `power status of ${p.count} lab BMCs (median of ${p.rounds})`,
      figure: p.oursMedianMs / 1000,
      unit: "s",
      peer: p.ipmipowerBestMedianMs / 1000,
      peerLabel: "ipmipower",
      target: "≤ ipmipower",
      met: p.pass,
    }),
  ];
}

export function apiRows(a: apiBench.ApiBenchResult): SummaryRow[] {
  return [
    row({
      bench: "api",
      measure: "GET /machines/:id throughput",
      figure: Math.round(a.getPerSecond),
      unit: "req/s",
      peer: a.targets.getPerSecondAtLeast,
      peerLabel: "target",
      target: `≥ ${a.targets.getPerSecondAtLeast} req/s`,
      met: a.getPerSecond >= a.targets.getPerSecondAtLeast && a.getErrors + a.getNon2xx === 0,
    }),
    row({
      bench: "api",
      measure: `list ${a.listed} machines, p50 to the last byte`,
      figure: a.listP50Ms,
      unit: "ms",
      peer: a.targets.listMsBelow,
      peerLabel: "target",
      target: `< ${a.targets.listMsBelow} ms`,
      met: a.listP50Ms < a.targets.listMsBelow && a.listed === a.machines,
    }),
    row({
      bench: "api",
      measure: "region idle RSS",
      figure: a.idleRssMiB,
      unit: "MB",
      peer: a.targets.idleRssMiBBelow,
      peerLabel: "target",
      target: `< ${a.targets.idleRssMiBBelow} MB`,
      met: a.idleRssMiB < a.targets.idleRssMiBBelow,
    }),
  ];
}

export function pulumiRows(r: pulumiBench.ProviderBenchResult): SummaryRow[] {
  const reads = Object.values(r.readRequests);
  return [
    row({
      bench: "pulumi",
      measure: `Check + Diff per resource in the plugin, ${r.resources}-resource plan (mean)`,
      figure: r.serverPerResourceUs.mean / 1000,
      unit: "ms",
      peer: r.targets.serverPerResourceUsBelow / 1000,
      peerLabel: "target",
      target: `< ${r.targets.serverPerResourceUsBelow / 1000} ms`,
      met: r.serverPerResourceUs.mean < r.targets.serverPerResourceUsBelow,
    }),
    row({
      bench: "pulumi",
      measure: "region requests per Read by id (import, refresh; worst type)",
      figure: Math.max(...reads),
      unit: "requests",
      peer: r.targets.readRequests,
      peerLabel: "target",
      target: `= ${r.targets.readRequests}`,
      met: reads.length > 0 && reads.every((n) => n === r.targets.readRequests),
    }),
  ];
}

export function uiRows(u: uiBench.UiBenchResult): SummaryRow[] {
  return [
    row({
      bench: "ui",
      measure: `console: first rows of ${u.machines} machines in Chromium (median)`,
      figure: u.firstRowsMs,
      unit: "ms",
      peer: u.apiListMs,
      peerLabel: "API list",
      target: `< ${u.targets.firstRowsMsBelow} ms`,
      met: u.firstRowsMs < u.targets.firstRowsMsBelow,
    }),
    row({
      bench: "ui",
      measure: `console: a filter over ${u.machines} machines answers (median of ${u.filterRuns.length})`,
      figure: u.filterMedianMs,
      unit: "ms",
      peer: u.apiListMs,
      peerLabel: "API list",
      target: `< ${u.targets.filterMsBelow} ms`,
      met: u.filterMedianMs < u.targets.filterMsBelow,
    }),
  ];
}

function failedRow(bench: BenchName, e: unknown): SummaryRow {
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  return {
    bench,
    measure: "(did not run)",
    figure: Number.NaN,
    unit: "",
    peer: Number.NaN,
    peerLabel: "",
    ratio: Number.NaN,
    target: "",
    met: false,
    error: message,
  };
}

/** Runs the benches one after another; a bench that fails is a ✗ row, the others still run. */
export async function runAll(options: RunOptions = {}): Promise<RunResult> {
  const quick = options.quick ?? false;
  const only = new Set(options.only ?? BENCHES);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const counts = benchOptions(quick);
  const rows: SummaryRow[] = [];
  const results: RunResult["results"] = {};
  const step = async <T>(name: BenchName, go: () => T | Promise<T>, toRows: (r: T) => SummaryRow[]) => {
    if (!only.has(name)) return undefined;
    log(`── bench ${name}${quick ? " (quick)" : ""} ──`);
    const t0 = performance.now();
    try {
      const r = await go();
      rows.push(...toRows(r));
      log(`── bench ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s ──`);
      return r;
    } catch (e) {
      log(`── bench ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      rows.push(failedRow(name, e));
      return undefined;
    }
  };
  const prefixed = (name: string) => (line: string) => {
    for (const l of line.split("\n")) if (l.trim()) log(`[${name}] ${l}`);
  };
  const a = await step(
    "allocator",
    () => allocatorBench.run({ ...counts.allocator, log: prefixed("allocator") }),
    allocatorRows,
  );
  if (a) results.allocator = a;
  const p = await step("power", () => powerBench.run({ ...counts.power, log: prefixed("power") }), powerRows);
  if (p) results.power = p;
  const api = await step("api", () => apiBench.run({ ...counts.api, log: prefixed("api") }), apiRows);
  if (api) results.api = api;
  const pl = await step(
    "pulumi",
    () => pulumiBench.run({ ...counts.pulumi, log: prefixed("pulumi") }),
    pulumiRows,
  );
  if (pl) results.pulumi = pl;
  const ui = await step("ui", () => uiBench.run({ ...counts.ui, log: prefixed("ui") }), uiRows);
  if (ui) results.ui = ui;
  return { quick, rows, results, ok: rows.length > 0 && rows.every((r) => r.met) };
}

/** Three significant figures or so: 0.49, 46.4, 4021, 8035. */
function num(x: number, unit = ""): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  const digits = Number.isInteger(x) || a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return `${x.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

/** The summary as a Markdown table, columns padded (readable as text, pasteable in README). */
export function formatTable(rows: readonly SummaryRow[]): string {
  const head = ["bench", "measure", "figure", "peer figure", "ratio", "target", "met"];
  const body = rows.map((r) => [
    r.bench,
    r.error ? `${r.measure}: ${r.error}` : r.measure,
    num(r.figure, r.unit),
    r.error ? "-" : `${r.peerLabel} ${num(r.peer, r.unit)}`,
    Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : "-",
    r.target || "-",
    r.met ? "✓" : "✗",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

function parseOnly(argv: readonly string[]): BenchName[] | undefined {
  const i = argv.indexOf("--only");
  if (i < 0) return undefined;
  const names = (argv[i + 1] ?? "").split(",").filter(Boolean);
  const bad = names.filter((n) => !BENCHES.includes(n as BenchName));
  if (names.length === 0 || bad.length > 0) {
    throw new Error(`--only takes a comma-separated list of ${BENCHES.join(", ")}`);
  }
  return names as BenchName[];
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes("--quick");
  const json = argv.includes("--json");
  const only = parseOnly(argv);
  // The benches bound themselves; this bounds the whole run (then everything started is stopped).
  const cancel = timeLimit(quick ? 5 * 60_000 : 40 * 60_000, "bench/run");
  const t0 = performance.now();
  try {
    const r = await runAll({ quick, ...(only ? { only } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...r, seconds })}\n`);
    } else {
      const cpu = cpus();
      process.stdout.write(
        `\nfibrix-metal benchmarks${quick ? " (--quick: small counts; the targets are for the full counts)" : ""}: ` +
          `node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}, ${seconds.toFixed(0)} s\n\n` +
          `${formatTable(r.rows)}\n`,
      );
    }
    process.exitCode = r.ok ? 0 : 1;
  } finally {
    cancel();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`bench/run: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
