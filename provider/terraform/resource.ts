/**
 * What a managed resource is to the provider (one per file under resources/, like the
 * terraform-provider-scaffolding's `example_resource.go`): schema + plan rules + CRUD +
 * import. `apiResource` builds the common part for a REST collection of the region; each
 * resource adds its waits (commissioning, VM start) and its own replacement rules.
 */
import type { FibrixClient } from "../../sdk/client";
import { fieldsWith, type ResourceModel } from "../../sdk/model/resource-model";
import type { CreateOptions, DeleteOptions, UpdateOptions } from "../../sdk/resources/collection";
import { NotFoundError } from "../../sdk/errors";
import type { WaitOptions } from "../../sdk/waiters";
import type { TfObject } from "./dynamic-value";
import { type Operation, timeoutOf, timeoutsAttribute } from "./local-attributes";
import type { PlanRules } from "./plan";
import { toSnake } from "./naming";
import { deriveSchema, type TfAttribute } from "./schema";
import { type ApiObject, apiToState, stateToApi } from "./state-mapping";

/**
 * The object was created but did not reach its target state (commissioning failed, the VM
 * did not start): Terraform must record it (tainted) rather than forget it.
 */
export class CreatedButFailedError extends Error {
  readonly code = "CREATED_BUT_FAILED";
  readonly retryable = false;
  constructor(
    readonly state: TfObject,
    readonly failure: unknown,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = "CreatedButFailedError";
  }
}

export interface ResourceContext {
  client: FibrixClient;
  /** Aborted when Terraform stops the provider: every wait then ends at once. */
  signal: AbortSignal;
  /** Upper bound for each wait (commissioning, VM start, deletion). */
  waitTimeoutMs: number;
}

export interface TfResource extends PlanRules {
  typeName: string;
  /** The resource model: the configuration is checked offline with its schema and rules. */
  model: ResourceModel;
  create(ctx: ResourceContext, planned: TfObject, idempotencyKey: string): Promise<TfObject>;
  /** The current state, or null when the object is gone (Terraform then plans to create it). */
  read(ctx: ResourceContext, prior: TfObject): Promise<TfObject | null>;
  update(
    ctx: ResourceContext,
    prior: TfObject,
    planned: TfObject,
    changed: readonly string[],
  ): Promise<TfObject>;
  delete(ctx: ResourceContext, prior: TfObject): Promise<void>;
  importState(ctx: ResourceContext, id: string): Promise<TfObject | null>;
}

/** The SDK sub-client surface a resource needs (sdk/client.ts `ResourceClient`). */
export interface CrudClient {
  create(body: ApiObject, opts?: CreateOptions): Promise<unknown>;
  get(id: string): Promise<unknown>;
  update(id: string, body: ApiObject, opts?: UpdateOptions): Promise<unknown>;
  delete(id: string, opts?: DeleteOptions): Promise<unknown>;
  waitForDeletion(id: string, opts?: WaitOptions<unknown>): Promise<void>;
}

export interface ApiResourceDef {
  typeName: string;
  /** Fields, descriptions, secrets, stable and create-only fields, replacement rules. */
  model: ResourceModel;
  /** Terraform-only attributes (force_destroy), never sent to the API. */
  extra?: readonly TfAttribute[];
  client(c: FibrixClient): CrudClient;
  /** Waits for the object's target state after create; returns the object as it then is. */
  afterCreate?(ctx: ResourceContext, obj: ApiObject, planned: TfObject): Promise<ApiObject>;
  afterUpdate?(ctx: ResourceContext, obj: ApiObject, planned: TfObject, prior: TfObject): Promise<ApiObject>;
  /** Removes the object from whatever state it is in (a machine is released first); replaces the DELETE. */
  remove?(ctx: ResourceContext, id: string): Promise<void>;
  /** Extra options of the DELETE call (a region's `force`). */
  deleteOptions?(prior: TfObject): DeleteOptions;
  /** Operations that wait, hence offer a `timeouts` entry (default: create, update, delete). */
  timeouts?: readonly Operation[];
}

/** The context with the resource's own `timeouts.<op>` in place of the provider default. */
export function withTimeout(ctx: ResourceContext, state: TfObject | null, op: Operation): ResourceContext {
  const ms = timeoutOf(state, op);
  return ms === undefined ? ctx : { ...ctx, waitTimeoutMs: ms };
}

