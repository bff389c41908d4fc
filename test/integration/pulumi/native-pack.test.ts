/**
 * The plugin tarball (scripts/pack-pulumi-plugin.sh) is what `pulumi plugin install resource
 * fibrix <version> --file …` unpacks into ~/.pulumi/plugins/resource-fibrix-v<version>/: unpacked
 * elsewhere, with nothing of this repository around it and only PATH in its environment, its
 * `pulumi-resource-fibrix` starts as the engine starts it and serves: its version, its schema,
 * a Check with failures named. Uses the build in dist/ (npm test builds first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Engine,
  type FakeEngine,
  type LaunchedPlugin,
  launchPlugin,
  startFakeEngine,
} from "./engine-harness";

const ROOT = join(__dirname, "../../..");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
let work: string;
let engineSvc: FakeEngine;
let plugin: LaunchedPlugin | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "fibrix-pack-"));
});
afterAll(async () => {
  await plugin?.close();
  engineSvc?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("the tarball unpacks into a plugin directory that runs on its own", async () => {
  const out = execFileSync(
    "bash",
    [join(ROOT, "scripts/pack-pulumi-plugin.sh"), "--no-build", "--out", work],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  const tarball = join(work, `pulumi-resource-fibrix-v${VERSION}-linux-amd64.tar.gz`);
  expect(out).toContain(tarball);
  const dir = join(work, `resource-fibrix-v${VERSION}`);
  execFileSync("mkdir", ["-p", dir]);
  execFileSync("tar", ["-C", dir, "-xzf", tarball]);
  const bin = join(dir, "pulumi-resource-fibrix");
  expect(statSync(bin).mode & 0o111).not.toBe(0);
  expect(existsSync(join(dir, "provider/pulumi/schema.json"))).toBe(true);
  // Pure JavaScript: nothing native (better-sqlite3 is the region's, not the plugin's).
  expect(execFileSync("find", [dir, "-name", "*.node"], { encoding: "utf8" })).toBe("");

  engineSvc = await startFakeEngine();
  plugin = await launchPlugin({
    bin,
    engineAddress: engineSvc.address,
    cwd: work,
    env: { PATH: process.env.PATH },
  });
  const engine = new Engine(plugin.port, "dev", "p");
  await engine.handshake(engineSvc.address, work);
  expect(await engine.getPluginInfo()).toBe(VERSION);
  expect(await engine.getSchema()).toBe(readFileSync(join(ROOT, "provider/pulumi/schema.json"), "utf8"));
  const checked = await engine.check(
    engine.urn("fibrix:index:Machine", "m"),
    undefined,
    { hostname: "m", rackId: "rck_0000000000000001", macs: ["not-a-mac"], power: { type: "ipmi" } },
    false,
  );
  expect(checked.failures.map((f) => f.property)).toEqual(["macs[0]", "power.address", "power.password"]);
  engine.close();
  expect(await plugin.close()).toBe(0);
  plugin = undefined;
}, 360_000);
