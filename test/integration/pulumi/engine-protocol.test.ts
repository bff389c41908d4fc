/**
 * The resources under the real Pulumi dynamic-provider plugin, driven over gRPC exactly as the
 * engine drives it during `pulumi up` / `refresh` / `import` / `destroy`: the plugin shipped in
 * @pulumi/pulumi/cmd/dynamic-provider is started as its own process, a small Engine service on
 * 127.0.0.1 receives its logs, and each call carries the provider serialized the way the SDK
 * serializes it into the state (`__provider`). Proves the serialized providers load and run in
 * a separate process, read their settings from the stack config (Configure), log progress to
 * the engine, and map check failures and errors onto the protocol.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { machineProvider } from "../../../provider/pulumi/machine";
import { virtualMachineProvider } from "../../../provider/pulumi/virtual-machine";
import { ADMIN_KEY, http, type PulumiLab, startPulumiLab } from "./lab-fixture";

const ROOT = join(__dirname, "../../..");
let lab: PulumiLab;
let plugin: ChildProcess;
let engine: grpc.Server;
let client: any;
const engineLogs: string[] = [];
const texts: Record<string, string> = {};

/** The fake engine: records Log calls; the rest answers as an engine with no root resource. */
async function startEngine(): Promise<number> {
  engine = new grpc.Server();
  engine.addService(engrpc.EngineService, {
    log: (call: any, cb: any) => {
      engineLogs.push(call.request.getMessage());
      cb(null, new emptyproto.Empty());
    },
    getRootResource: (_call: any, cb: any) => cb({ code: grpc.status.UNIMPLEMENTED }),
    setRootResource: (_call: any, cb: any) => cb({ code: grpc.status.UNIMPLEMENTED }),
    startDebugging: (_call: any, cb: any) => cb({ code: grpc.status.UNIMPLEMENTED }),
    requirePulumiVersion: (_call: any, cb: any) => cb({ code: grpc.status.UNIMPLEMENTED }),
  } as any);
  return new Promise((resolve, reject) =>
    engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
}

async function startPlugin(enginePort: number): Promise<number> {
  plugin = spawn(
    process.execPath,
    [
      "-r",
      join(__dirname, "ts-require-hook.cjs"),
      join(ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"),
      `127.0.0.1:${enginePort}`,
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PULUMI_NODEJS_ENGINE: `127.0.0.1:${enginePort}`,
        PULUMI_NODEJS_PROJECT: "fibrix-engine-test",
        PULUMI_NODEJS_STACK: "dev",
        // No FIBRIX_* here: the settings must come from Configure.
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  plugin.stderr!.on("data", (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`plugin printed no port: ${out} ${err}`)), 30_000);
    plugin.stdout!.on("data", (d) => {
      out += String(d);
      const m = out.match(/^(\d+)\n/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    plugin.on("exit", (code) => reject(new Error(`plugin exited ${code}: ${err}`)));
  });
}

/**
 * The engine's log once it shows `re`: the provider's Log calls are fire-and-forget, so they may
 * reach the engine after the Create answer (bounded wait).
 */
async function engineLog(re: RegExp, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  while (!re.test(engineLogs.join("\n")) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return engineLogs.join("\n");
}

const struct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o as any);
const rpc = <T>(method: string, req: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](req, (e: grpc.ServiceError | null, res: T) => (e ? reject(e) : resolve(res))),
  );
const urn = (type: string, name: string) =>
  `urn:pulumi:dev::fibrix-engine-test::pulumi-nodejs:dynamic/fibrix:${type}::${name}`;

async function check(type: string, name: string, news: Record<string, unknown>, olds = {}) {
  const req = new provproto.CheckRequest();
  req.setUrn(urn(type, name));
  req.setOlds(struct(olds));
  req.setNews(struct({ ...news, __provider: texts[type] }));
  const res = await rpc<provproto.CheckResponse>("check", req);
  return {
    inputs: res.getInputs()!.toJavaScript(),
    failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
  };
}
async function diff(type: string, name: string, id: string, olds: object, news: object) {
  const req = new provproto.DiffRequest();
  req.setUrn(urn(type, name));
  req.setId(id);
  req.setOlds(struct(olds as Record<string, unknown>));
  req.setNews(struct(news as Record<string, unknown>));
  const res = await rpc<provproto.DiffResponse>("diff", req);
  return { changes: res.getChanges(), replaces: res.getReplacesList(), dbr: res.getDeletebeforereplace() };
}
async function create(type: string, name: string, inputs: Record<string, unknown>) {
  const req = new provproto.CreateRequest();
  req.setUrn(urn(type, name));
  req.setProperties(struct(inputs));
  req.setTimeout(300);
  const res = await rpc<provproto.CreateResponse>("create", req);
  return { id: res.getId(), outs: res.getProperties()!.toJavaScript() as Record<string, any> };
}
async function read(type: string, name: string, id: string, props: Record<string, unknown>) {
  const req = new provproto.ReadRequest();
  req.setUrn(urn(type, name));
  req.setId(id);
  req.setProperties(struct(props));
  const res = await rpc<provproto.ReadResponse>("read", req);
  return {
    id: res.getId(),
    props: res.getProperties()!.toJavaScript() as Record<string, any>,
    inputs: res.getInputs()?.toJavaScript() as Record<string, any>,
  };
}
async function update(type: string, name: string, id: string, olds: object, news: object) {
  const req = new provproto.UpdateRequest();
  req.setUrn(urn(type, name));
  req.setId(id);
  req.setOlds(struct(olds as Record<string, unknown>));
  req.setNews(struct(news as Record<string, unknown>));
  const res = await rpc<provproto.UpdateResponse>("update", req);
  return res.getProperties()!.toJavaScript() as Record<string, any>;
}
async function del(type: string, name: string, id: string, props: object) {
  const req = new provproto.DeleteRequest();
  req.setUrn(urn(type, name));
  req.setId(id);
  req.setProperties(struct(props as Record<string, unknown>));
  await rpc("delete", req);
}

beforeAll(async () => {
  lab = await startPulumiLab(`fxe${process.pid}-`, { vms: true });
  // Serialized exactly as pulumi.dynamic.Resource does it (dynamic/index.js serializeProvider).
  for (const [type, p] of [
    ["Machine", machineProvider],
    ["VirtualMachine", virtualMachineProvider],
  ] as const) {
    texts[type] = (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true })).text;
  }
  const port = await startPlugin(await startEngine());
  client = new (provrpc as any).ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
}, 180_000);
afterAll(async () => {
  client?.close();
  if (plugin && plugin.exitCode === null) {
    const exited = new Promise((r) => plugin.once("exit", r));
    process.kill(plugin.pid!, "SIGTERM");
    await exited;
  }
  engine?.forceShutdown();
  await lab?.stop();
});

test("the serialized providers carry no secrets and no SDK: only paths and require", () => {
  for (const text of Object.values(texts)) {
    expect(text.length).toBeLessThan(8000);
    expect(text).toContain("require(modulePath)");
    expect(text).not.toContain(ADMIN_KEY);
    expect(text).not.toMatch(/axios|FibrixClient/);
  }
});

test("CheckConfig is left to the engine; Configure hands the provider the stack config", async () => {
  await expect(rpc("checkConfig", new provproto.CheckRequest())).rejects.toMatchObject({
    code: grpc.status.UNIMPLEMENTED,
  });
  const req = new provproto.ConfigureRequest();
  req.setArgs(struct({ "fibrix:endpoint": lab.r.url, "fibrix:apiKey": ADMIN_KEY }));
  const res = await rpc<provproto.ConfigureResponse>("configure", req);
  expect(res.getAcceptsecrets()).toBe(false);
});

test("Machine: Check (failures named) → Create (progress to the engine) → Read/import → Diff → Update → Delete", async () => {
  const bad = await check("Machine", "pe860-x", {
    hostname: "pe860-x",
    rackId: lab.bmcRackId,
    macs: ["not-a-mac"],
    power: { type: "ipmi", address: "127.0.0.1", user: "root" },
  });
  expect(bad.failures).toEqual(
    expect.arrayContaining([
      { property: "macs[0]", reason: expect.stringMatching(/MAC address/) },
      { property: "power.password", reason: expect.stringMatching(/required/) },
    ]),
  );

  const news = {
    hostname: "pe860-e1",
    rackId: lab.bmcRackId,
    macs: ["52:54:00:EE:00:01"],
    power: { type: "ipmi", address: "127.0.0.1", port: 9623, user: "root", password: "calvin" },
    timeoutSeconds: 60,
    createKeySeed: "fibrix-engine-test/dev/Machine/pe860-e1",
  };
  const checked = await check("Machine", "pe860-e1", news);
  expect(checked.failures).toEqual([]);
  expect(checked.inputs.macs).toEqual(["52:54:00:ee:00:01"]);
  const { id, outs } = await create("Machine", "pe860-e1", checked.inputs);
  expect(id).toMatch(/^mch_/);
  expect(outs).toMatchObject({ status: "Ready", hostname: "pe860-e1", __provider: texts.Machine });
  const enlisted = /Machine pe860-e1: enlisted as mch_\w+, Commissioning/;
  expect(await engineLog(enlisted)).toMatch(enlisted);

  // pulumi import: Read with only the provider.
  const imported = await read("Machine", "pe860-e1", id, { __provider: texts.Machine });
  expect(imported.inputs).toMatchObject({
    hostname: "pe860-e1",
    rackId: lab.bmcRackId,
    macs: ["52:54:00:ee:00:01"],
  });
  expect(imported.props.status).toBe("Ready");

  const news2 = { ...checked.inputs, tags: ["girona"] };
  expect(await diff("Machine", "pe860-e1", id, outs, news2)).toMatchObject({
    changes: provproto.DiffResponse.DiffChanges.DIFF_SOME,
    replaces: [],
  });
  expect(await diff("Machine", "pe860-e1", id, outs, { ...news2, macs: ["52:54:00:ee:00:02"] })).toEqual({
    changes: provproto.DiffResponse.DiffChanges.DIFF_SOME,
    replaces: ["macs"],
    dbr: true,
  });
  const updated = await update("Machine", "pe860-e1", id, outs, news2);
  expect(updated.tags).toEqual(["girona"]);

  await del("Machine", "pe860-e1", id, updated);
  expect((await http(lab.r.api, "GET", `/machines/${id}`)).status).toBe(404);
}, 120_000);

test("VirtualMachine: Create waits for Running → Read → Update → Delete; a refused create is a gRPC error", async () => {
  const news = {
    name: "app-1",
    tenantId: lab.tenantId,
    poolId: lab.vmPoolId,
    image: "tiny",
    cores: 1,
    memoryMiB: 128,
    diskGiB: 1,
    timeoutSeconds: 120,
    createKeySeed: "fibrix-engine-test/dev/VirtualMachine/app-1",
  };
  const checked = await check("VirtualMachine", "app-1", news);
  expect(checked.failures).toEqual([]);
  const { id, outs } = await create("VirtualMachine", "app-1", checked.inputs);
  expect(outs).toMatchObject({ status: "Running", fqdn: "app-1.girona.fibrix.example", hostId: lab.hostId });
  expect(await engineLog(/VirtualMachine app-1: Creating/)).toMatch(/VirtualMachine app-1: Creating/);

  const r = await read("VirtualMachine", "app-1", id, outs);
  expect(r.props).toMatchObject({ status: "Running", cores: 1 });
  const updated = await update("VirtualMachine", "app-1", id, r.props, { ...checked.inputs, cores: 2 });
  expect(updated).toMatchObject({ status: "Running", cores: 2 });

  await del("VirtualMachine", "app-1", id, updated);
  expect((await http(lab.r.api, "GET", `/vms/${id}`)).status).toBe(404);

  await expect(
    create("VirtualMachine", "huge-1", { ...checked.inputs, name: "huge-1", cores: 64, memoryMiB: 262144 }),
  ).rejects.toMatchObject({ details: expect.stringMatching(/create VirtualMachine huge-1: NO_CAPACITY/) });
}, 240_000);
