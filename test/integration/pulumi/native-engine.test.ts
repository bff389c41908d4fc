/**
 * `pulumi-resource-fibrix` driven as the Pulumi engine drives it, against a real region, the
 * lab racks and a real libvirtd: started as plugin.go starts plugins (its arguments, the port
 * read from its first stdout line), handshaken and configured as provider_plugin.go and
 * providers/registry.go do, then the RPC sequences of `pulumi preview`, `up`, `refresh`,
 * `import`, the `import` option and `destroy` as pkg/resource/deploy builds them
 * (engine-harness.ts names the functions each sequence comes from; each test names them too).
 *
 * Sources (pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8):
 *   sdk/go/common/resource/plugin/plugin.go          ExecPlugin, buildPluginArguments, newPlugin
 *   sdk/go/common/resource/plugin/provider_plugin.go  NewProvider (Handshake), every request's fields
 *   sdk/go/common/resource/plugin/rpc.go              MarshalProperties: secrets, unknown sentinels
 *   pkg/resource/deploy/providers/registry.go         default provider: CheckConfig, Configure
 *   pkg/resource/deploy/step_generator.go             generateSteps, continueStepsFromImport,
 *                                                     continueStepsFromDiff, providerChanged
 *   pkg/resource/deploy/step.go                       CreateStep, UpdateStep, DeleteStep,
 *                                                     RefreshStep, ImportStep
 *   pkg/resource/deploy/import.go                     `pulumi import` (planned ImportStep)
 *   pkg/resource/deploy/deployment_executor.go        steps of one deployment run in parallel
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import pino from "pino";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import { configureProvider } from "../../../provider/pulumi/provider-config";
import { machineHooks } from "../../../provider/pulumi/machine";
import { setProgressSink } from "../../../provider/pulumi/progress";
import { regionHooks } from "../../../provider/pulumi/region";
import { addVmHost } from "../../helpers/region";
import {
  DIFF,
  Engine,
  type FakeEngine,
  type Goal,
  KIND,
  type LaunchedPlugin,
  launchPlugin,
  plain,
  type PropertyMap,
  type ResourceState,
  Secret,
  secretPaths,
  startFakeEngine,
  UNKNOWN_STRING,
  Unknown,
} from "./engine-harness";
import { type HttpRack, startHttpRack } from "./http-rack";
import { ADMIN_KEY, adminConfig, http, ok, type PulumiLab, startPulumiLab } from "./lab-fixture";

const ROOT = join(__dirname, "../../..");
const BIN = join(ROOT, "bin/pulumi-resource-fibrix");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const PROJECT = "fibrix-infra";
const STACK = "dev";
/** `__provider` values as the retired dynamic resources wrote them into states (recorded). */
const LEGACY = JSON.parse(readFileSync(join(__dirname, "fixtures/dynamic-providers.json"), "utf8")) as {
  region: string;
  machine: string;
};

let lab: PulumiLab;
let engineSvc: FakeEngine;
let plugin: LaunchedPlugin;
let engine: Engine;
let programDir: string;
let vmsUnavailable: string | undefined;
const states = new Map<string, ResourceState>();
let rack: HttpRack | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

const T = {
  region: "fibrix:index:Region",
  rack: "fibrix:index:Rack",
  machine: "fibrix:index:Machine",
  pool: "fibrix:index:Pool",
  vm: "fibrix:index:VirtualMachine",
};
const P = (o: Record<string, unknown>) => o as PropertyMap;
const calls = (from: number) => engine.calls.slice(from).map((c) => c.method);

function pluginEnv(): NodeJS.ProcessEnv {
  // The CLI's environment plus what provider_plugin.go NewProvider adds; no FIBRIX_*: the
  // settings must arrive through Configure.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PULUMI_PROJECT: PROJECT,
    PULUMI_CONFIG: JSON.stringify({ "fibrix:endpoint": lab.r.url }),
  };
}

/** A plugin started, handshaken and configured as the engine does it for the default provider. */
async function startEngineOnPlugin(): Promise<{ plugin: LaunchedPlugin; engine: Engine }> {
  const p = await launchPlugin({
    bin: BIN,
    engineAddress: engineSvc.address,
    cwd: programDir,
    env: pluginEnv(),
    logFlow: { verbose: 9 },
    tracing: "http://127.0.0.1:9/api/v2/spans",
  });
  const e = new Engine(p.port, STACK, PROJECT);
  await e.handshake(engineSvc.address, programDir);
  expect(await e.getPluginInfo()).toBe(VERSION);
  await e.configureDefaultProvider(VERSION, {
    endpoint: lab.r.url,
    apiKey: new Secret(ADMIN_KEY),
    // Under FIBRIX_TEST_TLS the region's certificate is the test CA's: trusted through Configure.
    ...(process.env.FIBRIX_CA_BUNDLE ? { caBundle: process.env.FIBRIX_CA_BUNDLE } : {}),
  });
  return { plugin: p, engine: e };
}

const machineArgs = (hostname: string, rackId: unknown, mac: string, extra: Record<string, unknown> = {}) =>
  P({
    hostname,
    rackId,
    macs: [mac],
    // Not marked secret by the program: the provider must still keep the password secret.
    power: { type: "ipmi", address: "127.0.0.1", port: 9623, user: "root", password: "calvin" },
    ...extra,
  });

