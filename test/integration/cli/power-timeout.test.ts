/**
 * `fibrix power` against a BMC that does not answer, as a real process (`node bin/fibrix.js`,
 * from dist/: build first): it fails within `--timeout` (default 10 s, retries included) with
 * one line naming the address, the port and the time waited, exit 1, no stack trace; bad
 * durations are usage errors (exit 2, nothing sent). The elapsed-time checks are bounds, not
 * speed benchmarks. Traffic: 127.0.0.1 only, to a UDP port nobody listens on.
 */
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "../../..");
const BIN = join(ROOT, "bin/fibrix.js");
const dir = mkdtempSync(join(tmpdir(), "fibrix-power-timeout-"));
const passwordFile = join(dir, "password");
let port = 0;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function fibrix(args: string[]): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr, ms: Date.now() - t0 }),
    );
  });
}

/** A UDP port on 127.0.0.1 that was free a moment ago; its socket is closed, so nothing answers. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const status = (...extra: string[]) => [
  "power",
  "status",
  "--type",
  "ipmi",
  "--address",
  "127.0.0.1",
  "--port",
  String(port),
  "--user",
  "u",
  "--password-file",
  passwordFile,
  ...extra,
];

beforeAll(async () => {
  // This test runs the compiled CLI; refuse to test stale code silently.
  for (const f of [
    "cli/commands/power.ts",
    "backend/power/driver.ts",
    "backend/power/ipmi15/session.ts",
    "backend/power/ipmi15/client.ts",
  ]) {
    const built = join(ROOT, "dist", f.replace(/\.ts$/, ".js"));
    if ((statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0) < statSync(join(ROOT, f)).mtimeMs) {
      throw new Error(`dist/ is older than ${f}: run \`npm run build\` first`);
    }
  }
  writeFileSync(passwordFile, "p\n");
  port = await freeUdpPort();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line on stderr, no stack trace: "error POWER_TIMEOUT: … 127.0.0.1:PORT … after N.N s …". */
function expectTimeoutLine(r: Ran, limit: string): number {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const m = new RegExp(
    `^error POWER_TIMEOUT: BMC did not answer in time \\(wrong address or port, or BMC down\\): ` +
      `127\\.0\\.0\\.1:${port}, no answer after (\\d+\\.\\d) s \\(--timeout ${limit}\\)$`,
  ).exec(lines[0]!);
  expect(m).not.toBeNull();
  return Number(m![1]);
}

test("dead port, default limit: POWER_TIMEOUT naming address, port and time, within 10 s", async () => {
  const r = await fibrix(status());
  const reported = expectTimeoutLine(r, "10s");
  // It retried up to the limit, and stopped there (process start and exit included).
  expect(reported).toBeGreaterThanOrEqual(9);
  expect(reported).toBeLessThanOrEqual(10.1);
  expect(r.ms).toBeLessThan(10_500);
  console.log(`dead port, default --timeout: exit ${r.code} after ${r.ms} ms: ${r.stderr.trim()}`);
}, 30_000);

test("dead port, --timeout 2s: ends within 3 s; --json carries the same message", async () => {
  const r = await fibrix(status("--timeout", "2s"));
  const reported = expectTimeoutLine(r, "2s");
  expect(reported).toBeGreaterThanOrEqual(1.5);
  expect(r.ms).toBeLessThan(3_000);
  console.log(`dead port, --timeout 2s: exit ${r.code} after ${r.ms} ms`);

  const j = await fibrix(status("--timeout", "1500", "--json"));
  expect(j.code).toBe(1);
  expect(j.stderr).toBe("");
  const doc = JSON.parse(j.stdout) as Record<string, unknown>;
  expect(doc).toMatchObject({ ok: false, code: "POWER_TIMEOUT", retryable: true });
  expect(String(doc["message"])).toContain(`127.0.0.1:${port}, no answer after`);
  expect(String(doc["message"])).toContain("(--timeout 1.5s)");
  expect(doc["elapsedMs"]).toBeLessThan(2_000);
  expect(j.ms).toBeLessThan(2_500);
}, 30_000);

test("--timeout in ms, --deadline kept as an alias (the smaller applies)", async () => {
  const r = await fibrix(status("--timeout", "800", "--deadline", "5s"));
  expectTimeoutLine(r, "800ms");
  expect(r.ms).toBeLessThan(1_800);
  const d = await fibrix(status("--deadline", "700ms"));
  expectTimeoutLine(d, "700ms");
  expect(d.ms).toBeLessThan(1_700);
}, 30_000);

test("bad durations are usage errors: exit 2, one line naming the option, nothing sent", async () => {
  for (const [flag, value] of [
    ["--timeout", "abc"],
    ["--timeout", "0"],
    ["--timeout", "-5s"],
    ["--timeout", "10 parsecs"],
    ["--timeout", "2h"],
    ["--deadline", "soon"],
    ["--exchange-timeout", "10ms"],
  ] as const) {
    const r = await fibrix(status(flag, value));
    expect({ flag, value, code: r.code, stdout: r.stdout }).toEqual({ flag, value, code: 2, stdout: "" });
    expect(r.stderr).toMatch(new RegExp(`^error POWER_CONFIGURATION: bad ${flag} "${value}": .+\\n$`));
    expect(r.ms).toBeLessThan(2_000);
  }
}, 60_000);
