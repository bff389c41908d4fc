/**
 * A stand-in for the Pulumi engine, to drive `pulumi-resource-fibrix` the way `pulumi` does.
 * Every request is built as the engine builds it, from pulumi/pulumi (fetched at commit
 * 1b5949891b3cefcb9974752b24a5ecef0acc86c8); the function comments name the source:
 *
 * - sdk/go/common/resource/plugin/plugin.go: `ExecPlugin` + `buildPluginArguments` (the command
 *   line: `[--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS`, env = the CLI's plus
 *   PULUMI_PROJECT / PULUMI_CONFIG from provider_plugin.go `NewProvider`) and `newPlugin` (the port
 *   read byte by byte up to the first newline, then stdout traced as logs).
 * - sdk/go/common/resource/plugin/provider_plugin.go: the fields of each request (`Check`,
 *   `Diff`, `Create`, `Read`, `Update`, `Delete`, `CheckConfig`, `DiffConfig`, `Configure`,
 *   `Handshake`) and their marshal options (rpc.go `MarshalProperties`: secrets kept when the
 *   plugin accepts them; unknowns only in a preview; CheckConfig/DiffConfig without secrets).
 * - pkg/resource/deploy/providers/registry.go: a default provider is loaded on its Check
 *   (CheckConfig) and configured on its Create (Configure, with a fresh UUID as its id).
 * - pkg/resource/deploy/step_generator.go (`generateSteps`, `continueStepsFromImport`,
 *   `continueStepsFromDiff`, `providerChanged`), step.go (CreateStep, UpdateStep, DeleteStep,
 *   RefreshStep, ImportStep `Apply`) and import.go: which calls a `pulumi up` / `preview` /
 *   `refresh` / `import` / `destroy` makes, in which order, with which properties.
 *
 * Test glue: `any` is allowed here (biome.json overrides test/**).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type * as pluginproto from "@pulumi/pulumi/proto/plugin_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

// --- the engine's property values (resource.PropertyValue, as far as this provider needs) -------

/** resource.Secret */
export class Secret {
  constructor(readonly value: unknown) {}
}
/** resource.Computed: a value not known yet (preview). */
export const Unknown = Symbol("unknown");
export type PropertyMap = Record<string, unknown>;

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** rpc.go UnknownStringValue: what the engine sends for a computed string. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface MarshalOptions {
  keepSecrets: boolean;
  keepUnknowns: boolean;
}

/** rpc.go MarshalPropertyValue: secrets as signed objects (or bare), unknowns as sentinels (or dropped). */
function marshalValue(v: unknown, o: MarshalOptions): { keep: boolean; value?: unknown } {
  if (v === Unknown) return o.keepUnknowns ? { keep: true, value: UNKNOWN_STRING } : { keep: false };
  if (v instanceof Secret) {
    const inner = marshalValue(v.value, o);
    if (!inner.keep) return inner;
    return { keep: true, value: o.keepSecrets ? { [SIG]: SECRET_SIG, value: inner.value } : inner.value };
  }
  if (v === undefined) return { keep: false };
  if (Array.isArray(v)) {
    return { keep: true, value: v.map((x) => marshalValue(x, o)).map((x) => (x.keep ? x.value : null)) };
  }
  if (v !== null && typeof v === "object") return { keep: true, value: marshalMap(v as PropertyMap, o) };
  return { keep: true, value: v };
}

function marshalMap(m: PropertyMap, o: MarshalOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    const x = marshalValue(v, o);
    if (x.keep) out[k] = x.value;
  }
  return out;
}

/** MarshalProperties; `undefined` (a nil map with PropagateNil) leaves the field unset. */
export function marshal(m: PropertyMap | undefined, o: MarshalOptions): structproto.Struct | undefined {
  if (m === undefined) return undefined;
  return structproto.Struct.fromJavaScript(marshalMap(m, o) as any);
}