async function machineByHostname(hostname: string): Promise<any | undefined> {
  const res = await http(lab.r.api, "GET", `/machines?limit=1000`);
  return (res.body.items as any[]).find((m) => m.hostname === hostname);
}

async function waitStatus(id: string, status: string, ms = 20_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const m = (await http(lab.r.api, "GET", `/machines/${id}`)).body;
    if (m.status === status || Date.now() > end) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const prefix = `fxn${process.pid}-`;
  try {
    lab = await startPulumiLab(prefix, { vms: true });
  } catch (e) {
    vmsUnavailable = `the lab's libvirtd/VM host did not start: ${(e as Error).message}`;
    lab = await startPulumiLab(prefix, { vms: false });
  }
  programDir = mkdtempSync(join(tmpdir(), "fibrix-program-"));
  engineSvc = await startFakeEngine();
  ({ plugin, engine } = await startEngineOnPlugin());
}, 300_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await rack?.stop();
  engine?.close();
  await plugin?.close();
  engineSvc?.stop();
  await lab?.stop();
  if (programDir) rmSync(programDir, { recursive: true, force: true });
}, 120_000);

test("startup as plugin.go does it: arguments, the port line, Handshake, GetPluginInfo, GetSchema, config", async () => {
  expect(plugin.args).toEqual([
    "--logtostderr",
    "-v=9",
    "--tracing",
    "http://127.0.0.1:9/api/v2/spans",
    engineSvc.address,
  ]);
  expect(plugin.port).toBeGreaterThan(0);
  expect(engine.acceptSecrets).toBe(true);
  expect(await engine.getSchema()).toBe(readFileSync(join(ROOT, "provider/pulumi/schema.json"), "utf8"));

  // CheckConfig (registry.go Check): no secrets on the wire, the key leaves secret; a bad
  // endpoint is a failure naming the property.
  const urn = engine.defaultProviderUrn(VERSION);
  const good = await engine.checkConfig(
    urn,
    {},
    { endpoint: lab.r.url, apiKey: ADMIN_KEY, version: VERSION },
  );
  expect(good.failures).toEqual([]);
  expect(secretPaths(good.inputs)).toEqual(["apiKey"]);
  // The TLS trust settings are public: they stay plain; a CA and a pin together are refused.
  const pinned = await engine.checkConfig(
    urn,
    {},
    { endpoint: lab.r.url, apiKey: ADMIN_KEY, fingerprint: "ab".repeat(32), version: VERSION },
  );
  expect(pinned.failures).toEqual([]);
  expect(secretPaths(pinned.inputs)).toEqual(["apiKey"]);
  const both = await engine.checkConfig(
    urn,
    {},
    { endpoint: lab.r.url, caBundle: "/ca.pem", fingerprint: "AB".repeat(32), version: VERSION },
  );
  expect(both.failures).toEqual([{ property: "fingerprint", reason: expect.stringMatching(/caBundle/) }]);
  const bad = await engine.checkConfig(urn, {}, { endpoint: "girona:5240", version: VERSION });
  expect(bad.failures).toEqual([{ property: "endpoint", reason: expect.stringMatching(/http\(s\) URL/) }]);
  // DiffConfig: a new endpoint is an update of the provider, never a replacement of its resources.
  const d = await engine.diffConfig(urn, good.inputs, good.inputs, {
    ...good.inputs,
    endpoint: "http://127.0.0.1:1",
  });
  expect(d).toMatchObject({ changes: DIFF.DIFF_SOME, replaces: [] });
  // Construct and Call: no components here.
  await expect(
    engine.rpc("construct", new (require("@pulumi/pulumi/proto/provider_pb").ConstructRequest)()),
  ).rejects.toMatchObject({
    code: grpc.status.UNIMPLEMENTED,
  });
});

test("pulumi preview with unknowns: Check with allowUnknowns, Create(preview) with the ids unknown, nothing made", async () => {
  // step_generator.go generateSteps with DryRun: Check(news; unknowns kept) → CreateStep with
  // preview=true (step.go); a dependent's input from an unknown output is UnknownStringValue.
  const before = (await http(lab.r.api, "GET", "/regions")).body.items.length;
  const scratch = new Map<string, ResourceState>();
  const from = engine.calls.length;
  const region = await engine.register(
    { type: T.region, name: "besalu", properties: P({ name: "besalu", dnsDomain: "besalu.fibrix.example" }) },
    scratch,
    true,
  );
  expect(region.state.id).toBe("");
  const rk = await engine.register(
    {
      type: T.rack,
      name: "rack-up",
      properties: P({
        name: "rack-up",
        regionId: Unknown,
        subnet: "10.40.0.0/24",
        dhcpRange: { start: "10.40.0.100", end: "10.40.0.200" },
      }),
    },
    scratch,
    true,
  );
  expect(rk.failures).toEqual([]);
  expect(rk.state.outputs.regionId).toBe(Unknown);
  const m = await engine.register(
    { type: T.machine, name: "pe860-p1", properties: machineArgs("pe860-p1", Unknown, "52:54:00:AA:00:01") },
    scratch,
    true,
  );
  expect(m.failures).toEqual([]);
  expect(m.state.outputs.rackId).toBe(Unknown);
  expect(secretPaths(m.state.outputs)).toEqual(["power.password"]);
  expect(calls(from)).toEqual(["check", "create", "check", "create", "check", "create"]);
  expect((await http(lab.r.api, "GET", "/regions")).body.items.length).toBe(before);
  expect(await machineByHostname("pe860-p1")).toBeUndefined();

  // An invalid input, even in a preview, is a check failure naming the property.
  const badMachine = await engine.register(
    { type: T.machine, name: "pe860-bad", properties: { ...machineArgs("pe860-bad", Unknown, "not-a-mac") } },
    scratch,
    true,
  );
  expect(badMachine.failures).toEqual([
    { property: "macs[0]", reason: expect.stringMatching(/MAC address/) },
  ]);
});

