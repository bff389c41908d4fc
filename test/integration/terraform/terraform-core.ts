/**
 * A stand-in for Terraform core, enough to drive the provider plugin as Terraform does:
 * launch the plugin process with the magic cookie and our client certificate (AutoMTLS),
 * read the handshake line, connect over mutual TLS, and call tfplugin6 RPCs. It also does the
 * two checks core does on every change, so the tests fail where Terraform would: the planned
 * state must keep every configured value, and the applied state must keep every planned known
 * value ("Provider produced inconsistent result after apply").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { derBase64ToPem, generateCertificate } from "../../../provider/terraform/certificate";
import {
  decodeValue,
  encodeValue,
  type TfObject,
  type TfValue,
  UNKNOWN,
} from "../../../provider/terraform/dynamic-value";
import { loadProtos, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../../provider/terraform/handshake";
import { objectOf, type TfType, typeFromJson } from "../../../provider/terraform/tf-type";

const ROOT = join(__dirname, "../../..");

export interface WireAttribute {
  name: string;
  type: Buffer;
  nested_type: { attributes: WireAttribute[]; nesting: string } | null;
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  description: string;
}
export interface WireSchema {
  version: number;
  block: { attributes: WireAttribute[] };
}
export interface WireDiagnostic {
  severity: string;
  summary: string;
  detail: string;
  attribute: { steps: Record<string, unknown>[] } | null;
}

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export function attrType(a: WireAttribute): TfType {
  if (a.nested_type)
    return objectOf(Object.fromEntries(a.nested_type.attributes.map((n) => [n.name, attrType(n)])));
  return typeFromJson(JSON.parse(a.type.toString("utf8")));
}
export function blockType(s: WireSchema): TfType {
  return objectOf(Object.fromEntries(s.block.attributes.map((a) => [a.name, attrType(a)])));
}

/** Core's ProposedNewState: configured values, and prior values where the config leaves a computed attribute null. */
export function proposedNewState(attrs: WireAttribute[], prior: TfObject | null, config: TfObject): TfObject {
  const out: TfObject = {};
  for (const a of attrs) {
    const c = config[a.name] ?? null;
    const p = prior?.[a.name] ?? null;
    if (a.nested_type && c !== null && c !== UNKNOWN && typeof c === "object" && !Array.isArray(c)) {
      const pObj =
        p !== null && p !== UNKNOWN && typeof p === "object" && !Array.isArray(p) ? (p as TfObject) : null;
      out[a.name] = proposedNewState(a.nested_type.attributes, pObj, c as TfObject);
    } else out[a.name] = a.computed && c === null ? p : c;
  }
  return out;
}

/** Every known value of `expected` must equal `actual` (unknowns may become anything). */
export function inconsistencies(expected: TfValue, actual: TfValue, path = ""): string[] {
  if (expected === UNKNOWN) return [];
  if (expected === null || actual === null || typeof expected !== "object" || typeof actual !== "object") {
    return expected === actual ? [] : [`${path || "."}: planned ${String(expected)}, got ${String(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: list length differs`];
    return expected.flatMap((x, i) => inconsistencies(x, actual[i]!, `${path}[${i}]`));
  }
  return Object.keys(expected).flatMap((k) =>
    inconsistencies((expected as TfObject)[k]!, (actual as TfObject)[k] ?? null, `${path}.${k}`),
  );
}

/** Core's plan check: a configured value (or a null non-computed one) must be planned as configured. */
export function configConflicts(
  attrs: WireAttribute[],
  cfg: TfObject,
  planned: TfObject,
  path: string,
): string[] {
  const out: string[] = [];
  for (const a of attrs) {
    const c = cfg[a.name] ?? null;
    const p = planned[a.name] ?? null;
    const where = `${path}.${a.name}`;
    if (a.nested_type && c !== null && c !== UNKNOWN && p !== null && p !== UNKNOWN) {
      out.push(...configConflicts(a.nested_type.attributes, c as TfObject, p as TfObject, where));
    } else if ((!a.computed || c !== null) && inconsistencies(c, p).length > 0) out.push(where);
  }
  return out;
}

