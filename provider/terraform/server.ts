/**
 * The tfplugin6 `Provider` service (tfplugin6.proto, protocol 6): each RPC as a plain async
 * method from request message to response message, so the logic is testable without gRPC;
 * `grpcImplementation` adapts it to @grpc/grpc-js. Nothing here throws to gRPC: every failure,
 * including a malformed request, comes back as diagnostics (like terraform-plugin-framework,
 * nothing panics).
 */
import type * as grpc from "@grpc/grpc-js";
import { newIdempotencyKey } from "../../sdk/idempotency";
import { validateConfig } from "./config-validation";
import {
  attributePath,
  type Diagnostic,
  diagnosticsFromError,
  errorDiagnostic,
  hasErrors,
} from "./diagnostics";
import {
  type DynamicValueMsg,
  fromDynamicValue,
  type TfObject,
  type TfValue,
  toDynamicValue,
  UNKNOWN,
} from "./dynamic-value";
import { planChange } from "./plan";
import { DATA_SOURCES, findDataSource, findResource, RESOURCES } from "./provider";
import { clientFor, providerSchema, readProviderConfig } from "./provider-config";
import { CreatedButFailedError, type ResourceContext, type TfResource } from "./resource";
import { schemaType } from "./schema";
import { type ProtoSchema, toProtoSchema } from "./schema-proto";
import type { TfType } from "./tf-type";

type Bytes = Uint8Array | null | undefined;
interface Diags {
  diagnostics: Diagnostic[];
}

export interface PlanRequest {
  type_name: string;
  prior_state?: DynamicValueMsg | null;
  proposed_new_state?: DynamicValueMsg | null;
  config?: DynamicValueMsg | null;
  prior_private?: Bytes;
}
export interface ApplyRequest {
  type_name: string;
  prior_state?: DynamicValueMsg | null;
  planned_state?: DynamicValueMsg | null;
  config?: DynamicValueMsg | null;
  planned_private?: Bytes;
}
export interface ReadRequest {
  type_name: string;
  current_state?: DynamicValueMsg | null;
  private?: Bytes;
}

type Value = { msgpack: Buffer } | null;

function asObject(v: TfValue): TfObject | null {
  return v !== null && v !== UNKNOWN && typeof v === "object" && !Array.isArray(v) ? v : null;
}

/** The idempotency key travels from plan to apply in the planned private data. */
function privateKey(b: Bytes): string | undefined {
  if (!b || b.length === 0) return undefined;
  try {
    const p = JSON.parse(Buffer.from(b).toString("utf8")) as { idempotencyKey?: unknown };
    return typeof p.idempotencyKey === "string" ? p.idempotencyKey : undefined;
  } catch {
    return undefined;
  }
}