export function waitOptions<T>(ctx: ResourceContext): WaitOptions<T> {
  return { timeoutMs: ctx.waitTimeoutMs, intervalMs: 250, signal: ctx.signal };
}

export function idOf(state: TfObject): string {
  const id = state.id;
  if (typeof id !== "string" || id === "") throw new NotFoundError("the state has no id");
  return id;
}

/** Top-level Terraform names of the model's fields with `flag`. */
function topNames(model: ResourceModel, flag: "stable" | "createOnly"): string[] {
  return fieldsWith(model, flag)
    .filter((n) => !n.includes("."))
    .map(toSnake);
}

export function apiResource(def: ApiResourceDef): TfResource {
  const { model } = def;
  const schema = deriveSchema({
    description: model.description,
    create: model.create,
    update: model.update,
    output: model.output,
    // A nested secret (power.password) is marked by its own name, at its depth.
    sensitive: fieldsWith(model, "secret").map((n) => n.split(".").pop()!),
    descriptions: Object.fromEntries(
      Object.entries(model.fields)
        .filter(([n, a]) => a.description !== undefined && !n.includes("."))
        .map(([n, a]) => [n, a.description!]),
    ),
    extra: [
      ...(def.extra ?? []),
      ...(def.timeouts?.length === 0
        ? []
        : [timeoutsAttribute(def.timeouts ?? ["create", "update", "delete"])]),
    ],
  });
  const asApi = (x: unknown) => x as ApiObject;
  const reasons = model.replaceReasons;
  return {
    typeName: def.typeName,
    schema,
    model,
    stableComputed: topNames(model, "stable"),
    ignoreChanges: topNames(model, "createOnly"),
    ...(reasons
      ? {
          replaceWhen: (prior: TfObject, planned: TfObject) =>
            reasons(stateToApi(schema.attributes, prior), stateToApi(schema.attributes, planned)).map((e) =>
              toSnake(e.field.split("/")[1] ?? ""),
            ),
        }
      : {}),

    async create(outer, planned, idempotencyKey) {
      const ctx = withTimeout(outer, planned, "create");
      const api = def.client(ctx.client);
      let obj = asApi(await api.create(stateToApi(schema.attributes, planned), { idempotencyKey }));
      if (def.afterCreate) {
        try {
          obj = { ...obj, ...(await def.afterCreate(ctx, obj, planned)) };
        } catch (e) {
          const now = await api.get(String(obj.id)).then(asApi, () => obj);
          throw new CreatedButFailedError(apiToState(schema, now, planned), e);
        }
      }
      return apiToState(schema, obj, planned);
    },

    async read(ctx, prior) {
      try {
        return apiToState(schema, asApi(await def.client(ctx.client).get(idOf(prior))), prior);
      } catch (e) {
        if (e instanceof NotFoundError) return null;
        throw e;
      }
    },

    async update(outer, prior, planned, changed) {
      const ctx = withTimeout(outer, planned, "update");
      const api = def.client(ctx.client);
      const id = idOf(prior);
      const body = stateToApi(schema.attributes, planned, (a) => a.updatable && changed.includes(a.name));
      let obj: ApiObject;
      if (Object.keys(body).length === 0) obj = asApi(await api.get(id));
      else {
        const version = typeof prior.version === "number" ? prior.version : undefined;
        obj = asApi(await api.update(id, body, version !== undefined ? { ifMatch: version } : {}));
      }
      if (def.afterUpdate) obj = { ...obj, ...(await def.afterUpdate(ctx, obj, planned, prior)) };
      return apiToState(schema, obj, planned);
    },

    async delete(outer, prior) {
      const ctx = withTimeout(outer, prior, "delete");
      const api = def.client(ctx.client);
      const id = idOf(prior);
      try {
        if (def.remove) return await def.remove(ctx, id);
        const pending = await api.delete(id, def.deleteOptions?.(prior) ?? {});
        if (pending !== undefined) await api.waitForDeletion(id, waitOptions(ctx));
      } catch (e) {
        if (e instanceof NotFoundError) return; // already gone: the goal of a delete
        throw e;
      }
    },

    async importState(ctx, id) {
      try {
        return apiToState(schema, asApi(await def.client(ctx.client).get(id)), null);
      } catch (e) {
        if (e instanceof NotFoundError) return null;
        throw e;
      }
    },
  };
}
