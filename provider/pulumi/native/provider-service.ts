/**
 * `pulumirpc.ResourceProvider` for fibrix (proto/pulumi/provider.proto), on the resources' hooks
 * (resources.ts). What the engine sends in each request, and when, is in pulumi/pulumi
 * sdk/go/common/resource/plugin/provider_plugin.go; the step that sends it in
 * pkg/resource/deploy/step.go and step_generator.go.
 *
 * - Check(olds = old inputs, news = the program's inputs): the hooks' check; the create key's
 *   seed comes from the URN (as the dynamic resources derived it in the program).
 * - Diff(olds = old outputs, news = checked inputs, oldInputs): the diff rules (`planDiff`) as
 *   replaces / stables / deleteBeforeReplace and a detailed diff.
 * - Create / Update (preview: the inputs over the old outputs, unknowns kept, no call to the
 *   region) and Delete, bounded by the request's `timeout` (operations.ts).
 * - Read(id, properties?, inputs?): refresh sends the old state; import sends the id alone.
 *   Either way the resource comes back with its outputs and its inputs.
 *
 * States written by the dynamic resources carry `__provider` (their serialized code) and a
 * `timeouts` input: both are dropped on the way in, so such a state diffs clean.
 * Secrets: whatever arrived secret leaves secret, and so do the fields the model declares secret
 * (a BMC password, a rack's enrollment token) even when the program did not mark them.
 */
import type * as grpc from "@grpc/grpc-js";
import { Metadata, status } from "@grpc/grpc-js";
import type * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as pluginproto from "@pulumi/pulumi/proto/plugin_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fieldsWith, topFieldsWith } from "../../../sdk/model";
import { planDiff } from "../diff-plan";
import type { CheckFailure } from "../schema-check";
import { UNKNOWN } from "../schema-check";
import { diffAnswer, diffResponse } from "./diff-mapping";
import type { EngineLog } from "./engine-log";
import { invoke, isFunction } from "./functions";
import { Operations, withEngineTimeout } from "./operations";
import { packageRoot, pluginVersion } from "./plugin-info";
import {
  decodeProperties,
  encodeProperties,
  fieldPath,
  type PropertyPath,
  presentPaths,
  unionPaths,
} from "./property-codec";
import { checkSettings, configure, diffSettings, SECRET_SETTINGS } from "./provider-settings";
import {
  DYNAMIC_PROVIDER_KEY,
  type NativeResource,
  propertyNames,
  resourceOf,
  RESOURCES,
  urnParts,
  type Values,
} from "./resources";
import { isNotFound, RpcError, toRpcError } from "./rpc-errors";

export interface ServiceOptions {
  engine: EngineLog;
  /** Called with each handler's own time (the bench reads it; see also FIBRIX_PLUGIN_TIMING). */
  onHandled?: (method: string, micros: number) => void;
  /** Sends each handler's time as trailing metadata `fibrix-handler-us`. */
  timingTrailers?: boolean;
}

type Handler<Req, Res> = (req: Req) => Promise<Res>;

/** What the plugin answers for RPCs it does not serve (the engine treats these as absent). */
function unimplemented(what: string): grpc.handleUnaryCall<unknown, unknown> {
  return (_call, cb) =>
    cb({
      code: status.UNIMPLEMENTED,
      details: `fibrix provider: ${what} is not implemented (no components)`,
    });
}

const strip = (props: Values): Values => {
  const { [DYNAMIC_PROVIDER_KEY]: _code, ...rest } = props;
  return rest;
};

/** Outputs as the engine keeps them: no serialized provider, no copy of the engine's timeouts. */
const cleanOutputs = (props: Values): Values => {
  const { [DYNAMIC_PROVIDER_KEY]: _code, timeouts: _t, ...rest } = props;
  return rest;
};

function secretPaths(r: NativeResource): PropertyPath[] {
  return fieldsWith(r.model, "secret").map(fieldPath);
}

/** Properties an in-place update never changes (diff-mapping.ts `stables`). */
function stableCandidates(r: NativeResource): string[] {
  return [...new Set([...topFieldsWith(r.model, "stable"), ...r.rules.replaceOn])].filter((k) => k !== "id");
}