test("pulumi up: Region → Rack → Pool → Machine; logs reach the engine on the resource; secrets leave secret; a second up is all same", async () => {
  const from = engine.calls.length;
  const region = await engine.register(
    {
      type: T.region,
      name: "besalu",
      properties: P({ name: "besalu", dnsDomain: "besalu.fibrix.example", description: "first" }),
    },
    states,
  );
  expect(region.op).toBe("create");
  expect(region.state.id).toMatch(/^rgn_/);
  const rk = await engine.register(
    {
      type: T.rack,
      name: "rack-up",
      properties: P({
        name: "rack-up",
        regionId: region.state.id,
        subnet: "10.40.0.0/24",
        dhcpRange: { start: "10.40.0.100", end: "10.40.0.200" },
      }),
    },
    states,
  );
  expect(rk.state.outputs.enrollmentToken).toBeInstanceOf(Secret);
  // The operator starts `fibrix rack serve --token <enrollmentToken>`: here, a rack loop.
  rack = startHttpRack(lab.r.api, plain(rk.state.outputs.enrollmentToken), { deployIp: "10.40.0.50" });
  const pool = await engine.register(
    { type: T.pool, name: "silver", properties: P({ name: "silver", description: "pool" }) },
    states,
  );
  const m = await engine.register(
    {
      type: T.machine,
      name: "pe860-u1",
      properties: machineArgs("pe860-u1", rk.state.id, "52:54:00:AA:01:01", { tags: ["girona"] }),
    },
    states,
  );
  expect(m.op).toBe("create");
  expect(plain(m.state.outputs)).toMatchObject({
    status: "Ready",
    hostname: "pe860-u1",
    macs: ["52:54:00:aa:01:01"],
    fqdn: "pe860-u1.besalu.fibrix.example",
  });
  // Check normalised the MACs and kept the password secret in the checked inputs too.
  expect(plain(m.state.inputs).macs).toEqual(["52:54:00:aa:01:01"]);
  expect(secretPaths(m.state.inputs)).toEqual(["power.password"]);
  expect(secretPaths(m.state.outputs)).toEqual(["power.password"]);
  expect(plain(m.state.outputs).__provider).toBeUndefined();
  expect(calls(from)).toEqual(["check", "create", "check", "create", "check", "create", "check", "create"]);

  // progress.ts lines, through Engine.Log, on the machine's URN, severity INFO.
  const log = await engineSvc.waitForLog(/Machine pe860-u1: enlisted as mch_\w+/);
  expect(log).toMatchObject({ urn: m.state.urn, severity: 1 });

  // A second `up` with the same program: Check(olds = old inputs) + Diff, no changes, stables listed.
  const again = engine.calls.length;
  for (const g of [
    {
      type: T.region,
      name: "besalu",
      properties: P({ name: "besalu", dnsDomain: "besalu.fibrix.example", description: "first" }),
    },
    { type: T.pool, name: "silver", properties: P({ name: "silver", description: "pool" }) },
    {
      type: T.machine,
      name: "pe860-u1",
      properties: machineArgs("pe860-u1", rk.state.id, "52:54:00:AA:01:01", { tags: ["girona"] }),
    },
  ] as Goal[]) {
    const r = await engine.register(g, states);
    expect([g.name, r.op]).toEqual([g.name, "same"]);
    expect(r.diff!.hasDetailedDiff).toBe(true);
  }
  expect(calls(again)).toEqual(["check", "diff", "check", "diff", "check", "diff"]);
  void pool;
}, 120_000);

