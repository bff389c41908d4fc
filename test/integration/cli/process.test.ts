/**
 * The built `fibrix` binary as a real process (`node bin/fibrix.js`, from dist/: `npm test`
 * builds first): `region serve` prints `listening on`, the admin key once, and stops cleanly
 * on SIGTERM; the other commands talk to it with real exit codes.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "../../..");
const BIN = join(ROOT, "bin/fibrix.js");
const dataDir = mkdtempSync(join(tmpdir(), "fibrix-cli-serve-"));
const children: ChildProcess[] = [];

interface Serving {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function serve(env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const child = spawn(
    process.execPath,
    [BIN, "region", "serve", "--listen", "127.0.0.1:0", "--data", dataDir, "--dns-port", "0"],
    {
      env: { ...process.env, FIBRIX_LOG_LEVEL: "warn", FIBRIX_ADMIN_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += String(d);
  });
  child.stderr!.on("data", (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" within 30 s: ${out} ${err}`)), 30_000);
    const check = () => {
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => out, exited });
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`region serve exited ${code}: ${out} ${err}`));
    });
  });
}

function fibrix(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  // This test runs the compiled CLI; refuse to test stale code silently.
  for (const f of ["cli/main.ts", "cli/commands/region.ts", "sdk/client.ts"]) {
    const built = join(ROOT, "dist", f.replace(/\.ts$/, ".js"));
    if ((statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0) < statSync(join(ROOT, f)).mtimeMs) {
      throw new Error(`dist/ is older than ${f}: run \`npm run build\` first`);
    }
  }
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

test("region serve: listening on, the admin key on first start only, a clean stop on SIGTERM", async () => {
  const first = await serve();
  const key = first.stdout().match(/admin API key \(shown once, store it now\): (fbx_\S+)\n/)?.[1];
  expect(key).toBeDefined();
  expect(first.stdout()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(DNS on port \d+\)\n/);
  const env = { FIBRIX_ENDPOINT: first.url, FIBRIX_API_KEY: key! };

  const created = await fibrix(["tenant", "create", "acme"], env);
  expect(created.code).toBe(0);
  const list = await fibrix(["--json", "tenants", "list"], env);
  expect(JSON.parse(list.stdout).map((t: { name: string }) => t.name)).toEqual(["acme"]);
  const bad = await fibrix(["tenants", "list"], { ...env, FIBRIX_API_KEY: "fbx_nope" });
  expect(bad).toMatchObject({ code: 1, stdout: "" });
  expect(bad.stderr).toBe("error: unknown or revoked API key (check --api-key or FIBRIX_API_KEY)\n");
  const usage = await fibrix(["tenants", "list", "--bogus"], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/^error: unknown option '--bogus'/);

  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  expect(first.stdout()).toMatch(/SIGTERM: stopping\nstopped\n$/);

  // Same data directory: the key exists, nothing is printed; the old key still works.
  const second = await serve();
  expect(second.stdout()).not.toMatch(/admin API key/);
  expect((await fibrix(["tenants", "list"], { ...env, FIBRIX_ENDPOINT: second.url })).code).toBe(0);
  second.child.kill("SIGINT");
  expect(await second.exited).toBe(0);
});

test("region serve: usage errors exit 2 before anything starts; --version", async () => {
  const noData = await fibrix(["region", "serve", "--listen", "127.0.0.1:0"], {});
  expect(noData.code).toBe(2);
  expect(noData.stderr).toMatch(/^error: required option '--data <dir>' not specified/);
  const badListen = await fibrix(["region", "serve", "--listen", "localhost", "--data", dataDir], {});
  expect(badListen).toMatchObject({
    code: 2,
    stderr: "error: --listen must be HOST:PORT (e.g. 127.0.0.1:5240), got localhost\n",
  });
  const both = await fibrix(
    [
      "region",
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--data",
      dataDir,
      "--dns-port",
      "0",
      "--dns-listen",
      "127.0.0.1:0",
    ],
    {},
  );
  expect(both).toMatchObject({
    code: 2,
    stderr: "error: pass either --dns-listen HOST:PORT or --dns-port N, not both\n",
  });
  const version = await fibrix(["--version"], {});
  expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
});