/** Outputs that an update may change and that are not inputs: unknown in an update's preview. */
function computedOutputs(r: NativeResource): string[] {
  const inputs = propertyNames(r.inputs);
  const stable = stableCandidates(r);
  return propertyNames(r.model.output).filter(
    (k) => k !== "id" && !inputs.includes(k) && !stable.includes(k),
  );
}

/** The create key's seed the dynamic resources derived in the program (project/stack/type/name, as the retired dynamic resources did). */
export function createKeySeedOf(urn: string, r: NativeResource): string {
  const { project, stack, name } = urnParts(urn);
  return `${project}/${stack}/${r.name}/${name}`;
}

/** Check failures (of Check, CheckConfig, Invoke) on the wire. */
function checkFailures(failures: readonly CheckFailure[]): provproto.CheckFailure[] {
  return failures.map((f) => {
    const cf = new provproto.CheckFailure();
    cf.setProperty(f.property);
    cf.setReason(f.reason);
    return cf;
  });
}

function checkResponse(
  inputs: Values,
  secrets: PropertyPath[],
  failures: CheckFailure[],
): provproto.CheckResponse {
  const res = new provproto.CheckResponse();
  res.setInputs(encodeProperties(inputs, presentPaths(inputs, secrets)));
  res.setFailuresList(checkFailures(failures));
  return res;
}

export class ProviderService {
  readonly ops = new Operations();
  private schemaText: string | undefined;

  constructor(private readonly opts: ServiceOptions) {}

  private resource(typeOrUrn: { type: string; urn: string }): NativeResource {
    const token = typeOrUrn.type || urnParts(typeOrUrn.urn).type;
    const r = resourceOf(token);
    if (!r) {
      throw new RpcError(
        status.INVALID_ARGUMENT,
        `fibrix provider: unknown resource type ${token}; this plugin serves ${RESOURCES.map((x) => x.token).join(", ")}`,
      );
    }
    return r;
  }

  private label(r: NativeResource, urn: string, id?: string): string {
    const { name } = urnParts(urn);
    return `${r.name} ${name || id || "?"}`;
  }

  // --- plugin -------------------------------------------------------------------------------

  async handshake(req: provproto.ProviderHandshakeRequest): Promise<provproto.ProviderHandshakeResponse> {
    if (req.getEngineAddress()) this.opts.engine.connect(req.getEngineAddress());
    const res = new provproto.ProviderHandshakeResponse();
    res.setAcceptSecrets(true);
    res.setAcceptResources(true);
    res.setAcceptOutputs(false);
    return res;
  }

  async getPluginInfo(): Promise<pluginproto.PluginInfo> {
    const res = new pluginproto.PluginInfo();
    res.setVersion(pluginVersion());
    return res;
  }

  async getSchema(): Promise<provproto.GetSchemaResponse> {
    this.schemaText ??= readFileSync(join(packageRoot(), "provider/pulumi/schema.json"), "utf8");
    const res = new provproto.GetSchemaResponse();
    res.setSchema(this.schemaText);
    return res;
  }

  async attach(req: pluginproto.PluginAttach): Promise<emptyproto.Empty> {
    this.opts.engine.connect(req.getAddress());
    return new emptyproto.Empty();
  }

  async cancel(): Promise<emptyproto.Empty> {
    this.ops.cancel();
    return new emptyproto.Empty();
  }

  // --- provider configuration -----------------------------------------------------------------

  async checkConfig(req: provproto.CheckRequest): Promise<provproto.CheckResponse> {
    const news = decodeProperties(req.getNews());
    const failures = checkSettings(news.props);
    return checkResponse(news.props, unionPaths(news.secrets, SECRET_SETTINGS), failures);
  }

  async diffConfig(req: provproto.DiffRequest): Promise<provproto.DiffResponse> {
    const olds = decodeProperties(req.getOldInputs() ?? req.getOlds()).props;
    return diffResponse(diffSettings(olds, decodeProperties(req.getNews()).props));
  }

  async configure(req: provproto.ConfigureRequest): Promise<provproto.ConfigureResponse> {
    const variables = new Map<string, string>();
    req.getVariablesMap().forEach((v, k) => {
      variables.set(k, v);
    });
    configure(decodeProperties(req.getArgs()).props, variables);
    const res = new provproto.ConfigureResponse();
    res.setAcceptsecrets(true);
    res.setSupportspreview(true);
    res.setAcceptresources(true);
    res.setAcceptoutputs(false);
    return res;
  }