test("an update in place, a preview of an unknown, and replacements (create-before-delete and delete-before-replace)", async () => {
  // Update in place: continueStepsFromDiff → UpdateStep (step.go): Update(olds = old outputs, news, oldInputs).
  let from = engine.calls.length;
  const region = await engine.register(
    {
      type: T.region,
      name: "besalu",
      properties: P({ name: "besalu", dnsDomain: "besalu.fibrix.example", description: "second" }),
    },
    states,
  );
  expect(region.op).toBe("update");
  expect(region.diff!.detailedDiff).toEqual({ description: { kind: KIND.UPDATE, inputDiff: false } });
  expect(region.diff!.stables).toEqual(expect.arrayContaining(["nameservers", "name", "dnsDomain"]));
  expect(plain(region.state.outputs).description).toBe("second");
  expect(calls(from)).toEqual(["check", "diff", "update"]);

  // A preview of an update with an unknown input: Diff(allowUnknowns) → Update(preview=true), no call to the region.
  const poolBefore = states.get(engine.urn(T.pool, "silver"))!;
  const versionBefore = (await http(lab.r.api, "GET", `/pools/${poolBefore.id}`)).body.version;
  const pv = await engine.register(
    { type: T.pool, name: "silver", properties: P({ name: "silver", description: Unknown }) },
    states,
    true,
  );
  expect(pv.op).toBe("update");
  expect(pv.state.outputs.description).toBe(Unknown);
  expect(pv.state.outputs.version).toBe(Unknown);
  expect((await http(lab.r.api, "GET", `/pools/${poolBefore.id}`)).body.version).toBe(versionBefore);

  // A replacement, create before delete (a new pool name does not clash with the old one).
  from = engine.calls.length;
  const renamed = await engine.register(
    { type: T.pool, name: "silver", properties: P({ name: "silver2", description: "pool" }) },
    states,
  );
  expect(renamed.op).toBe("replace");
  expect(renamed.diff).toMatchObject({
    replaces: ["name"],
    deleteBeforeReplace: false,
    detailedDiff: { name: { kind: KIND.UPDATE_REPLACE } },
  });
  expect(calls(from)).toEqual(["check", "diff", "check", "create", "delete"]);
  expect((await http(lab.r.api, "GET", `/pools/${poolBefore.id}`)).status).toBe(404);

  // A replacement that must delete first: the same hostname on new MACs.
  from = engine.calls.length;
  const oldMachine = states.get(engine.urn(T.machine, "pe860-u1"))!;
  const rackId = plain(oldMachine.inputs).rackId;
  const moved = await engine.register(
    {
      type: T.machine,
      name: "pe860-u1",
      properties: machineArgs("pe860-u1", rackId, "52:54:00:AA:01:02", { tags: ["girona"] }),
    },
    states,
  );
  expect(moved.op).toBe("replace");
  expect(moved.diff).toMatchObject({ replaces: ["macs"], deleteBeforeReplace: true });
  expect(calls(from)).toEqual(["check", "diff", "check", "delete", "create"]);
  expect(moved.state.id).not.toBe(oldMachine.id);
  expect((await http(lab.r.api, "GET", `/machines/${oldMachine.id}`)).status).toBe(404);
}, 120_000);

test("pulumi refresh after an out-of-band change: Read with the state, the drift in the refresh diff and in the next up's Diff", async () => {
  const m = states.get(engine.urn(T.machine, "pe860-u1"))!;
  const live = (await http(lab.r.api, "GET", `/machines/${m.id}`)).body;
  ok(
    await http(lab.r.api, "PATCH", `/machines/${m.id}`, {
      body: { description: "changed by hand", tags: ["moved-by-hand"] },
      headers: { "if-match": `"${live.version}"` },
    }),
  );

  // step.go RefreshStep: Read(id, inputs = old inputs, properties = old outputs).
  const from = engine.calls.length;
  const r = await engine.refresh(m, states);
  expect(r.gone).toBe(false);
  if (r.gone) return;
  expect(plain(r.state.outputs)).toMatchObject({ description: "changed by hand", tags: ["moved-by-hand"] });
  expect(plain(r.state.inputs)).toMatchObject({ description: "changed by hand", tags: ["moved-by-hand"] });
  // The password the region never returns is still there, and still secret.
  expect(secretPaths(r.state.outputs)).toEqual(["power.password"]);
  // The refresh diff (new state against the old inputs): the managed tags drifted; the
  // description the program never set is not managed (diff-plan.ts), so it is no drift.
  expect(r.diff).toMatchObject({
    changes: DIFF.DIFF_SOME,
    detailedDiff: { tags: { kind: KIND.UPDATE, inputDiff: false } },
  });
  expect(Object.keys(r.diff.detailedDiff)).toEqual(["tags"]);
  expect(calls(from)).toEqual(["read", "diff"]);

  // The next `up` of the same program: Check(olds = the refreshed inputs) → Diff shows the drift
  // → Update puts the declared tags back.
  const args = machineArgs("pe860-u1", plain(m.inputs).rackId, "52:54:00:AA:01:02", { tags: ["girona"] });
  const fix = await engine.register({ type: T.machine, name: "pe860-u1", properties: args }, states);
  expect(fix.op).toBe("update");
  expect(fix.diff!.detailedDiff).toEqual({ tags: { kind: KIND.UPDATE, inputDiff: false } });
  expect((await http(lab.r.api, "GET", `/machines/${m.id}`)).body).toMatchObject({
    tags: ["girona"],
    description: "changed by hand",
  });
  expect((await engine.register({ type: T.machine, name: "pe860-u1", properties: args }, states)).op).toBe(
    "same",
  );

  // A resource deleted out of band: Read answers an empty id, refresh drops it.
  const gone = ok(await http(lab.r.api, "POST", "/pools", { body: { name: "ghost" } }));
  const ghost: ResourceState = {
    urn: engine.urn(T.pool, "ghost"),
    type: T.pool,
    name: "ghost",
    id: gone.id,
    inputs: { name: "ghost" },
    outputs: { name: "ghost" },
  };
  states.set(ghost.urn, ghost);
  await http(lab.r.api, "DELETE", `/pools/${gone.id}`);
  expect((await engine.refresh(ghost, states)).gone).toBe(true);
  expect(states.has(ghost.urn)).toBe(false);
}, 60_000);

