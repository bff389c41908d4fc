/**
 * `fibrix.Quota`: an operator's limits for one tenant, tenant-wide or in one pool (design.md,
 * Resources: quotas). Limits change in place, and a limit left out of the program is lifted
 * (the update sends it as null), so the declaration is the whole of the quota; the tenant and
 * the pool replace it. Deleting it lifts every limit.
 */
import { type Static, Type } from "@sinclair/typebox";
import { quotaModel } from "../../sdk/model/quota";
import {
  QUOTA_FIELDS,
  type Quota as QuotaObject,
  QuotaCreate,
  type QuotaUpdate,
} from "../../sdk/schema/quota";
import { createOnce } from "./create-key";
import { diffRulesOf, planDiff } from "./diff-plan";
import { guardedPatch } from "./guarded-update";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import type { ResourceHooks } from "./resource-hooks";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

export const QuotaInputs = Type.Object(
  { ...QuotaCreate.properties, createKeySeed: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type QuotaInputs = Static<typeof QuotaInputs>;
export type QuotaOutputs = Omit<QuotaObject, "id"> & Pick<QuotaInputs, "createKeySeed">;

const CREATE_KEYS = keysOf(QuotaCreate);
const MANAGED = [...QUOTA_FIELDS, "description"];

export const QUOTA_DIFF = diffRulesOf(quotaModel);

function toOutputs(live: QuotaObject, inputs: Partial<QuotaInputs>): QuotaOutputs {
  const { id: _id, ...rest } = live;
  return compact({ ...rest, createKeySeed: inputs.createKeySeed });
}

/** Every limit, a missing one as null: what the program does not limit is not limited. */
function updateBody(news: QuotaInputs): QuotaUpdate {
  const body: QuotaUpdate = Object.fromEntries(QUOTA_FIELDS.map((f) => [f, news[f] ?? null]));
  if (news.description !== undefined) body.description = news.description;
  return body;
}

export const quotaHooks = {
  async check(_olds, news) {
    const failures = checkInputs(quotaModel, QuotaInputs, news);
    return { inputs: news as QuotaInputs, ...(failures.length > 0 ? { failures } : {}) };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, QUOTA_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as QuotaCreate;
    try {
      const q = await createOnce(
        inputs.createKeySeed ?? `quota/${inputs.tenantId}/${inputs.poolId ?? "*"}`,
        body,
        (idempotencyKey) => client.quotas.create(body, { idempotencyKey }),
        (id) => client.quotas.get(id),
      );
      return { id: q.id, outs: toOutputs(q, inputs) };
    } catch (e) {
      throw providerError(`create Quota of ${inputs.tenantId}`, e);
    }
  },

  async read(id, props) {
    try {
      const outs = toOutputs(await regionClient().quotas.get(id), props ?? {});
      return { id, props: outs, inputs: pick(outs, CREATE_KEYS) };
    } catch (e) {
      throw providerError(`read Quota ${id}`, e);
    }
  },

  async update(id, olds, news) {
    try {
      const client = regionClient();
      const live = await guardedPatch({
        what: `quota ${id}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: MANAGED,
        asOutputs: (x: QuotaObject) => toOutputs(x, olds) as unknown as Record<string, unknown>,
        get: () => client.quotas.get(id),
        patch: (ifMatch) => client.quotas.update(id, updateBody(news), { ifMatch }),
      });
      return { outs: toOutputs(live, news) };
    } catch (e) {
      throw providerError(`update Quota ${id}`, e);
    }
  },

  async delete(id, props) {
    try {
      await regionClient().quotas.delete(id);
    } catch (e) {
      if ((e as { code?: string }).code === "NOT_FOUND") return;
      throw providerError(`delete Quota of ${props.tenantId}`, e);
    }
  },
} satisfies ResourceHooks<QuotaInputs, QuotaOutputs>;
