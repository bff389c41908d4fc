/**
 * The hooks of a resource with nothing to wait for (Network, SecurityGroup, PublicIpPool):
 * check with the model, diff with its rules, create with an idempotency key (operators may
 * name the tenant in `tenantId`), read, update guarded by the version read last, and delete
 * (already gone is done). The same steps pool.ts spells out, written once for the rest.
 */
import { type TObject, Type } from "@sinclair/typebox";
import type { FibrixClient } from "../../sdk/client";
import type { ResourceModel } from "../../sdk/model/resource-model";
import { Id } from "../../sdk/schema/common";
import { createOnce } from "./create-key";
import { type DiffRules, diffRulesOf, planDiff } from "./diff-plan";
import { guardedPatch } from "./guarded-update";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import type { ResourceHooks } from "./resource-hooks";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

type Bag = Record<string, unknown>;
type Live = Bag & { id: string; version: number };

interface PlainClient {
  create(body: never, opts: { idempotencyKey?: string; tenant?: string }): Promise<unknown>;
  get(id: string): Promise<unknown>;
  update(id: string, body: never, opts: { ifMatch?: string | number }): Promise<unknown>;
  delete(id: string): Promise<unknown>;
}

export interface PlainResourceDef {
  model: ResourceModel;
  /** Whether operators may create it for a tenant (`tenantId` input). */
  tenantOwned: boolean;
  client(c: FibrixClient): PlainClient;
}

/** The provider's inputs of a plain resource: the model's create schema plus the provider's knobs. */
export function plainInputs(def: PlainResourceDef): TObject {
  return Type.Object(
    {
      ...def.model.create.properties,
      ...(def.tenantOwned ? { tenantId: Type.Optional(Id) } : {}),
      createKeySeed: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  );
}

export function plainDiff(def: PlainResourceDef): DiffRules {
  return diffRulesOf(def.model, def.tenantOwned ? { compared: ["tenantId"] } : {});
}

export function plainHooks(def: PlainResourceDef): ResourceHooks<Bag, Bag> {
  const { model } = def;
  const inputs = plainInputs(def);
  const rules = plainDiff(def);
  const createKeys = keysOf(model.create);
  const updateKeys = keysOf(model.update);
  const kept = def.tenantOwned ? [...createKeys, "tenantId"] : createKeys;
  const toOutputs = (live: Live, i: Bag): Bag => {
    const { id: _id, ...rest } = live;
    return compact({ ...rest, createKeySeed: i.createKeySeed });
  };
  const liveInputs = (outs: Bag): Bag =>
    Object.fromEntries(Object.entries(pick(outs, kept)).filter(([, v]) => v !== null));
  return {
    async check(_olds, news) {
      const failures = checkInputs(model, inputs, news);
      return { inputs: news as Bag, ...(failures.length > 0 ? { failures } : {}) };
    },
    async diff(_id, olds, news) {
      return planDiff(olds, news, rules);
    },
    async create(i) {
      const api = def.client(regionClient());
      const body = pick(i, createKeys) as never;
      const tenant = def.tenantOwned && typeof i.tenantId === "string" ? i.tenantId : undefined;
      try {
        const live = (await createOnce(
          (i.createKeySeed as string | undefined) ?? `${model.name}/${tenant ?? ""}/${String(i.name)}`,
          body,
          (idempotencyKey) =>
            api.create(body, { idempotencyKey, ...(tenant ? { tenant } : {}) }) as Promise<Live>,
          (id) => api.get(id) as Promise<Live>,
        )) as Live;
        return { id: live.id, outs: toOutputs(live, i) };
      } catch (e) {
        throw providerError(`create ${model.name} ${String(i.name)}`, e);
      }
    },
    async read(id, props) {
      try {
        const outs = toOutputs((await def.client(regionClient()).get(id)) as Live, props ?? {});
        return { id, props: outs, inputs: liveInputs(outs) };
      } catch (e) {
        throw providerError(`read ${model.name} ${id}`, e);
      }
    },
    async update(id, olds, news) {
      const api = def.client(regionClient());
      try {
        const body = pick(news, updateKeys) as never;
        const live = (await guardedPatch({
          what: `${model.name} ${String(news.name)}`,
          lastRead: olds as Bag & { version: number },
          managed: updateKeys,
          asOutputs: (x: Live) => toOutputs(x, olds),
          get: () => api.get(id) as Promise<Live>,
          patch: (ifMatch) => api.update(id, body, { ifMatch }) as Promise<Live>,
        })) as Live;
        return { outs: toOutputs(live, news) };
      } catch (e) {
        throw providerError(`update ${model.name} ${String(news.name)}`, e);
      }
    },
    async delete(id, props) {
      try {
        await def.client(regionClient()).delete(id);
      } catch (e) {
        if ((e as { code?: string }).code === "NOT_FOUND") return;
        throw providerError(`delete ${model.name} ${String(props.name)}`, e);
      }
    },
  };
}