test("pulumi import fibrix:index:Machine NAME mch_…: Read with the id alone gives outputs and inputs; they Check and Diff clean", async () => {
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  // Enlisted by hand (the CLI), not by Pulumi.
  const made = ok(
    await http(lab.r.api, "POST", "/machines", {
      body: {
        hostname: "pe860-i1",
        rackId,
        macs: ["52:54:00:aa:02:01"],
        power: { type: "wol", broadcast: "10.40.0.255" },
        tags: ["old"],
      },
    }),
  );
  expect((await waitStatus(made.id, "Ready")).status).toBe("Ready");

  // import.go → step.go ImportStep (planned): Read(id) with no properties and no inputs, then
  // Check(olds = news = the read inputs).
  const from = engine.calls.length;
  const imp = await engine.importPlanned(T.machine, "pe860-i1", made.id, states);
  expect(calls(from)).toEqual(["read", "check"]);
  expect(plain(imp.state.outputs)).toMatchObject({
    hostname: "pe860-i1",
    status: "Ready",
    rackId,
    tags: ["old"],
  });
  expect(plain(imp.state.inputs)).toMatchObject({
    hostname: "pe860-i1",
    rackId,
    macs: ["52:54:00:aa:02:01"],
    power: { type: "wol", broadcast: "10.40.0.255" },
    tags: ["old"],
  });
  expect(imp.warnings).toEqual([]);

  // The code `pulumi import` prints declares exactly those inputs; the next `up` is a no-op.
  const next = await engine.register(
    { type: T.machine, name: "pe860-i1", properties: imp.state.inputs },
    states,
  );
  expect(next.op).toBe("same");
  expect(next.diff!.changes).toBe(DIFF.DIFF_NONE);

  // An IPMI machine: the region never returns the BMC password, so the imported inputs lack it.
  const ipmi = ok(
    await http(lab.r.api, "POST", "/machines", {
      body: {
        hostname: "pe860-i2",
        rackId,
        macs: ["52:54:00:aa:02:02"],
        power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin" },
      },
    }),
  );
  await waitStatus(ipmi.id, "Ready");
  const imp2 = await engine.importPlanned(T.machine, "pe860-i2", ipmi.id, states);
  expect(plain(imp2.state.outputs).power).toEqual({ type: "ipmi", address: "127.0.0.1", user: "root" });
  // The region keeps the password it never returns: an imported machine's inputs lack it, and
  // Check (with the imported inputs as olds) does not ask for it.
  expect(imp2.warnings).toEqual([]);
  const d = await engine.diff(
    imp2.state.urn,
    imp2.state.id,
    imp2.state.inputs,
    imp2.state.outputs,
    imp2.checkedInputs,
    false,
  );
  expect(d.changes).toBe(DIFF.DIFF_NONE);
}, 60_000);

test("the import resource option: Read(id), Check against the program, Diff; the declared password is sent once", async () => {
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  const made = ok(
    await http(lab.r.api, "POST", "/machines", {
      body: {
        hostname: "pe860-i3",
        rackId,
        macs: ["52:54:00:aa:02:03"],
        power: { type: "ipmi", address: "127.0.0.1", port: 9623, user: "root", password: "calvin" },
      },
    }),
  );
  await waitStatus(made.id, "Ready");
  // step_generator.go: goal.ID set and no old state → ImportStep (Read with the id alone), then
  // continueStepsFromImport: Check(olds = imported inputs, news = the program's), Diff.
  const from = engine.calls.length;
  const goal: Goal = {
    type: T.machine,
    name: "pe860-i3",
    properties: machineArgs("pe860-i3", rackId, "52:54:00:AA:02:03"),
    importId: made.id,
  };
  const r = await engine.register(goal, states);
  expect(calls(from)).toEqual(["read", "check", "diff", "update"]);
  // Only the write-only password differs from what the region returns: an update in place, no replacement.
  expect(r.diff).toMatchObject({
    changes: DIFF.DIFF_SOME,
    replaces: [],
    detailedDiff: { power: { kind: KIND.UPDATE } },
  });
  expect(r.state.id).toBe(made.id);
  expect(secretPaths(r.state.outputs)).toEqual(["power.password"]);
  expect((await engine.register(goal, states)).op).toBe("same");
  // A replacement of an imported resource is refused (step_generator.go, "previously-imported resources…").
  await expect(
    engine.register(
      { ...goal, properties: machineArgs("pe860-i3b", rackId, "52:54:00:AA:02:03") },
      new Map(),
    ),
  ).rejects.toThrow(/previously-imported resources/);
}, 60_000);

