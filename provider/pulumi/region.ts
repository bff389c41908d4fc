/**
 * `fibrix.Region`: a site with its DNS zone (design.md, Resources). Description and DNS TTL
 * change in place; name and DNS domain replace it. Deleting a region that still has racks is
 * refused with the region's own message, unless `forceDelete` (which removes its empty racks).
 */
import { type Static, Type } from "@sinclair/typebox";
import { type Region as RegionObject, RegionCreate, RegionUpdate } from "../../sdk/schema/region";
import { regionModel } from "../../sdk/model/region";
import { createOnce } from "./create-key";
import { diffRulesOf, planDiff } from "./diff-plan";
import type { ResourceHooks } from "./resource-hooks";
import { guardedPatch } from "./guarded-update";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

/** The inputs: the API's create body plus provider-only knobs. */
export const RegionInputs = Type.Object(
  {
    ...RegionCreate.properties,
    forceDelete: Type.Optional(
      Type.Boolean({ description: "on delete, also remove the region's (machine-less) racks" }),
    ),
    createKeySeed: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type RegionInputs = Static<typeof RegionInputs>;
export type RegionOutputs = Omit<RegionObject, "id"> & Pick<RegionInputs, "forceDelete" | "createKeySeed">;

const CREATE_KEYS = keysOf(RegionCreate);
const UPDATE_KEYS = keysOf(RegionUpdate);

export const REGION_DIFF = diffRulesOf(regionModel);

function toOutputs(live: RegionObject, inputs: Partial<RegionInputs>): RegionOutputs {
  const { id: _id, ...rest } = live;
  return compact({ ...rest, forceDelete: inputs.forceDelete, createKeySeed: inputs.createKeySeed });
}

export const regionHooks = {
  async check(_olds, news) {
    const failures = checkInputs(regionModel, RegionInputs, news);
    return failures.length > 0
      ? { inputs: news as RegionInputs, failures }
      : { inputs: news as RegionInputs };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, REGION_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as RegionCreate;
    try {
      const r = await createOnce(
        inputs.createKeySeed ?? `region/${inputs.name}`,
        body,
        (idempotencyKey) => client.regions.create(body, { idempotencyKey }),
        (id) => client.regions.get(id),
      );
      return { id: r.id, outs: toOutputs(r, inputs) };
    } catch (e) {
      throw providerError(`create Region ${inputs.name}`, e);
    }
  },

  async read(id, props) {
    try {
      const live = await regionClient().regions.get(id);
      const outs = toOutputs(live, props ?? {});
      return {
        id,
        props: outs,
        inputs: compact({ ...pick(outs, CREATE_KEYS), forceDelete: props?.forceDelete }),
      };
    } catch (e) {
      throw providerError(`read Region ${id}`, e);
    }
  },

  async update(id, olds, news) {
    try {
      const body = pick(news, UPDATE_KEYS) as RegionUpdate;
      const client = regionClient();
      const live = await guardedPatch({
        what: `region ${news.name}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: UPDATE_KEYS,
        asOutputs: (x: RegionObject) => toOutputs(x, olds) as unknown as Record<string, unknown>,
        get: () => client.regions.get(id),
        patch: (ifMatch) => client.regions.update(id, body, { ifMatch }),
      });
      return { outs: toOutputs(live, news) };
    } catch (e) {
      throw providerError(`update Region ${news.name}`, e);
    }
  },

  async delete(id, props) {
    try {
      await regionClient().regions.delete(id, { force: props.forceDelete === true });
    } catch (e) {
      // Already gone (deleted out of band): nothing left to do.
      if ((e as { code?: string }).code === "NOT_FOUND") return;
      throw providerError(`delete Region ${props.name}`, e);
    }
  },
} satisfies ResourceHooks<RegionInputs, RegionOutputs>;