export class ProviderServer {
  private ctx: ResourceContext | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** Called once Terraform asked the provider to stop (StopProvider / Shutdown). */
    private readonly onStop: () => void = () => {},
  ) {}

  private resource(typeName: string): TfResource {
    const r = findResource(typeName);
    if (!r)
      throw Object.assign(new Error(`unknown resource type ${JSON.stringify(typeName)}`), {
        code: "UNKNOWN_TYPE",
      });
    return r;
  }

  private context(): ResourceContext {
    if (!this.ctx) {
      throw Object.assign(new Error("ConfigureProvider was not called (or failed) before this request"), {
        code: "NOT_CONFIGURED",
      });
    }
    return this.ctx;
  }

  private value(v: TfValue, t: TfType): Value {
    return v === null ? null : toDynamicValue(v, t);
  }

  async GetMetadata(): Promise<unknown> {
    return {
      server_capabilities: {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
      },
      diagnostics: [],
      resources: RESOURCES.map((r) => ({ type_name: r.typeName })),
      data_sources: DATA_SOURCES.map((d) => ({ type_name: d.typeName })),
      functions: [],
      ephemeral_resources: [],
    };
  }

  async GetProviderSchema(): Promise<{
    provider: ProtoSchema;
    resource_schemas: Record<string, ProtoSchema>;
    data_source_schemas: Record<string, ProtoSchema>;
    diagnostics: Diagnostic[];
    server_capabilities: unknown;
  }> {
    return {
      provider: toProtoSchema(providerSchema),
      resource_schemas: Object.fromEntries(RESOURCES.map((r) => [r.typeName, toProtoSchema(r.schema)])),
      data_source_schemas: Object.fromEntries(DATA_SOURCES.map((d) => [d.typeName, toProtoSchema(d.schema)])),
      diagnostics: [],
      server_capabilities: { plan_destroy: true, get_provider_schema_optional: false },
    };
  }

  async GetResourceIdentitySchemas(): Promise<unknown> {
    return { identity_schemas: {}, diagnostics: [] };
  }

  async GetFunctions(): Promise<unknown> {
    return { functions: {}, diagnostics: [] };
  }

  async ValidateProviderConfig(req: { config?: DynamicValueMsg | null }): Promise<Diags> {
    const config = asObject(fromDynamicValue(req.config, schemaType(providerSchema)));
    return { diagnostics: readProviderConfig(config, this.env, { validateOnly: true }).diagnostics };
  }

  async ConfigureProvider(req: { config?: DynamicValueMsg | null }): Promise<Diags> {
    const config = asObject(fromDynamicValue(req.config, schemaType(providerSchema)));
    const { settings, diagnostics } = readProviderConfig(config, this.env);
    if (settings && !hasErrors(diagnostics)) {
      try {
        this.ctx = {
          client: clientFor(settings),
          signal: this.stopping.signal,
          waitTimeoutMs: settings.waitTimeoutMs,
        };
      } catch (e) {
        return { diagnostics: diagnosticsFromError(e, "Cannot configure the fibrix provider") };
      }
    }
    return { diagnostics };
  }

  async ValidateResourceConfig(req: { type_name: string; config?: DynamicValueMsg | null }): Promise<Diags> {
    const r = this.resource(req.type_name);
    const config = asObject(fromDynamicValue(req.config, schemaType(r.schema)));
    return { diagnostics: config ? validateConfig(r.schema.attributes, r.model, config) : [] };
  }

  async ValidateDataResourceConfig(req: {
    type_name: string;
    config?: DynamicValueMsg | null;
  }): Promise<Diags> {
    const d = findDataSource(req.type_name);
    if (!d) return { diagnostics: [errorDiagnostic("Unknown data source", req.type_name)] };
    fromDynamicValue(req.config, schemaType(d.schema)); // a malformed value becomes a diagnostic
    return { diagnostics: [] };
  }

  async UpgradeResourceState(req: {
    type_name: string;
    version: number;
    raw_state?: { json?: Bytes; flatmap?: Record<string, string> } | null;
  }): Promise<{ upgraded_state: Value } & Diags> {
    const r = this.resource(req.type_name);
    const t = schemaType(r.schema);
    if (Number(req.version) > r.schema.version) {
      return {
        upgraded_state: null,
        diagnostics: [
          errorDiagnostic(
            "State from a newer provider",
            `state schema version ${req.version} is newer than this provider's (${r.schema.version})`,
          ),
        ],
      };
    }
    // Version 0 is the only schema so far: conform() fills attributes added since and drops removed ones.
    const state = fromDynamicValue({ json: req.raw_state?.json ?? null }, t);
    return { upgraded_state: this.value(state, t), diagnostics: [] };
  }

  async PlanResourceChange(req: PlanRequest): Promise<unknown> {
    const r = this.resource(req.type_name);
    const t = schemaType(r.schema);
    const prior = asObject(fromDynamicValue(req.prior_state, t));
    const proposed = asObject(fromDynamicValue(req.proposed_new_state, t));
    const plan = planChange(r, prior, proposed);
    const planned_private =
      prior === null && plan.planned !== null
        ? Buffer.from(JSON.stringify({ idempotencyKey: newIdempotencyKey() }))
        : Buffer.from(req.prior_private ?? []);
    return {
      planned_state: this.value(plan.planned, t),
      requires_replace: plan.requiresReplace.map((n) => attributePath(n)),
      planned_private,
      diagnostics: [],
    };
  }

  async ApplyResourceChange(req: ApplyRequest): Promise<unknown> {
    const r = this.resource(req.type_name);
    const t = schemaType(r.schema);
    const prior = asObject(fromDynamicValue(req.prior_state, t));
    const planned = asObject(fromDynamicValue(req.planned_state, t));
    const ctx = this.context();
    const done = (state: TfObject | null, diagnostics: Diagnostic[] = []) => ({
      new_state: this.value(state, t),
      private: Buffer.from(req.planned_private ?? []),
      diagnostics,
    });
    if (planned === null) {
      if (prior === null) return done(null);
      try {
        await r.delete(ctx, prior);
        return done(null);
      } catch (e) {
        // A failed delete means the object still exists: keep it in the state.
        return done(prior, diagnosticsFromError(e, `Cannot delete ${r.typeName}`));
      }
    }
    if (prior === null) {
      try {
        return done(await r.create(ctx, planned, privateKey(req.planned_private) ?? newIdempotencyKey()));
      } catch (e) {
        if (e instanceof CreatedButFailedError) {
          return done(e.state, diagnosticsFromError(e.failure, `${r.typeName} created but not ready`));
        }
        return done(null, diagnosticsFromError(e, `Cannot create ${r.typeName}`));
      }
    }
    try {
      const { changed } = planChange(r, prior, planned);
      return done(await r.update(ctx, prior, planned, changed));
    } catch (e) {
      return done(prior, diagnosticsFromError(e, `Cannot update ${r.typeName}`));
    }
  }

  async ReadResource(req: ReadRequest): Promise<unknown> {
    const r = this.resource(req.type_name);
    const t = schemaType(r.schema);
    const prior = asObject(fromDynamicValue(req.current_state, t));
    const priv = Buffer.from(req.private ?? []);
    if (prior === null) return { new_state: null, private: priv, diagnostics: [] };
    try {
      return {
        new_state: this.value(await r.read(this.context(), prior), t),
        private: priv,
        diagnostics: [],
      };
    } catch (e) {
      return {
        new_state: this.value(prior, t),
        private: priv,
        diagnostics: diagnosticsFromError(e, `Cannot read ${r.typeName}`),
      };
    }
  }

  async ImportResourceState(req: { type_name: string; id: string }): Promise<unknown> {
    const r = this.resource(req.type_name);
    const t = schemaType(r.schema);
    const state = await r.importState(this.context(), req.id);
    if (state === null) {
      return {
        imported_resources: [],
        diagnostics: [
          errorDiagnostic(
            "Cannot import non-existent object",
            `${r.typeName} ${JSON.stringify(req.id)} does not exist`,
          ),
        ],
      };
    }
    return { imported_resources: [{ type_name: r.typeName, state: this.value(state, t) }], diagnostics: [] };
  }

  async ReadDataSource(req: { type_name: string; config?: DynamicValueMsg | null }): Promise<unknown> {
    const d = findDataSource(req.type_name);
    if (!d) return { state: null, diagnostics: [errorDiagnostic("Unknown data source", req.type_name)] };
    const t = schemaType(d.schema);
    const config = asObject(fromDynamicValue(req.config, t)) ?? {};
    return { state: this.value(await d.read(this.context(), config), t), diagnostics: [] };
  }

  /** Terraform asks the provider to stop: abort every wait, answer, then end the process. */
  async StopProvider(): Promise<{ Error: string }> {
    this.stop();
    return { Error: "" };
  }

  stop(): void {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort(Object.assign(new Error("the provider is stopping"), { code: "STOPPED" }));
    setImmediate(this.onStop);
  }
}

type Method = (req: never) => Promise<unknown>;
const RPCS = [
  "GetMetadata",
  "GetProviderSchema",
  "GetResourceIdentitySchemas",
  "GetFunctions",
  "ValidateProviderConfig",
  "ConfigureProvider",
  "ValidateResourceConfig",
  "ValidateDataResourceConfig",
  "UpgradeResourceState",
  "PlanResourceChange",
  "ApplyResourceChange",
  "ReadResource",
  "ImportResourceState",
  "ReadDataSource",
  "StopProvider",
] as const;

/** gRPC handlers for the Provider service; a thrown error is answered as a diagnostic. */
export function grpcImplementation(server: ProviderServer): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of RPCS) {
    const method = (server[name] as Method).bind(server);
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      Promise.resolve()
        .then(() => method(call.request as never))
        .then(
          (res) => callback(null, res),
          (e: unknown) =>
            name === "StopProvider"
              ? callback(null, { Error: e instanceof Error ? e.message : String(e) })
              : callback(null, { diagnostics: diagnosticsFromError(e, `${name} failed`) }),
        );
    };
  }
  return impl;
}