test("a state written by the dynamic resources moves to the native provider with no diff (aliases, __provider, timeouts)", async () => {
  // The old state, as fibrix-metal 0.1.0's pulumi.dynamic.Resource classes (retired) wrote it: type pulumi-nodejs:dynamic/fibrix:Region,
  // `__provider` (the serialized provider) in inputs and outputs, the hooks' own outputs.
  configureProvider(adminConfig(lab.r));
  // The dynamic hooks run in this process here (as the old provider did): their progress is not under test.
  const restoreSink = setProgressSink(() => undefined);
  cleanups.push(async () => setProgressSink(restoreSink));
  const providerText = LEGACY.region;
  const inputs = {
    name: "vic",
    dnsDomain: "vic.fibrix.example",
    createKeySeed: `${PROJECT}/${STACK}/Region/vic`,
  };
  const made = await regionHooks.create(inputs);
  const legacyType = "pulumi-nodejs:dynamic/fibrix:Region";
  const old: ResourceState = {
    urn: engine.urn(legacyType, "vic"),
    type: legacyType,
    name: "vic",
    id: made.id,
    inputs: { ...inputs, __provider: providerText },
    outputs: { ...(made.outs as PropertyMap), __provider: providerText },
  };
  states.set(old.urn, old);

  // step_generator.go providerChanged: from the nodejs dynamic provider to fibrix's default
  // one, the new provider's DiffConfig decides; it must not ask for a replacement.
  const providerUrn = engine.defaultProviderUrn(VERSION);
  const dc = await engine.diffConfig(
    providerUrn,
    {},
    {},
    { endpoint: lab.r.url, apiKey: ADMIN_KEY, version: VERSION },
  );
  expect(dc.replaces).toEqual([]);

  // The generated class's alias finds the old state: Check(olds = the old inputs) → Diff: none.
  const r = await engine.register(
    {
      type: T.region,
      name: "vic",
      properties: P({ name: "vic", dnsDomain: "vic.fibrix.example" }),
      aliases: [{ type: legacyType }],
    },
    states,
  );
  expect(r.op).toBe("same");
  expect(r.diff!.changes).toBe(DIFF.DIFF_NONE);
  expect(states.has(engine.urn(T.region, "vic"))).toBe(true);
  // The checked inputs carry the same create key seed the dynamic resource had.
  expect(plain(r.state.inputs).createKeySeed).toBe(inputs.createKeySeed);
  // A refresh under the new provider drops the serialized code from the state.
  const ref = await engine.refresh(r.state, states);
  expect(ref.gone).toBe(false);
  if (!ref.gone) {
    expect(plain(ref.state.outputs).__provider).toBeUndefined();
    expect(ref.diff.changes).toBe(DIFF.DIFF_NONE);
    await engine.destroy(ref.state, states);
  }

  // A Machine made by the dynamic class with customTimeouts: its `timeouts` input (the old
  // workaround), the password secret in inputs and outputs, `__provider` in both.
  const machineText = LEGACY.machine;
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  const mInputs = {
    ...plain(machineArgs("pe860-old", rackId, "52:54:00:aa:06:01", { tags: ["legacy"] })),
    timeouts: { create: 1200, delete: 600 },
    createKeySeed: `${PROJECT}/${STACK}/Machine/pe860-old`,
  };
  const mMade = await machineHooks.create(mInputs as never);
  const mLegacy = "pulumi-nodejs:dynamic/fibrix:Machine";
  const secretPower = (o: Record<string, unknown>) => ({ ...o, power: new Secret(o.power) });
  const oldMachine: ResourceState = {
    urn: engine.urn(mLegacy, "pe860-old"),
    type: mLegacy,
    name: "pe860-old",
    id: mMade.id,
    inputs: secretPower({ ...mInputs, __provider: machineText }),
    outputs: secretPower({ ...(mMade.outs as PropertyMap), __provider: machineText }),
    customTimeouts: { create: 1200, delete: 600 },
  };
  expect(plain(oldMachine.outputs).timeouts).toEqual({ create: 1200, delete: 600 });
  states.set(oldMachine.urn, oldMachine);
  const rm = await engine.register(
    {
      type: T.machine,
      name: "pe860-old",
      properties: machineArgs("pe860-old", rackId, "52:54:00:AA:06:01", { tags: ["legacy"] }),
      aliases: [{ type: mLegacy }],
      customTimeouts: { create: 1200, delete: 600 },
    },
    states,
  );
  expect(rm.op).toBe("same");
  expect(rm.diff!.changes).toBe(DIFF.DIFF_NONE);
  expect(plain(rm.state.inputs).timeouts).toBeUndefined();
  // The old outputs still carry the old timeouts; the engine's `timeout` bounds the delete now.
  await engine.destroy(rm.state, states);
  expect((await http(lab.r.api, "GET", `/machines/${mMade.id}`)).status).toBe(404);
}, 60_000);

test("pulumi destroy of machines in Deployed, Deploying and Rescue", async () => {
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  const deployed = await engine.register(
    {
      type: T.machine,
      name: "pe860-d1",
      properties: machineArgs("pe860-d1", rackId, "52:54:00:AA:03:01", { deploy: { image: "tiny" } }),
    },
    states,
  );
  expect(plain(deployed.state.outputs).status).toBe("Deployed");
  const rescued = await engine.register(
    {
      type: T.machine,
      name: "pe860-d2",
      properties: machineArgs("pe860-d2", rackId, "52:54:00:AA:03:02", { deploy: { image: "tiny" } }),
    },
    states,
  );
  ok(
    await http(lab.r.api, "POST", `/machines/${rescued.state.id}/actions/rescue`, {
      body: { reason: "test" },
    }),
  );
  expect((await waitStatus(rescued.state.id, "Rescue")).status).toBe("Rescue");
  // Deploying: the rack holds the deploy (it would be PXE-booting the machine).
  rack!.hold("pe860-d3", ["deploy"]);
  const deploying = await engine.register(
    { type: T.machine, name: "pe860-d3", properties: machineArgs("pe860-d3", rackId, "52:54:00:AA:03:03") },
    states,
  );
  // Given a deploy target and told to deploy by hand (the CLI), outside Pulumi.
  const d3 = (await http(lab.r.api, "GET", `/machines/${deploying.state.id}`)).body;
  ok(
    await http(lab.r.api, "PATCH", `/machines/${d3.id}`, {
      body: { deploy: { image: "tiny" } },
      headers: { "if-match": `"${d3.version}"` },
    }),
  );
  ok(
    await http(lab.r.api, "POST", `/machines/${deploying.state.id}/actions/deploy`, {
      body: { reason: "test" },
    }),
  );
  expect((await waitStatus(deploying.state.id, "Deploying")).status).toBe("Deploying");

  // `pulumi destroy`: DeleteStep for each (deployment_executor.go runs them in parallel).
  await Promise.all([deployed, rescued, deploying].map((x) => engine.destroy(x.state, states)));
  for (const x of [deployed, rescued, deploying]) {
    expect((await http(lab.r.api, "GET", `/machines/${x.state.id}`)).status).toBe(404);
  }
  rack!.letGo("pe860-d3");
}, 120_000);

