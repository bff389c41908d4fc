/**
 * bench/pulumi-provider — the native Pulumi plugin against its design targets (design.md
 * "Targets"): Check + Diff < 1 ms per resource on a 1 000-resource plan; import = one API call.
 *
 * The plugin runs as the engine runs it (bin/pulumi-resource-fibrix ENGINE_ADDRESS, the port
 * read from its first stdout line), with FIBRIX_PLUGIN_TIMING=1 so each answer carries the time
 * spent in its handler (trailer `fibrix-handler-us`): the provider's own time is measured on the
 * server side, the RPC round trip on the client side. The plan mixes the five resource types
 * (80 % unchanged, 15 % updated in place, 5 % replaced), as a `pulumi preview` of a stack sends
 * them: Check(olds, news) then Diff(olds = old outputs, news = checked inputs, oldInputs).
 *
 * Read by id: a region process (127.0.0.1) behind a counting proxy; each Read (an import's,
 * with the id alone, and a refresh's, with the state) must be one request to the region.
 *
 * Run: `npm run build && node dist/bench/pulumi-provider.js [--resources 1000] [--concurrency 10] [--json]`
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { positiveArg } from "./args";

const ADMIN_KEY = "fbx_bench_admin_key_0123456789abcdef";
const ROOT = join(__dirname, "../..");
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
/** Every child this bench starts, killed on the way out whatever happens. */
const children = new Set<ChildProcess>();