/** UnmarshalProperties with KeepSecrets (and KeepUnknowns in a preview). */
export function unmarshal(s: structproto.Struct | undefined): PropertyMap | undefined {
  if (!s) return undefined;
  const walk = (v: any): unknown => {
    if (typeof v === "string") return v === UNKNOWN_STRING ? Unknown : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      if (v[SIG] === SECRET_SIG) return new Secret(walk(v.value));
      if (v[SIG] !== undefined) throw new Error(`unexpected signature ${v[SIG]} in a provider answer`);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(s.toJavaScript()) as PropertyMap;
}

/** The plain value, secrets opened (what a test compares). */
export function plain(v: unknown): any {
  if (v instanceof Secret) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as PropertyMap).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** The property paths that are secret in `v` (dotted, like the tests write them). */
export function secretPaths(v: unknown, path = ""): string[] {
  if (v instanceof Secret) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object") {
    return Object.entries(v as PropertyMap).flatMap(([k, x]) => secretPaths(x, path ? `${path}.${k}` : k));
  }
  return [];
}

// --- the fake Engine service (the address the plugin is started with) ---------------------------

export interface LogEntry {
  severity: number;
  message: string;
  urn: string;
}

export interface FakeEngine {
  address: string;
  logs: LogEntry[];
  /** The log once some entry matches (Log is fire-and-forget: it may land after the answer). */
  waitForLog(re: RegExp, ms?: number): Promise<LogEntry | undefined>;
  stop(): void;
}

export async function startFakeEngine(): Promise<FakeEngine> {
  const logs: LogEntry[] = [];
  const server = new grpc.Server();
  const unimplemented = (_call: any, cb: any) => cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(engrpc.EngineService, {
    log: (call: any, cb: any) => {
      logs.push({
        severity: call.request.getSeverity(),
        message: call.request.getMessage(),
        urn: call.request.getUrn(),
      });
      cb(null, new emptyproto.Empty());
    },
    getRootResource: unimplemented,
    setRootResource: unimplemented,
    startDebugging: unimplemented,
    requirePulumiVersion: unimplemented,
  } as any);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    logs,
    async waitForLog(re, ms = 10_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = logs.find((l) => re.test(l.message));
        if (hit || Date.now() > end) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => server.forceShutdown(),
  };
}

// --- launching the plugin -----------------------------------------------------------------------

export interface LaunchOptions {
  bin: string;
  engineAddress: string;
  /** The directory the CLI runs in (plugin.go: cmd.Dir = pwd). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** logging.LogFlow with LogToStderr and Verbose (`pulumi -v=9 --logflow --logtostderr`). */
  logFlow?: { verbose: number };
  /** cmdutil.TracingEndpoint (`pulumi --tracing URL`). */
  tracing?: string;
}

export interface LaunchedPlugin {
  process: ChildProcess;
  port: number;
  args: string[];
  stderr: () => string;
  /** plugin.go Kill: interrupt, then kill after 5 s; resolves with the exit code. */
  close(): Promise<number | null>;
}

/** plugin.go `buildPluginArguments`. */
export function pluginArguments(o: LaunchOptions): string[] {
  const args: string[] = [];
  if (o.logFlow) {
    args.push("--logtostderr");
    if (o.logFlow.verbose > 0) args.push(`-v=${o.logFlow.verbose}`);
  }
  if (o.tracing) args.push("--tracing", o.tracing);
  args.push(o.engineAddress); // provider_plugin.go NewProvider: []string{host.ServerAddr()}
  return args;
}