export class TerraformCore {
  private constructor(
    readonly child: ChildProcess,
    readonly handshake: string,
    private readonly client: grpc.Client,
    private readonly controller: grpc.Client,
    private readonly healthClient: grpc.Client,
    readonly stderr: () => string,
  ) {}

  schemas?: {
    provider: WireSchema;
    resources: Record<string, WireSchema>;
    dataSources: Record<string, WireSchema>;
  };

  /** Starts the plugin as Terraform would and completes the handshake. */
  static async launch(env: NodeJS.ProcessEnv = {}): Promise<TerraformCore> {
    const clientCert = generateCertificate();
    const child = spawn(
      process.execPath,
      ["-r", join(__dirname, "ts-register.js"), join(ROOT, "provider/terraform/main.ts")],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
          PLUGIN_PROTOCOL_VERSIONS: "6",
          PLUGIN_CLIENT_CERT: clientCert.certPem,
          // Terraform hands plugins its environment: FIBRIX_TEST_TLS's CA reaches the provider.
          ...(process.env.FIBRIX_CA_BUNDLE ? { FIBRIX_CA_BUNDLE: process.env.FIBRIX_CA_BUNDLE } : {}),
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    child.stderr!.on("data", (d) => {
      err += String(d);
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no handshake within 30 s; stderr: ${err}`)), 30_000);
      child.stdout!.on("data", (d) => {
        out += String(d);
        const nl = out.indexOf("\n");
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`plugin exited ${code} before the handshake: ${err}`));
      });
    });
    const [core, app, network, addr, protocol, cert] = line.split("|");
    if (core !== "1" || app !== "6" || network !== "tcp" || protocol !== "grpc" || !addr || !cert) {
      child.kill("SIGKILL");
      throw new Error(`bad handshake line ${line}`);
    }
    const creds = grpc.credentials.createSsl(
      Buffer.from(derBase64ToPem(cert)),
      Buffer.from(clientCert.keyPem),
      Buffer.from(clientCert.certPem),
    );
    const options = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
    const pkg = loadProtos() as unknown as {
      tfplugin6: { Provider: grpc.ServiceClientConstructor };
      plugin: { GRPCController: grpc.ServiceClientConstructor };
    };
    const client = new pkg.tfplugin6.Provider(addr, creds, options);
    const controller = new pkg.plugin.GRPCController(addr, creds, options);
    const id = (b: Buffer) => b;
    const Health = grpc.makeGenericClientConstructor(
      {
        Check: {
          path: "/grpc.health.v1.Health/Check",
          requestStream: false,
          responseStream: false,
          requestSerialize: id,
          requestDeserialize: id,
          responseSerialize: id,
          responseDeserialize: id,
        },
      },
      "Health",
    );
    const health = new Health(addr, creds, options);
    return new TerraformCore(child, line, client, controller, health, () => err);
  }

  call<T = Record<string, unknown>>(method: string, req: unknown = {}): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method]!.bind(this.client);
    return new Promise((resolve, reject) => fn(req, (e, res) => (e ? reject(e) : resolve(res as T))));
  }

  /** go-plugin's Ping: grpc.health.v1 Check of service "plugin"; answers the raw response bytes. */
  health(): Promise<Buffer> {
    const fn = (this.healthClient as unknown as Record<string, Unary>).Check!.bind(this.healthClient);
    // HealthCheckRequest{service: "plugin"}: field 1, length 6.
    const req = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from("plugin")]);
    return new Promise((resolve, reject) => fn(req, (e, res) => (e ? reject(e) : resolve(res as Buffer))));
  }

  shutdown(): Promise<unknown> {
    const fn = (this.controller as unknown as Record<string, Unary>).Shutdown!.bind(this.controller);
    return new Promise((resolve, reject) => fn({}, (e, res) => (e ? reject(e) : resolve(res))));
  }

  async loadSchemas(): Promise<NonNullable<TerraformCore["schemas"]>> {
    const res = await this.call<{
      provider: WireSchema;
      resource_schemas: Record<string, WireSchema>;
      data_source_schemas: Record<string, WireSchema>;
      diagnostics: WireDiagnostic[];
    }>("GetProviderSchema");
    this.schemas = {
      provider: res.provider,
      resources: res.resource_schemas,
      dataSources: res.data_source_schemas,
    };
    return this.schemas;
  }

  private type(kind: "resource" | "data" | "provider", name = ""): TfType {
    const s = this.schemas!;
    return blockType(
      kind === "provider" ? s.provider : kind === "resource" ? s.resources[name]! : s.dataSources[name]!,
    );
  }

  /** A configuration as core sends it: every attribute present. */
  full(kind: "resource" | "data" | "provider", name: string, v: Record<string, unknown>): TfObject {
    return decodeValue(encodeValue(v as TfObject, this.type(kind, name)), this.type(kind, name)) as TfObject;
  }

  dv(kind: "resource" | "data" | "provider", name: string, v: TfValue): { msgpack: Buffer } | null {
    return v === null ? null : { msgpack: Buffer.from(encodeValue(v, this.type(kind, name))) };
  }

  decode(kind: "resource" | "data" | "provider", name: string, dv: { msgpack?: Buffer } | null): TfValue {
    return dv?.msgpack && dv.msgpack.length > 0 ? decodeValue(dv.msgpack, this.type(kind, name)) : null;
  }

  async configure(config: Record<string, unknown>): Promise<WireDiagnostic[]> {
    const res = await this.call<{ diagnostics: WireDiagnostic[] }>("ConfigureProvider", {
      terraform_version: "1.9.0",
      config: this.dv("provider", "", this.full("provider", "", config)),
    });
    return res.diagnostics;
  }

  async validate(type: string, config: Record<string, unknown>): Promise<WireDiagnostic[]> {
    const res = await this.call<{ diagnostics: WireDiagnostic[] }>("ValidateResourceConfig", {
      type_name: type,
      config: this.dv("resource", type, this.full("resource", type, config)),
    });
    return res.diagnostics;
  }

  /** PlanResourceChange with core's proposed new state; checks configured values are kept. */
  async plan(
    type: string,
    prior: TfObject | null,
    config: Record<string, unknown> | null,
    priorPrivate: Buffer = Buffer.alloc(0),
  ): Promise<{
    planned: TfObject | null;
    requiresReplace: string[];
    private: Buffer;
    diagnostics: WireDiagnostic[];
  }> {
    const cfg = config === null ? null : this.full("resource", type, config);
    const proposed =
      cfg === null ? null : proposedNewState(this.schemas!.resources[type]!.block.attributes, prior, cfg);
    const res = await this.call<{
      planned_state: { msgpack: Buffer } | null;
      requires_replace: { steps: { attribute_name?: string }[] }[];
      planned_private: Buffer;
      diagnostics: WireDiagnostic[];
    }>("PlanResourceChange", {
      type_name: type,
      prior_state: this.dv("resource", type, prior),
      proposed_new_state: this.dv("resource", type, proposed),
      config: this.dv("resource", type, cfg),
      prior_private: priorPrivate,
    });
    const planned = this.decode("resource", type, res.planned_state) as TfObject | null;
    if (cfg && planned) {
      const bad = configConflicts(this.schemas!.resources[type]!.block.attributes, cfg, planned, type);
      if (bad.length > 0) throw new Error(`plan changed configured values: ${bad.join(", ")}`);
    }
    return {
      planned,
      requiresReplace: res.requires_replace.map((p) => p.steps.map((s) => s.attribute_name).join(".")),
      private: res.planned_private,
      diagnostics: res.diagnostics,
    };
  }

  /** ApplyResourceChange; checks the new state keeps every planned known value. */
  async apply(
    type: string,
    prior: TfObject | null,
    planned: TfObject | null,
    config: Record<string, unknown> | null,
    plannedPrivate: Buffer = Buffer.alloc(0),
  ): Promise<{ state: TfObject | null; diagnostics: WireDiagnostic[] }> {
    const res = await this.call<{ new_state: { msgpack: Buffer } | null; diagnostics: WireDiagnostic[] }>(
      "ApplyResourceChange",
      {
        type_name: type,
        prior_state: this.dv("resource", type, prior),
        planned_state: this.dv("resource", type, planned),
        config: this.dv("resource", type, config === null ? null : this.full("resource", type, config)),
        planned_private: plannedPrivate,
      },
    );
    const state = this.decode("resource", type, res.new_state) as TfObject | null;
    if (res.diagnostics.length === 0) {
      const bad = inconsistencies(planned, state);
      if (bad.length > 0) throw new Error(`inconsistent result after apply of ${type}: ${bad.join("; ")}`);
    }
    return { state, diagnostics: res.diagnostics };
  }

  /** plan + apply of a configuration (create or update). */
  async converge(
    type: string,
    prior: TfObject | null,
    config: Record<string, unknown>,
  ): Promise<{ state: TfObject; requiresReplace: string[] }> {
    const p = await this.plan(type, prior, config);
    if (p.diagnostics.length > 0) throw new Error(`plan: ${JSON.stringify(p.diagnostics)}`);
    const a = await this.apply(type, prior, p.planned, config, p.private);
    if (a.diagnostics.length > 0) throw new Error(`apply: ${JSON.stringify(a.diagnostics)}`);
    return { state: a.state!, requiresReplace: p.requiresReplace };
  }

  async read(
    type: string,
    state: TfObject,
  ): Promise<{ state: TfObject | null; diagnostics: WireDiagnostic[] }> {
    const res = await this.call<{ new_state: { msgpack: Buffer } | null; diagnostics: WireDiagnostic[] }>(
      "ReadResource",
      { type_name: type, current_state: this.dv("resource", type, state) },
    );
    return {
      state: this.decode("resource", type, res.new_state) as TfObject | null,
      diagnostics: res.diagnostics,
    };
  }

  async importState(
    type: string,
    id: string,
  ): Promise<{ state: TfObject | null; diagnostics: WireDiagnostic[] }> {
    const res = await this.call<{
      imported_resources: { type_name: string; state: { msgpack: Buffer } }[];
      diagnostics: WireDiagnostic[];
    }>("ImportResourceState", { type_name: type, id });
    const first = res.imported_resources[0];
    return {
      state: first ? (this.decode("resource", type, first.state) as TfObject) : null,
      diagnostics: res.diagnostics,
    };
  }

  async readData(type: string, config: Record<string, unknown>): Promise<TfObject> {
    const res = await this.call<{ state: { msgpack: Buffer } | null; diagnostics: WireDiagnostic[] }>(
      "ReadDataSource",
      { type_name: type, config: this.dv("data", type, this.full("data", type, config)) },
    );
    if (res.diagnostics.length > 0) throw new Error(JSON.stringify(res.diagnostics));
    return this.decode("data", type, res.state) as TfObject;
  }

  /** plan destroy + apply destroy. */
  async destroy(type: string, state: TfObject): Promise<WireDiagnostic[]> {
    const p = await this.plan(type, state, null);
    if (p.planned !== null) throw new Error("destroy plan is not null");
    return (await this.apply(type, state, null, null)).diagnostics;
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.on("exit", (code) => r(code)));
  }

  /** Kills the plugin by PID if it is still running (afterAll). */
  async kill(): Promise<void> {
    this.client.close();
    this.controller.close();
    this.healthClient.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = this.exited();
      this.child.kill("SIGKILL");
      await gone;
    }
  }
}