export interface ProviderBenchOptions {
  resources?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface ProviderBenchResult {
  resources: number;
  /** Handler time of Check + Diff, per resource (µs): the provider's own cost. */
  serverPerResourceUs: { mean: number; p50: number; p99: number };
  /** Client-observed Check + Diff round trips, per resource (µs), one at a time. */
  rpcPerResourceUs: { mean: number; p50: number; p99: number };
  /** The whole plan with `concurrency` resources in flight, as the engine runs steps in parallel. */
  concurrentPlanMs: number;
  concurrency: number;
  /** The first Check of each type (ajv compiles its validator then): excluded from the above. */
  coldFirstCheckUs: number;
  changes: { none: number; update: number; replace: number };
  /** Region requests per Read, by kind and type (target 1). */
  readRequests: Record<string, number>;
  targets: { serverPerResourceUsBelow: number; readRequests: number };
  pass: boolean;
}

const struct = (o: Record<string, unknown>) =>
  structproto.Struct.fromJavaScript(o as Record<string, structproto.JavaScriptValue>);

function stats(xs: number[]): { mean: number; p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { mean: Math.round(mean), p50: Math.round(at(0.5)), p99: Math.round(at(0.99)) };
}

/** One resource of the plan: its old inputs and outputs, and what the program now declares. */
interface Planned {
  type: string;
  name: string;
  id: string;
  oldInputs: Record<string, unknown>;
  oldOutputs: Record<string, unknown>;
  news: Record<string, unknown>;
  change: "none" | "update" | "replace";
}

const META = (i: number) => ({
  version: 3,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: `2026-01-02T00:00:${String(i % 60).padStart(2, "0")}.000Z`,
});
const hex = (i: number) => i.toString(16).padStart(16, "0");

function planned(i: number): Planned {
  const kind = i % 5;
  const change: Planned["change"] = i % 20 === 0 ? "replace" : i % 20 < 4 ? "update" : "none";
  let type: string;
  let id: string;
  let inputs: Record<string, unknown>;
  let computed: Record<string, unknown>;
  switch (kind) {
    case 0:
      type = "Region";
      id = `rgn_${hex(i)}`;
      inputs = { name: `site-${i}`, dnsDomain: `site-${i}.fibrix.example`, description: "a site" };
      computed = { dnsTtl: 300, nameservers: [`ns1.site-${i}.fibrix.example`] };
      break;
    case 1:
      type = "Rack";
      id = `rck_${hex(i)}`;
      inputs = {
        name: `rack-${i}`,
        regionId: `rgn_${hex(i - 1)}`,
        subnet: `10.${i % 250}.${Math.floor(i / 250)}.0/24`,
        dhcpRange: {
          start: `10.${i % 250}.${Math.floor(i / 250)}.100`,
          end: `10.${i % 250}.${Math.floor(i / 250)}.200`,
        },
        description: "",
      };
      computed = {
        fabricId: null,
        gateway: null,
        status: "Online",
        lastHeartbeat: "2026-01-02T00:00:00.000Z",
        enrollmentToken: "fbr_x",
      };
      break;
    case 2:
      type = "Machine";
      id = `mch_${hex(i)}`;
      inputs = {
        hostname: `pe860-${i}`,
        rackId: `rck_${hex(i - 1)}`,
        macs: [`52:54:00:${hex(i).slice(10, 12)}:${hex(i).slice(12, 14)}:${hex(i).slice(14, 16)}`],
        power: {
          type: "ipmi",
          address: `10.1.${i % 250}.${i % 200}`,
          user: "root",
          password: "calvin",
          authType: "md5",
        },
        tags: ["girona", "pe860"],
      };
      computed = {
        fqdn: `pe860-${i}.girona.fibrix.example`,
        regionId: "rgn_0000000000000000",
        poolId: null,
        description: "",
        deploy: null,
        vmHost: false,
        vmHostConfig: null,
        status: "Ready",
        statusReason: "commissioned",
        powerState: "off",
        powerError: null,
        inventory: {
          cores: 2,
          memoryMiB: 8192,
          storage: [{ name: "sda", sizeGiB: 250 }],
          nics: [{ name: "eth0", mac: "52:54:00:00:00:00" }],
        },
        health: { status: "ok", checkedAt: null, reasons: [] },
        ip: null,
      };
      break;
    case 3:
      type = "VirtualMachine";
      id = `vm_${hex(i)}`;
      inputs = {
        name: `web-${i}`,
        poolId: "pool_0000000000000001",
        image: "ubuntu-24.04",
        cores: 2,
        memoryMiB: 2048,
        diskGiB: 40,
        antiAffinityGroup: "web",
        spread: "region",
      };
      computed = {
        tenantId: "ten_0000000000000001",
        hostId: "mch_0000000000000001",
        regionId: "rgn_0000000000000001",
        description: "",
        powerState: "on",
        status: "Running",
        statusReason: "",
        ip: "10.20.0.7",
        fqdn: `web-${i}.girona.fibrix.example`,
        lastSeen: null,
      };
      break;
    default:
      type = "Pool";
      id = `pool_${hex(i)}`;
      inputs = {
        name: `pool-${i}`,
        description: "",
        cpuOvercommit: 4,
        memoryOvercommit: 1,
        tenants: ["ten_0000000000000001"],
      };
      computed = {
        capacity: { cores: 8, memoryMiB: 32768, diskGiB: 1000 },
        used: { cores: 0, memoryMiB: 0, diskGiB: 0 },
        hosts: 2,
      };
  }
  const createKeySeed = `bench/dev/${type}/${type.toLowerCase()}-${i}`;
  const oldInputs: Record<string, unknown> = { ...inputs, createKeySeed };
  const oldOutputs: Record<string, unknown> = { ...computed, ...inputs, ...META(i), createKeySeed };
  const news: Record<string, unknown> = { ...inputs };
  if (change === "update") {
    if (type === "VirtualMachine") news.cores = 4;
    else if (type === "Machine") news.tags = ["girona"];
    else if (type === "Rack") news.description = "moved";
    else news.description = "updated";
  } else if (change === "replace") {
    if (type === "Machine") news.macs = ["52:54:00:ff:ff:ff"];
    else if (type === "VirtualMachine") news.image = "debian-12";
    else if (type === "Rack") news.subnet = "10.255.255.0/24";
    else news.name = `${String(inputs.name)}-new`;
  }
  // Secrets as the engine sends them (the power block and the token are secret in a state).
  if (type === "Machine") {
    const p = inputs.power;
    oldInputs.power = { ...SECRET, value: p };
    oldOutputs.power = { ...SECRET, value: p };
    news.power = { ...SECRET, value: news.power };
  }
  if (type === "Rack") oldOutputs.enrollmentToken = { ...SECRET, value: "fbr_x" };
  return { type, name: `${type.toLowerCase()}-${i}`, id, oldInputs, oldOutputs, news, change };
}

/** A unary call's answer and the server's handler time from the trailer. */
function timed<T>(
  client: provrpc.ResourceProviderClient,
  method: string,
  req: unknown,
): Promise<{ res: T; serverUs: number; rpcUs: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let res: T | undefined;
    let serverUs: number | undefined;
    const settle = () => {
      if (res !== undefined && serverUs !== undefined) {
        resolve({ res, serverUs, rpcUs: Number((process.hrtime.bigint() - started) / 1000n) });
      }
    };
    const call = (
      client as unknown as Record<
        string,
        (r: unknown, cb: (e: grpc.ServiceError | null, r: T) => void) => grpc.ClientUnaryCall
      >
    )[method]!.call(client, req, (e, r) => {
      if (e) reject(new Error(`${method}: ${e.details}`));
      else {
        res = r;
        settle();
      }
    });
    call.on("status", (s: grpc.StatusObject) => {
      serverUs = Number(s.metadata.get("fibrix-handler-us")[0] ?? Number.NaN);
      settle();
    });
  });
}