/** plugin.go `ExecPlugin` then `newPlugin`'s read of the port. */
export async function launchPlugin(o: LaunchOptions): Promise<LaunchedPlugin> {
  const args = pluginArguments(o);
  const child = spawn(o.bin, args, { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let line = "";
    const timer = setTimeout(() => reject(new Error(`plugin wrote no port in 60 s: ${line} ${err}`)), 60_000);
    const onData = (d: Buffer) => {
      // newPlugin reads one byte at a time up to the newline; the rest is traced (runtrace).
      const text = String(d);
      const nl = text.indexOf("\n");
      if (nl < 0) {
        line += text;
        return;
      }
      line += text.slice(0, nl);
      child.stdout!.off("data", onData);
      child.stdout!.on("data", () => undefined);
      clearTimeout(timer);
      const port = Number.parseInt(line.trim(), 10); // parsePort: TrimSpace + Atoi
      if (!(port > 0 && port <= 65535))
        reject(new Error(`plugin wrote an invalid port: ${JSON.stringify(line)}`));
      else resolve(port);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`plugin exited ${code} before writing its port: ${err}`));
    });
  });
  return {
    process: child,
    port,
    args,
    stderr: () => err,
    async close() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGINT");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

// --- the engine side of the provider protocol ----------------------------------------------------

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: PropertyMap;
  outputs: PropertyMap;
  customTimeouts?: { create?: number; update?: number; delete?: number; read?: number };
}

export interface Goal {
  type: string;
  name: string;
  properties: PropertyMap;
  customTimeouts?: ResourceState["customTimeouts"];
  /** The `import` resource option. */
  importId?: string;
  aliases?: { type: string }[];
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface DiffResult {
  changes: number;
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
  diffs: string[];
  detailedDiff: Record<string, { kind: number; inputDiff: boolean }>;
  hasDetailedDiff: boolean;
}

export type StepOp = "same" | "create" | "update" | "replace" | "import";

/** One RPC as the harness sent it (the tests check sequences against step_generator.go). */
export interface Call {
  method: string;
  urn: string;
  ms: number;
}

export class ProviderError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`${method}: ${grpc.status[code]}: ${details}`);
  }
}

/**
 * The engine's view of one fibrix provider plugin: the `plugin.Provider` calls of
 * provider_plugin.go and the step logic of step_generator.go / step.go on top of them.
 */
export class Engine {
  readonly client: provrpc.ResourceProviderClient;
  readonly calls: Call[] = [];
  /** From Handshake (or Configure): what the plugin accepts (provider_plugin.go pluginProtocol). */
  acceptSecrets = false;