test("customTimeouts reach Create/Update/Delete as `timeout` and bound them", async () => {
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  // Create with customTimeouts.create = 2 s against a deploy that never ends: fails in ≈ 2 s,
  // says why, and leaves nothing behind.
  rack!.hold("pe860-t1", ["deploy"]);
  let started = Date.now();
  await expect(
    engine.register(
      {
        type: T.machine,
        name: "pe860-t1",
        properties: machineArgs("pe860-t1", rackId, "52:54:00:AA:04:01", { deploy: { image: "tiny" } }),
        customTimeouts: { create: 2 },
      },
      states,
    ),
  ).rejects.toMatchObject({
    details: expect.stringMatching(/^create Machine pe860-t1: TIMEOUT: .*timed out after .*Deploying/),
  });
  const createMs = Date.now() - started;
  expect(createMs).toBeGreaterThanOrEqual(2_000);
  expect(createMs).toBeLessThan(7_000);
  expect(engine.calls.at(-1)).toMatchObject({ method: "create" });
  expect(await machineByHostname("pe860-t1")).toBeUndefined();
  rack!.letGo("pe860-t1");

  // Update with customTimeouts.update = 2 s: a new deploy target that never finishes deploying.
  const m = await engine.register(
    { type: T.machine, name: "pe860-t2", properties: machineArgs("pe860-t2", rackId, "52:54:00:AA:04:02") },
    states,
  );
  rack!.hold("pe860-t2", ["deploy"]);
  started = Date.now();
  await expect(
    engine.register(
      {
        type: T.machine,
        name: "pe860-t2",
        properties: machineArgs("pe860-t2", rackId, "52:54:00:AA:04:02", { deploy: { image: "tiny" } }),
        customTimeouts: { update: 2 },
      },
      states,
    ),
  ).rejects.toMatchObject({
    details: expect.stringMatching(/^update Machine pe860-t2: TIMEOUT: .*timed out after/),
  });
  expect(Date.now() - started).toBeLessThan(7_000);
  rack!.letGo("pe860-t2");
  await waitStatus(m.state.id, "Deployed");

  // Delete with customTimeouts.delete = 2 s: a release that never finishes.
  rack!.hold("pe860-t2", ["release"]);
  const s = { ...states.get(m.state.urn)!, customTimeouts: { delete: 2 } };
  started = Date.now();
  await expect(engine.destroy(s, states)).rejects.toMatchObject({
    details: expect.stringMatching(/^delete Machine pe860-t2: TIMEOUT: .*timed out after/),
  });
  expect(Date.now() - started).toBeLessThan(7_000);
  // A failed delete means the machine still exists, and the next destroy finishes the job.
  expect((await http(lab.r.api, "GET", `/machines/${m.state.id}`)).status).toBe(200);
  rack!.letGo("pe860-t2");
  await engine.destroy({ ...s, customTimeouts: { delete: 60 } }, states);
  expect((await http(lab.r.api, "GET", `/machines/${m.state.id}`)).status).toBe(404);
}, 120_000);