async function startEngine(): Promise<{ address: string; server: grpc.Server }> {
  const server = new grpc.Server();
  const none = (_c: unknown, cb: grpc.sendUnaryData<emptyproto.Empty>) =>
    cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(engrpc.EngineService, {
    log: (_c: unknown, cb: grpc.sendUnaryData<emptyproto.Empty>) => cb(null, new emptyproto.Empty()),
    getRootResource: none,
    setRootResource: none,
    startDebugging: none,
    requirePulumiVersion: none,
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { address: `127.0.0.1:${port}`, server };
}

function startChild(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const t = setTimeout(() => reject(new Error(`${cmd} did not start: ${out} ${err}`)), 60_000);
    child.stderr!.on("data", (d) => {
      err += String(d);
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`${cmd} exited (${code}): ${out} ${err}`));
    });
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = out.match(ready);
      if (m) {
        clearTimeout(t);
        resolve({ child, match: m });
      }
    });
  });
}

/** A proxy on 127.0.0.1 in front of the region that counts the requests it forwards. */
function countingProxy(target: URL): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, count: () => n, server });
    }),
  );
}

async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

export async function run(options: ProviderBenchOptions = {}): Promise<ProviderBenchResult> {
  const resources = Math.max(5, Math.min(Math.floor(options.resources ?? 1000), 20_000));
  const concurrency = Math.max(1, Math.min(Math.floor(options.concurrency ?? 10), 64));
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), "fibrix-bench-pulumi-"));
  const engine = await startEngine();
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  let client: provrpc.ResourceProviderClient | undefined;
  try {
    const region = await startChild(
      process.execPath,
      [
        join(ROOT, "bin/fibrix.js"),
        "region",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data",
        dataDir,
        "--dns-port",
        "0",
      ],
      { ...process.env, FIBRIX_ADMIN_KEY: ADMIN_KEY, FIBRIX_LOG_LEVEL: "warn" },
      /listening on (http:\/\/[0-9.:]+)/,
    );
    const regionUrl = new URL(region.match[1]!);
    if (!regionUrl.hostname.startsWith("127.")) throw new Error(`loopback only, got ${regionUrl.href}`);
    proxy = await countingProxy(regionUrl);

    const plugin = await startChild(
      join(ROOT, "bin/pulumi-resource-fibrix"),
      [engine.address],
      { PATH: process.env.PATH, HOME: process.env.HOME, FIBRIX_PLUGIN_TIMING: "1" },
      /^(\d+)\n/,
    );
    client = new provrpc.ResourceProviderClient(
      `127.0.0.1:${plugin.match[1]}`,
      grpc.credentials.createInsecure(),
    );
    const hs = new provproto.ProviderHandshakeRequest();
    hs.setEngineAddress(engine.address);
    await timed(client, "handshake", hs);
    const cfg = new provproto.ConfigureRequest();
    cfg.setArgs(struct({ endpoint: proxy.url, apiKey: { ...SECRET, value: ADMIN_KEY } }));
    await timed(client, "configure", cfg);

    // --- Check + Diff of the plan ---------------------------------------------------------
    const plan = Array.from({ length: resources }, (_, i) => planned(i));
    const urn = (p: Planned) => `urn:pulumi:dev::bench::fibrix:index:${p.type}::${p.name}`;
    const checkReq = (p: Planned) => {
      const r = new provproto.CheckRequest();
      r.setUrn(urn(p));
      r.setName(p.name);
      r.setType(`fibrix:index:${p.type}`);
      r.setOlds(struct(p.oldInputs));
      r.setNews(struct(p.news));
      r.setRandomseed(new Uint8Array(32));
      return r;
    };
    const diffReq = (p: Planned, checked: structproto.Struct) => {
      const r = new provproto.DiffRequest();
      r.setId(p.id);
      r.setUrn(urn(p));
      r.setName(p.name);
      r.setType(`fibrix:index:${p.type}`);
      r.setOldInputs(struct(p.oldInputs));
      r.setOlds(struct(p.oldOutputs));
      r.setNews(checked);
      return r;
    };
    const one = async (p: Planned) => {
      const c = await timed<provproto.CheckResponse>(client!, "check", checkReq(p));
      if (c.res.getFailuresList().length > 0) {
        throw new Error(
          `${p.name}: ${c.res
            .getFailuresList()
            .map((f) => `${f.getProperty()}: ${f.getReason()}`)
            .join("; ")}`,
        );
      }
      const d = await timed<provproto.DiffResponse>(client!, "diff", diffReq(p, c.res.getInputs()!));
      return { c, d };
    };
    // Warm-up: the first Check of each type compiles its validator.
    const cold: number[] = [];
    for (const p of plan.slice(0, 5)) cold.push((await one(p)).c.serverUs);
    const server: number[] = [];
    const rpc: number[] = [];
    const seen = { none: 0, update: 0, replace: 0 };
    for (const p of plan) {
      const { c, d } = await one(p);
      server.push(c.serverUs + d.serverUs);
      rpc.push(c.rpcUs + d.rpcUs);
      const changes = d.res.getChanges() === provproto.DiffResponse.DiffChanges.DIFF_SOME;
      const kind = !changes ? "none" : d.res.getReplacesList().length > 0 ? "replace" : "update";
      seen[kind]++;
      if (kind !== p.change) throw new Error(`${p.name}: expected ${p.change}, the provider said ${kind}`);
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < plan.length) await one(plan[next++]!);
      }),
    );
    const concurrentPlanMs = Math.round(performance.now() - t0);
    const serverPerResourceUs = stats(server);
    const rpcPerResourceUs = stats(rpc);
    log(
      `plan: ${resources} resources (${seen.none} unchanged, ${seen.update} updated, ${seen.replace} replaced)`,
    );
    log(
      `Check + Diff, provider time per resource (server side): mean ${serverPerResourceUs.mean} µs, p50 ${serverPerResourceUs.p50} µs, p99 ${serverPerResourceUs.p99} µs (target < 1000 µs)`,
    );
    log(
      `Check + Diff, RPC round trips per resource (client side, one at a time): mean ${rpcPerResourceUs.mean} µs, p50 ${rpcPerResourceUs.p50} µs, p99 ${rpcPerResourceUs.p99} µs`,
    );
    log(
      `the whole plan with ${concurrency} in flight: ${concurrentPlanMs} ms (${((concurrentPlanMs * 1000) / resources).toFixed(0)} µs per resource)`,
    );
    log(`first Check (validator compile): ${Math.max(...cold)} µs`);

    // --- Read by id: one region request ----------------------------------------------------
    const regionId = String(
      (
        await api(regionUrl.href.replace(/\/$/, ""), "POST", "/regions", {
          name: "bench",
          dnsDomain: "bench.fibrix.example",
        })
      ).id,
    );
    const base = regionUrl.href.replace(/\/$/, "");
    const rack = await api(base, "POST", "/racks", {
      name: "bench-rack",
      regionId,
      subnet: "10.64.0.0/16",
      dhcpRange: { start: "10.64.1.1", end: "10.64.1.200" },
    });
    const machine = await api(base, "POST", "/machines", {
      hostname: "pe860-bench",
      rackId: rack.id,
      macs: ["52:54:00:be:00:01"],
      power: { type: "ipmi", address: "127.0.0.1", user: "root", password: "calvin" },
      commission: false,
    });
    const pool = await api(base, "POST", "/pools", { name: "bench-pool" });
    const readRequests: Record<string, number> = {};
    for (const [type, id, name] of [
      ["Region", regionId, "bench"],
      ["Rack", String(rack.id), "bench-rack"],
      ["Machine", String(machine.id), "pe860-bench"],
      ["Pool", String(pool.id), "bench-pool"],
    ] as const) {
      // An import's Read (step.go ImportStep): the id alone.
      const before = proxy.count();
      const req = new provproto.ReadRequest();
      req.setId(id);
      req.setUrn(`urn:pulumi:dev::bench::fibrix:index:${type}::${name}`);
      req.setName(name);
      req.setType(`fibrix:index:${type}`);
      const read = await timed<provproto.ReadResponse>(client, "read", req);
      readRequests[`import ${type}`] = proxy.count() - before;
      // A refresh's Read (step.go RefreshStep): with the state it had.
      const before2 = proxy.count();
      req.setProperties(read.res.getProperties()!);
      req.setInputs(read.res.getInputs()!);
      await timed(client, "read", req);
      readRequests[`refresh ${type}`] = proxy.count() - before2;
    }
    log(
      `region requests per Read: ${Object.entries(readRequests)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} (target 1)`,
    );

    const targets = { serverPerResourceUsBelow: 1000, readRequests: 1 };
    return {
      resources,
      serverPerResourceUs,
      rpcPerResourceUs,
      concurrentPlanMs,
      concurrency,
      coldFirstCheckUs: Math.max(...cold),
      changes: seen,
      readRequests,
      targets,
      pass:
        serverPerResourceUs.mean < targets.serverPerResourceUsBelow &&
        Object.values(readRequests).every((n) => n === targets.readRequests),
    };
  } finally {
    client?.close();
    proxy?.server.close();
    engine.server.forceShutdown();
    for (const c of children) c.kill("SIGTERM");
    const hard = setTimeout(() => {
      for (const c of children) c.kill("SIGKILL");
    }, 10_000);
    while (children.size > 0) await new Promise((r) => setTimeout(r, 50));
    clearTimeout(hard);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  // No child outlives the bench: a signal or a 10-minute limit kills them and exits.
  const bail = () => {
    for (const c of children) c.kill("SIGKILL");
    process.exit(1);
  };
  process.once("SIGINT", bail);
  process.once("SIGTERM", bail);
  const limit = setTimeout(bail, 10 * 60_000);
  const r = await run({
    resources: positiveArg("resources", 1000),
    concurrency: positiveArg("concurrency", 10),
    ...(json ? {} : { log: (line: string) => console.log(line) }),
  });
  clearTimeout(limit);
  if (json) console.log(JSON.stringify(r));
  else console.log(r.pass ? "PASS" : "FAIL");
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    for (const c of children) c.kill("SIGKILL");
    process.exit(1);
  });
}