  constructor(
    port: number,
    readonly stack: string,
    readonly project: string,
  ) {
    this.client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
    });
  }

  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  rpc<T>(method: string, req: unknown, urn = ""): Promise<T> {
    const started = Date.now();
    return new Promise<T>((resolve, reject) =>
      (this.client as any)[method](req, (e: grpc.ServiceError | null, res: T) => {
        this.calls.push({ method, urn, ms: Date.now() - started });
        if (e) reject(new ProviderError(method, e.code, e.details));
        else resolve(res);
      }),
    );
  }

  private opts(preview: boolean): MarshalOptions {
    return { keepSecrets: this.acceptSecrets, keepUnknowns: preview };
  }

  // plugin startup -------------------------------------------------------------------------------

  /** provider_plugin.go NewProvider's `handshake`: the first call on a freshly started plugin. */
  async handshake(engineAddress: string, programDir: string): Promise<provproto.ProviderHandshakeResponse> {
    const req = new provproto.ProviderHandshakeRequest();
    req.setEngineAddress(engineAddress);
    req.setRootDirectory(programDir);
    req.setProgramDirectory(programDir);
    req.setConfigureWithUrn(true);
    req.setSupportsViews(true);
    req.setSupportsRefreshBeforeUpdate(true);
    req.setInvokeWithPreview(true);
    const res = await this.rpc<provproto.ProviderHandshakeResponse>("handshake", req);
    this.acceptSecrets = res.getAcceptSecrets();
    return res;
  }

  /** provider_plugin.go GetPluginInfo: "happens immediately after loading". */
  async getPluginInfo(): Promise<string> {
    return (await this.rpc<pluginproto.PluginInfo>("getPluginInfo", new emptyproto.Empty())).getVersion();
  }

  async getSchema(): Promise<string> {
    return (
      await this.rpc<provproto.GetSchemaResponse>("getSchema", new provproto.GetSchemaRequest())
    ).getSchema();
  }

  // the provider resource (registry.go) ---------------------------------------------------------

  defaultProviderUrn(version: string): string {
    return this.urn("pulumi:providers:fibrix", `default_${version.replace(/\./g, "_")}`);
  }

  /** provider_plugin.go CheckConfig: no secrets on the wire (MarshalOptions without KeepSecrets). */
  async checkConfig(urn: string, olds: PropertyMap | undefined, news: PropertyMap) {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!);
    const o = { keepSecrets: false, keepUnknowns: true };
    const mo = marshal(olds, o);
    if (mo) req.setOlds(mo);
    req.setNews(marshal(news, o)!);
    const res = await this.rpc<provproto.CheckResponse>("checkConfig", req, urn);
    return { inputs: unmarshal(res.getInputs()) ?? {}, failures: failuresOf(res.getFailuresList()) };
  }

  /** provider_plugin.go DiffConfig (from registry.go Diff, and step_generator.go providerChanged). */
  async diffConfig(urn: string, oldInputs: PropertyMap, oldOutputs: PropertyMap, newInputs: PropertyMap) {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!);
    const o = { keepSecrets: false, keepUnknowns: true };
    req.setOldInputs(marshal(oldInputs, o)!);
    req.setOlds(marshal(oldOutputs, o)!);
    req.setNews(marshal(newInputs, o)!);
    return diffOf(await this.rpc<provproto.DiffResponse>("diffConfig", req, urn));
  }

  /**
   * registry.go Create → provider_plugin.go Configure: the inputs (secrets kept) as `args`, the
   * deprecated `variables` keyed `fibrix:config:<key>`, the provider's URN, name, type and id.
   */
  async configure(urn: string, inputs: PropertyMap): Promise<provproto.ConfigureResponse> {
    const req = new provproto.ConfigureRequest();
    const name = urn.split("::").pop()!;
    req.setUrn(urn);
    req.setName(name);
    req.setType(urn.split("::")[2]!);
    req.setId(randomUUID());
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    const vars = req.getVariablesMap();
    for (const [k, v] of Object.entries(inputs)) {
      if (k === "version") continue;
      const p = plain(v);
      vars.set(`fibrix:config:${k}`, typeof p === "string" ? p : JSON.stringify(p));
    }
    req.setArgs(marshal(inputs, { keepSecrets: true, keepUnknowns: true })!);
    const res = await this.rpc<provproto.ConfigureResponse>("configure", req, urn);
    if (!this.acceptSecrets) this.acceptSecrets = res.getAcceptsecrets();
    return res;
  }

  /** The default provider's registration: registry.go Check (CheckConfig) then Create (Configure). */
  async configureDefaultProvider(version: string, config: PropertyMap): Promise<PropertyMap> {
    const urn = this.defaultProviderUrn(version);
    const checked = await this.checkConfig(urn, {}, { ...config, version });
    if (checked.failures.length > 0) throw new Error(`provider config: ${JSON.stringify(checked.failures)}`);
    await this.configure(urn, checked.inputs);
    return checked.inputs;
  }

  // resource calls (provider_plugin.go) ----------------------------------------------------------

  /** Check: URN, name, type, olds (empty, never nil: "at least the NodeJS provider relies on this"), news, randomSeed. */
  async check(urn: string, olds: PropertyMap | undefined, news: PropertyMap, preview: boolean) {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    req.setOlds(marshal(olds ?? {}, this.opts(preview))!);
    req.setNews(marshal(news, this.opts(preview))!);
    req.setRandomseed(new Uint8Array(32).map(() => Math.floor(Math.random() * 256)));
    const res = await this.rpc<provproto.CheckResponse>("check", req, urn);
    return { inputs: unmarshal(res.getInputs()) ?? {}, failures: failuresOf(res.getFailuresList()) };
  }

  /** Diff: id, URN, name, type, oldInputs, olds (old outputs), news (checked inputs), ignoreChanges. */
  async diff(
    urn: string,
    id: string,
    oldInputs: PropertyMap,
    oldOutputs: PropertyMap,
    newInputs: PropertyMap,
    preview: boolean,
    ignoreChanges: string[] = [],
  ): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    req.setOldInputs(marshal(oldInputs, this.opts(preview))!);
    req.setOlds(marshal(oldOutputs, this.opts(preview))!);
    req.setNews(marshal(newInputs, this.opts(preview))!);
    req.setIgnorechangesList(ignoreChanges);
    return diffOf(await this.rpc<provproto.DiffResponse>("diff", req, urn));
  }

  /** Create: URN, name, type, properties (the checked inputs), timeout (customTimeouts.create), preview. */
  async create(urn: string, properties: PropertyMap, timeout: number, preview: boolean) {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    req.setProperties(marshal(properties, this.opts(preview))!);
    req.setTimeout(timeout);
    req.setPreview(preview);
    const res = await this.rpc<provproto.CreateResponse>("create", req, urn);
    if (!preview && res.getId() === "")
      throw new Error(`plugin returned empty resource.ID from create '${urn}'`);
    return { id: res.getId(), outputs: unmarshal(res.getProperties()) ?? {} };
  }

  /**
   * Read: id, URN, name, type, properties (the state) and inputs, each left unset when nil (an
   * import: step.go ImportStep sends neither), timeout (customTimeouts.read).
   */
  async read(urn: string, id: string, inputs?: PropertyMap, state?: PropertyMap, timeout = 0) {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    const ms = marshal(state, this.opts(false));
    if (ms) req.setProperties(ms);
    const mi = marshal(inputs, this.opts(false));
    if (mi) req.setInputs(mi);
    req.setTimeout(timeout);
    const res = await this.rpc<provproto.ReadResponse>("read", req, urn);
    return {
      id: res.getId(),
      outputs: unmarshal(res.getProperties()),
      inputs: unmarshal(res.getInputs()),
    };
  }

  /** Update: id, URN, name, type, olds (old outputs), news, timeout (customTimeouts.update), ignoreChanges, preview, oldInputs. */
  async update(
    urn: string,
    id: string,
    oldInputs: PropertyMap,
    oldOutputs: PropertyMap,
    newInputs: PropertyMap,
    timeout: number,
    preview: boolean,
    ignoreChanges: string[] = [],
  ) {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    req.setOlds(marshal(oldOutputs, this.opts(false))!);
    req.setNews(marshal(newInputs, this.opts(preview))!);
    req.setTimeout(timeout);
    req.setIgnorechangesList(ignoreChanges);
    req.setPreview(preview);
    req.setOldInputs(marshal(oldInputs, this.opts(false))!);
    const res = await this.rpc<provproto.UpdateResponse>("update", req, urn);
    return unmarshal(res.getProperties()) ?? {};
  }

  /** Delete: id, URN, name, type, properties (old outputs), timeout (customTimeouts.delete), oldInputs. */
  async delete(urn: string, id: string, oldInputs: PropertyMap, oldOutputs: PropertyMap, timeout: number) {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(urn.split("::").pop()!);
    req.setType(urn.split("::")[2]!.split("$").pop()!);
    req.setProperties(marshal(oldOutputs, this.opts(false))!);
    req.setTimeout(timeout);
    req.setOldInputs(marshal(oldInputs, this.opts(false))!);
    await this.rpc("delete", req, urn);
  }

  /** provider_plugin.go SignalCancellation. */
  async cancel(): Promise<void> {
    await this.rpc("cancel", new emptyproto.Empty());
  }

  /** provider_plugin.go Invoke: tok, args, preview. */
  async invoke(tok: string, args: PropertyMap, preview = false) {
    const req = new provproto.InvokeRequest();
    req.setTok(tok);
    req.setArgs(marshal(args, this.opts(false))!);
    req.setPreview(preview);
    const res = await this.rpc<provproto.InvokeResponse>("invoke", req);
    return { ret: unmarshal(res.getReturn()) ?? {}, failures: failuresOf(res.getFailuresList()) };
  }

  // steps (step_generator.go, step.go) ----------------------------------------------------------

  /**
   * One resource registration of `pulumi up` (or `preview`, with `preview`), as
   * step_generator.go generateSteps / continueStepsFromImport / continueStepsFromDiff decide:
   * - an `import` option with no old state: ImportStep (Read with the id alone), then Check
   *   (olds = the imported inputs) and Diff against what was read; a replacement is refused;
   * - no old state: Check (news only) → Create (preview: Create with preview=true);
   * - old state: Check (olds = old inputs) → Diff; none → same; replaces → Check (news only)
   *   then, delete-before-replace, Delete → Create, else Create → Delete of the old one
   *   (in a preview only the Create, preview=true); else Update (preview=true in a preview).
   * `old` is found by URN or by the goal's aliases (the URN with the alias's type).
   */
  async register(
    goal: Goal,
    states: Map<string, ResourceState>,
    preview = false,
  ): Promise<{ op: StepOp; state: ResourceState; failures: CheckFailure[]; diff?: DiffResult }> {
    const urn = this.urn(goal.type, goal.name);
    const aliasUrns = (goal.aliases ?? []).map((a) => this.urn(a.type, goal.name));
    const oldUrn = [urn, ...aliasUrns].find((u) => states.has(u));
    let old = oldUrn ? states.get(oldUrn) : undefined;
    const timeouts = goal.customTimeouts ?? {};
    let op: StepOp | undefined;

    if (goal.importId && !old) {
      // ImportStep.Apply (not planned): Read(id) only.
      const read = await this.read(urn, goal.importId, undefined, undefined, timeouts.read ?? 0);
      if (!read.outputs || read.id === "") throw new Error(`resource '${goal.importId}' does not exist`);
      if (!read.inputs) throw new Error("provider does not support importing resources");
      old = {
        urn,
        type: goal.type,
        name: goal.name,
        id: read.id,
        inputs: read.inputs,
        outputs: read.outputs,
        customTimeouts: timeouts,
      };
      op = "import";
    }

    if (!old) {
      const checked = await this.check(urn, undefined, goal.properties, preview);
      if (checked.failures.length > 0)
        return { op: "create", state: undefined as never, failures: checked.failures };
      const made = await this.create(urn, checked.inputs, timeouts.create ?? 0, preview);
      const state = {
        urn,
        type: goal.type,
        name: goal.name,
        id: made.id,
        inputs: checked.inputs,
        outputs: made.outputs,
        customTimeouts: timeouts,
      };
      if (!preview) states.set(urn, state);
      return { op: "create", state, failures: [] };
    }

    const checked = await this.check(urn, old.inputs, goal.properties, preview);
    if (checked.failures.length > 0) return { op: op ?? "update", state: old, failures: checked.failures };
    const diff = await this.diff(
      urn,
      old.id,
      old.inputs,
      old.outputs,
      checked.inputs,
      preview,
      goal.ignoreChanges,
    );
    const moved = (s: ResourceState) => {
      if (preview) return;
      if (oldUrn && oldUrn !== urn) states.delete(oldUrn);
      states.set(urn, s);
    };
    if (diff.changes !== provproto.DiffResponse.DiffChanges.DIFF_SOME) {
      const state = { ...old, urn, type: goal.type, inputs: checked.inputs, customTimeouts: timeouts };
      moved(state);
      return { op: op ?? "same", state, failures: [], diff };
    }
    if (diff.replaces.length > 0) {
      if (goal.importId) {
        throw new Error(
          "previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program",
        );
      }
      const rechecked = await this.check(urn, undefined, goal.properties, preview);
      if (rechecked.failures.length > 0)
        throw new Error(`resource ${urn} has check errors: ${JSON.stringify(rechecked.failures)}`);
      const dbr = goal.deleteBeforeReplace ?? diff.deleteBeforeReplace;
      if (preview) {
        const made = await this.create(urn, rechecked.inputs, timeouts.create ?? 0, true);
        return {
          op: "replace",
          state: { ...old, inputs: rechecked.inputs, outputs: made.outputs },
          failures: [],
          diff,
        };
      }
      if (dbr) await this.delete(old.urn, old.id, old.inputs, old.outputs, old.customTimeouts?.delete ?? 0);
      const made = await this.create(urn, rechecked.inputs, timeouts.create ?? 0, false);
      if (!dbr) await this.delete(old.urn, old.id, old.inputs, old.outputs, old.customTimeouts?.delete ?? 0);
      const state = {
        urn,
        type: goal.type,
        name: goal.name,
        id: made.id,
        inputs: rechecked.inputs,
        outputs: made.outputs,
        customTimeouts: timeouts,
      };
      moved(state);
      return { op: "replace", state, failures: [], diff };
    }
    const outputs = await this.update(
      urn,
      old.id,
      old.inputs,
      old.outputs,
      checked.inputs,
      timeouts.update ?? 0,
      preview,
      goal.ignoreChanges,
    );
    const state = { ...old, urn, type: goal.type, inputs: checked.inputs, outputs, customTimeouts: timeouts };
    moved(state);
    return { op: op === "import" ? "import" : "update", state, failures: [], diff };
  }

  /**
   * `pulumi refresh` of one resource: step.go RefreshStep.Apply: Read(id, inputs = old inputs,
   * properties = old outputs); an empty id means it is gone; the inputs the provider gives
   * replace the old ones; the refresh diff is Diff(oldInputs = new inputs, olds = new outputs,
   * news = old inputs), shown inverted.
   */
  async refresh(old: ResourceState, states: Map<string, ResourceState>) {
    const read = await this.read(old.urn, old.id, old.inputs, old.outputs, old.customTimeouts?.read ?? 0);
    if (read.id === "" || !read.outputs) {
      states.delete(old.urn);
      return { gone: true as const };
    }
    const state = { ...old, id: read.id, inputs: read.inputs ?? old.inputs, outputs: read.outputs };
    const diff = await this.diff(old.urn, state.id, state.inputs, state.outputs, old.inputs, false);
    states.set(old.urn, state);
    return { gone: false as const, state, diff };
  }

  /**
   * `pulumi import TYPE NAME ID`: import.go builds a planned ImportStep: Read with the id and
   * nothing else, then Check(olds = the read inputs, news = the read inputs); check failures
   * are warnings ("almost certainly a bug in the provider").
   */
  async importPlanned(type: string, name: string, id: string, states: Map<string, ResourceState>) {
    const urn = this.urn(type, name);
    if (states.has(urn)) throw new Error(`resource '${urn}' already exists`);
    const read = await this.read(urn, id);
    if (!read.outputs || read.id === "") throw new Error(`resource '${id}' does not exist`);
    if (!read.inputs) throw new Error("provider does not support importing resources");
    const checked = await this.check(urn, read.inputs, read.inputs, false);
    const state: ResourceState = { urn, type, name, id: read.id, inputs: read.inputs, outputs: read.outputs };
    states.set(urn, state);
    return { state, warnings: checked.failures, checkedInputs: checked.inputs };
  }

  /** `pulumi destroy` of one resource: step.go DeleteStep (properties = outputs, oldInputs, timeout). */
  async destroy(s: ResourceState, states: Map<string, ResourceState>): Promise<void> {
    await this.delete(s.urn, s.id, s.inputs, s.outputs, s.customTimeouts?.delete ?? 0);
    states.delete(s.urn);
  }

  close(): void {
    this.client.close();
  }
}

function failuresOf(list: provproto.CheckFailure[]): CheckFailure[] {
  return list.map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
}

function diffOf(res: provproto.DiffResponse): DiffResult {
  const detailedDiff: DiffResult["detailedDiff"] = {};
  res.getDetaileddiffMap().forEach((v, k) => {
    detailedDiff[k] = { kind: v.getKind(), inputDiff: v.getInputdiff() };
  });
  return {
    changes: res.getChanges(),
    replaces: res.getReplacesList(),
    stables: res.getStablesList(),
    deleteBeforeReplace: res.getDeletebeforereplace(),
    diffs: res.getDiffsList(),
    detailedDiff,
    hasDetailedDiff: res.getHasdetaileddiff(),
  };
}

export const DIFF = provproto.DiffResponse.DiffChanges;
export const KIND = provproto.PropertyDiff.Kind;