test("Cancel: a waiting Create answers CANCELLED at once, later changes are refused, the plugin ends on the engine's SIGINT", async () => {
  const rackId = states.get(engine.urn(T.rack, "rack-up"))!.id;
  const second = await startEngineOnPlugin();
  cleanups.push(() => second.plugin.close());
  rack!.hold("pe860-c1", ["deploy"]);
  const urn = second.engine.urn(T.machine, "pe860-c1");
  const checked = await second.engine.check(
    urn,
    undefined,
    machineArgs("pe860-c1", rackId, "52:54:00:AA:05:01", { deploy: { image: "tiny" } }),
    false,
  );
  const creating = second.engine.create(urn, checked.inputs, 0, false);
  creating.catch(() => undefined);
  const m = await (async () => {
    for (let i = 0; i < 100; i++) {
      const x = await machineByHostname("pe860-c1");
      if (x?.status === "Deploying") return x;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("pe860-c1 never reached Deploying");
  })();
  const started = Date.now();
  await second.engine.cancel();
  await expect(creating).rejects.toMatchObject({
    code: grpc.status.CANCELLED,
    details: expect.stringMatching(/cancelled by the engine/),
  });
  expect(Date.now() - started).toBeLessThan(1_000);
  await expect(
    second.engine.create(second.engine.urn(T.machine, "x"), checked.inputs, 0, false),
  ).rejects.toMatchObject({
    code: grpc.status.CANCELLED,
  });
  // plugin.go Kill: SIGINT, SIGKILL after 5 s.
  const closing = Date.now();
  expect(await second.plugin.close()).toBe(0);
  expect(Date.now() - closing).toBeLessThan(5_000);
  second.engine.close();
  // What the cancelled create left: adopted by id and destroyed with the main plugin.
  rack!.letGo("pe860-c1");
  const adopted = await engine.importPlanned(T.machine, "pe860-c1", m.id, states);
  await engine.destroy({ ...adopted.state, customTimeouts: { delete: 60 } }, states);
  expect((await http(lab.r.api, "GET", `/machines/${m.id}`)).status).toBe(404);
}, 120_000);

test("Invoke: getRegions, getPools, getImages (one list call each)", async () => {
  const regions = await engine.invoke("fibrix:index:getRegions", { name: "besalu" });
  expect(plain(regions.ret).regions.map((r: any) => r.name)).toEqual(["besalu"]);
  const pools = await engine.invoke("fibrix:index:getPools", {});
  expect(plain(pools.ret).pools.map((p: any) => p.name)).toEqual(expect.arrayContaining(["gold", "silver2"]));
  const images = await engine.invoke("fibrix:index:getImages", {});
  expect(plain(images.ret).names).toEqual(vmsUnavailable ? [] : ["tiny"]);
  expect((await engine.invoke("fibrix:index:getPools", { name: 3 })).failures).toEqual([
    { property: "name", reason: "must be a string" },
  ]);
});

test("Tier 3: three VMs in three regions (one per region, spread: region), up then destroy", async () => {
  if (vmsUnavailable) throw new Error(vmsUnavailable);
  // Two more regions, each with a rack agent and a VM host on the lab's libvirtd: the allocator
  // must place one replica per region.
  const host = (await http(lab.r.api, "GET", `/machines/${lab.hostId}`)).body;
  const agents: RackAgent[] = [];
  for (const [i, name] of ["figueres", "olot"].entries()) {
    const regionId = ok(
      await http(lab.r.api, "POST", "/regions", { body: { name, dnsDomain: `${name}.fibrix.example` } }),
    ).id;
    const rk = ok(
      await http(lab.r.api, "POST", "/racks", {
        body: {
          name: `rack-kvm-${name}`,
          regionId,
          subnet: `10.5${i}.0.0/24`,
          dhcpRange: { start: `10.5${i}.0.100`, end: `10.5${i}.0.200` },
        },
      }),
    );
    await addVmHost(lab.r, {
      rackId: rk.id,
      poolId: lab.vmPoolId,
      hostname: `kvm-${name}`,
      mac: `52:54:00:40:0${i + 2}:01`,
      uri: host.vmHostConfig.uri,
      storagePool: host.vmHostConfig.storagePool,
    });
    const agent = new RackAgent({
      region: lab.r.url,
      token: rk.enrollmentToken,
      claimWaitMs: 300,
      log: pino({ level: "silent" }),
      // Its own name prefix: a host's reconcile never sees the other agents' domains.
      deps: defaultDeps(`fxn${i}${process.pid}-`, { vmStopTimeoutMs: 2_000 }),
    });
    await agent.start();
    agents.push(agent);
  }
  cleanups.push(async () => {
    for (const a of agents) await a.stop();
  });

  const vm = (name: string): Goal => ({
    type: T.vm,
    name,
    properties: P({
      name,
      tenantId: lab.tenantId,
      poolId: lab.vmPoolId,
      image: "tiny",
      cores: 1,
      memoryMiB: 128,
      diskGiB: 1,
      antiAffinityGroup: "web-tier3",
      spread: "region",
      userData: "#cloud-config\n",
    }),
    customTimeouts: { create: 600, delete: 300 },
  });
  const names = ["web-a", "web-b", "web-c"];
  // The preview first: nothing is placed.
  for (const n of names) expect((await engine.register(vm(n), new Map(), true)).op).toBe("create");
  // `pulumi up`: the three creates run in parallel (deployment_executor.go).
  const made = await Promise.all(names.map((n) => engine.register(vm(n), states)));
  const outs = made.map((m) => plain(m.state.outputs));
  for (const o of outs) expect(o.status).toBe("Running");
  expect(new Set(outs.map((o) => o.regionId)).size).toBe(3);
  expect(outs.map((o) => o.fqdn.split(".").slice(1, 2)[0]).sort()).toEqual(["figueres", "girona", "olot"]);
  // A second up: no changes.
  for (const n of names) expect((await engine.register(vm(n), states)).op).toBe("same");
  await Promise.all(made.map((m) => engine.destroy(m.state, states)));
  for (const m of made) expect((await http(lab.r.api, "GET", `/vms/${m.state.id}`)).status).toBe(404);
}, 600_000);

test("pulumi destroy of the rest, in reverse dependency order", async () => {
  const order = [T.machine, T.pool, T.rack, T.region];
  const mine = [...states.values()].filter((s) => order.includes(s.type));
  for (const t of order) {
    await Promise.all(
      mine
        .filter((s) => s.type === t)
        .map((s) => engine.destroy({ ...s, customTimeouts: { delete: 120 } }, states)),
    );
  }
  expect((await http(lab.r.api, "GET", "/regions")).body.items.map((r: any) => r.name)).not.toContain(
    "besalu",
  );
}, 180_000);

// UNKNOWN_STRING is what the harness sends for Unknown (rpc.go UnknownStringValue).
void UNKNOWN_STRING;
void execFileSync;
