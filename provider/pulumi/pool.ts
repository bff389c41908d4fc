/**
 * `fibrix.Pool`: a resource pool of VM hosts with over-commit ratios and tenant grants
 * (design.md, Resources). Ratios, description and tenants change in place; the name replaces
 * it. The region refuses to delete a pool that still has hosts or VMs, and says so.
 */
import { type Static, Type } from "@sinclair/typebox";
import { type Pool as PoolObject, PoolCreate, PoolUpdate } from "../../sdk/schema/pool";
import { poolModel } from "../../sdk/model/pool";
import { createOnce } from "./create-key";
import { diffRulesOf, planDiff } from "./diff-plan";
import type { ResourceHooks } from "./resource-hooks";
import { guardedPatch } from "./guarded-update";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

export const PoolInputs = Type.Object(
  { ...PoolCreate.properties, createKeySeed: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type PoolInputs = Static<typeof PoolInputs>;
export type PoolOutputs = Omit<PoolObject, "id"> & Pick<PoolInputs, "createKeySeed">;

const CREATE_KEYS = keysOf(PoolCreate);
const UPDATE_KEYS = keysOf(PoolUpdate);

export const POOL_DIFF = diffRulesOf(poolModel);

function toOutputs(live: PoolObject, inputs: Partial<PoolInputs>): PoolOutputs {
  const { id: _id, ...rest } = live;
  return compact({ ...rest, createKeySeed: inputs.createKeySeed });
}

export const poolHooks = {
  async check(_olds, news) {
    const failures = checkInputs(poolModel, PoolInputs, news);
    return { inputs: news as PoolInputs, ...(failures.length > 0 ? { failures } : {}) };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, POOL_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as PoolCreate;
    try {
      const p = await createOnce(
        inputs.createKeySeed ?? `pool/${inputs.name}`,
        body,
        (idempotencyKey) => client.pools.create(body, { idempotencyKey }),
        (id) => client.pools.get(id),
      );
      return { id: p.id, outs: toOutputs(p, inputs) };
    } catch (e) {
      throw providerError(`create Pool ${inputs.name}`, e);
    }
  },

  async read(id, props) {
    try {
      const outs = toOutputs(await regionClient().pools.get(id), props ?? {});
      return { id, props: outs, inputs: pick(outs, CREATE_KEYS) };
    } catch (e) {
      throw providerError(`read Pool ${id}`, e);
    }
  },

  async update(id, olds, news) {
    try {
      const body = pick(news, UPDATE_KEYS) as PoolUpdate;
      const client = regionClient();
      const live = await guardedPatch({
        what: `pool ${news.name}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: UPDATE_KEYS,
        asOutputs: (x: PoolObject) => toOutputs(x, olds) as unknown as Record<string, unknown>,
        get: () => client.pools.get(id),
        patch: (ifMatch) => client.pools.update(id, body, { ifMatch }),
      });
      return { outs: toOutputs(live, news) };
    } catch (e) {
      throw providerError(`update Pool ${news.name}`, e);
    }
  },

  async delete(id, props) {
    try {
      await regionClient().pools.delete(id);
    } catch (e) {
      if ((e as { code?: string }).code === "NOT_FOUND") return;
      throw providerError(`delete Pool ${props.name}`, e);
    }
  },
} satisfies ResourceHooks<PoolInputs, PoolOutputs>;