  async invoke(req: provproto.InvokeRequest): Promise<provproto.InvokeResponse> {
    if (!isFunction(req.getTok())) {
      throw new RpcError(status.INVALID_ARGUMENT, `fibrix provider: unknown function ${req.getTok()}`);
    }
    const { ret, failures } = await invoke(req.getTok(), decodeProperties(req.getArgs()).props);
    const res = new provproto.InvokeResponse();
    res.setReturn(encodeProperties(ret));
    res.setFailuresList(checkFailures(failures));
    return res;
  }

  // --- resources ------------------------------------------------------------------------------

  async check(req: provproto.CheckRequest): Promise<provproto.CheckResponse> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const olds = strip(decodeProperties(req.getOlds()).props);
    const decoded = decodeProperties(req.getNews());
    const news = strip(decoded.props);
    if (news.createKeySeed === undefined) news.createKeySeed = createKeySeedOf(req.getUrn(), r);
    const res = await r.hooks.check(olds, news);
    return checkResponse(
      res.inputs as Values,
      unionPaths(decoded.secrets, secretPaths(r)),
      (res.failures ?? []).map((f) => ({ property: String(f.property), reason: f.reason })),
    );
  }

  async diff(req: provproto.DiffRequest): Promise<provproto.DiffResponse> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const olds = strip(decodeProperties(req.getOlds()).props);
    const news = ignoring(strip(decodeProperties(req.getNews()).props), olds, req.getIgnorechangesList());
    const plan = planDiff(olds, news, r.rules);
    return diffResponse(diffAnswer(plan, olds, news, stableCandidates(r)));
  }

  async create(req: provproto.CreateRequest): Promise<provproto.CreateResponse> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const decoded = decodeProperties(req.getProperties());
    const inputs = strip(decoded.props);
    const secrets = unionPaths(decoded.secrets, secretPaths(r));
    const res = new provproto.CreateResponse();
    if (req.getPreview()) {
      // Preview: nothing is made; the outputs are the inputs, unknowns kept (the SDK shows the
      // outputs it is not given as unknown).
      res.setProperties(encodeProperties(inputs, presentPaths(inputs, secrets)));
      return res;
    }
    const what = `create ${this.label(r, req.getUrn())}`;
    const made = await this.ops.run(what, req.getUrn(), req.getTimeout(), () =>
      r.hooks.create(withEngineTimeout(inputs, "create", req.getTimeout())),
    );
    const outs = cleanOutputs(made.outs as Values);
    res.setId(made.id);
    res.setProperties(encodeProperties(outs, presentPaths(outs, secrets)));
    return res;
  }

  async read(req: provproto.ReadRequest): Promise<provproto.ReadResponse> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const state = decodeProperties(req.getProperties());
    const oldInputs = decodeProperties(req.getInputs());
    const props = strip(state.props);
    const what = `read ${this.label(r, req.getUrn(), req.getId())}`;
    const res = new provproto.ReadResponse();
    let read: { id: string; props: Values; inputs: Partial<Values> };
    try {
      read = await this.ops.run(what, req.getUrn(), req.getTimeout(), () => r.hooks.read(req.getId(), props));
    } catch (e) {
      // Gone: an empty id tells refresh to drop it and import that it does not exist (step.go).
      if (isNotFound(e)) return res;
      throw e;
    }
    const outs = cleanOutputs(read.props);
    const inputs = cleanOutputs(read.inputs as Values);
    const declared = secretPaths(r);
    res.setId(read.id);
    res.setProperties(encodeProperties(outs, presentPaths(outs, unionPaths(state.secrets, declared))));
    res.setInputs(encodeProperties(inputs, presentPaths(inputs, unionPaths(oldInputs.secrets, declared))));
    return res;
  }

  async update(req: provproto.UpdateRequest): Promise<provproto.UpdateResponse> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const oldsDecoded = decodeProperties(req.getOlds());
    const newsDecoded = decodeProperties(req.getNews());
    const olds = strip(oldsDecoded.props);
    const news = strip(newsDecoded.props);
    const secrets = unionPaths(oldsDecoded.secrets, newsDecoded.secrets, secretPaths(r));
    const res = new provproto.UpdateResponse();
    let outs: Values;
    if (req.getPreview()) {
      // Preview: what is declared over what was, and the region's computed values unknown.
      outs = { ...cleanOutputs(olds), ...news };
      for (const k of computedOutputs(r)) if (k in outs) outs[k] = UNKNOWN;
    } else {
      const what = `update ${this.label(r, req.getUrn(), req.getId())}`;
      const updated = await this.ops.run(what, req.getUrn(), req.getTimeout(), () =>
        r.hooks.update(req.getId(), olds, withEngineTimeout(news, "update", req.getTimeout())),
      );
      outs = cleanOutputs(updated.outs as Values);
    }
    res.setProperties(encodeProperties(outs, presentPaths(outs, secrets)));
    return res;
  }

  async delete(req: provproto.DeleteRequest): Promise<emptyproto.Empty> {
    const r = this.resource({ type: req.getType(), urn: req.getUrn() });
    const props = strip(decodeProperties(req.getProperties()).props);
    const what = `delete ${this.label(r, req.getUrn(), req.getId())}`;
    await this.ops.run(what, req.getUrn(), req.getTimeout(), () =>
      r.hooks.delete(req.getId(), withEngineTimeout(props, "delete", req.getTimeout())),
    );
    return new emptyproto.Empty();
  }

  /** The handlers as grpc-js wants them; errors become statuses with the provider's message. */
  implementation(): provrpc.IResourceProviderServer {
    const wrap = <Req, Res>(method: string, fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> => {
      return (call, cb) => {
        const started = process.hrtime.bigint();
        const done = () => {
          const micros = Number((process.hrtime.bigint() - started) / 1000n);
          this.opts.onHandled?.(method, micros);
          if (!this.opts.timingTrailers) return undefined;
          const md = new Metadata();
          md.set("fibrix-handler-us", String(micros));
          return md;
        };
        fn.call(this, call.request).then(
          (res) => cb(null, res, done()),
          (e: unknown) => {
            const err = toRpcError(e);
            cb({ code: err.code, details: err.message, metadata: done() });
          },
        );
      };
    };
    return {
      handshake: wrap("handshake", this.handshake),
      parameterize: unimplemented("Parameterize"),
      getSchema: wrap("getSchema", this.getSchema),
      checkConfig: wrap("checkConfig", this.checkConfig),
      diffConfig: wrap("diffConfig", this.diffConfig),
      configure: wrap("configure", this.configure),
      invoke: wrap("invoke", this.invoke),
      call: unimplemented("Call"),
      check: wrap("check", this.check),
      diff: wrap("diff", this.diff),
      create: wrap("create", this.create),
      read: wrap("read", this.read),
      list: (call: grpc.ServerWritableStream<provproto.ListRequest, provproto.ListResponse>) =>
        call.destroy(
          Object.assign(new Error("fibrix provider: List is not implemented"), {
            code: status.UNIMPLEMENTED,
          }),
        ),
      update: wrap("update", this.update),
      delete: wrap("delete", this.delete),
      construct: unimplemented("Construct"),
      cancel: wrap("cancel", this.cancel),
      getPluginInfo: wrap("getPluginInfo", this.getPluginInfo),
      attach: wrap("attach", this.attach),
      getMapping: unimplemented("GetMapping"),
      getMappings: unimplemented("GetMappings"),
    } as provrpc.IResourceProviderServer;
  }
}

/**
 * `ignoreChanges` (DiffRequest.ignoreChanges, property paths): the engine already put the old
 * inputs back for them; the old outputs are put back too, so a drifted ignored property does
 * not show as a change.
 */
export function ignoring(news: Values, olds: Values, paths: readonly string[]): Values {
  if (paths.length === 0) return news;
  const out: Values = structuredClone(news);
  for (const p of paths) {
    const segs = p
      .replace(/\[(\d+)\]/g, ".$1")
      .split(".")
      .filter((s) => s !== "");
    let from: unknown = olds;
    let to: unknown = out;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (i === segs.length - 1) {
        const v = (from as Values | undefined)?.[seg];
        if (to !== null && typeof to === "object") {
          if (v === undefined) delete (to as Values)[seg];
          else (to as Values)[seg] = structuredClone(v);
        }
        break;
      }
      from = (from as Values | undefined)?.[seg];
      to = (to as Values | undefined)?.[seg];
      if (to === null || typeof to !== "object") break;
    }
  }
  return out;
}
