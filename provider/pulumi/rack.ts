/**
 * `fibrix.Rack`: a rack controller registered in a region (design.md, Resources). DHCP range
 * and description change in place; region, subnet (and name, fabric, gateway, which the API
 * cannot change) replace it. The enrollment token is returned once, at create: it is kept as a
 * secret output, and survives refreshes (the region only keeps its hash).
 */
import { type Static, Type } from "@sinclair/typebox";
import { type Rack as RackObject, RackCreate, RackUpdate } from "../../sdk/schema/rack";
import { rackModel } from "../../sdk/model/rack";
import { createOnce } from "./create-key";
import { diffRulesOf, planDiff } from "./diff-plan";
import type { ResourceHooks } from "./resource-hooks";
import { guardedPatch } from "./guarded-update";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

export const RackInputs = Type.Object(
  { ...RackCreate.properties, createKeySeed: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type RackInputs = Static<typeof RackInputs>;
export type RackOutputs = Omit<RackObject, "id"> &
  Pick<RackInputs, "createKeySeed"> & {
    /** Secret; only known to the stack that created the rack (an imported rack has none). */
    enrollmentToken?: string;
  };

const CREATE_KEYS = keysOf(RackCreate);
const UPDATE_KEYS = keysOf(RackUpdate);

export const RACK_DIFF = diffRulesOf(rackModel);

function toOutputs(
  live: RackObject & { enrollmentToken?: string },
  inputs: Partial<RackOutputs>,
): RackOutputs {
  const { id: _id, ...rest } = live;
  return compact({
    ...rest,
    enrollmentToken: live.enrollmentToken ?? inputs.enrollmentToken,
    createKeySeed: inputs.createKeySeed,
  });
}

/** What the region reports, as inputs (nulls are "not set"). */
function liveInputs(outs: RackOutputs): Partial<RackInputs> {
  const picked = pick(outs, CREATE_KEYS) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== null)) as Partial<RackInputs>;
}

export const rackHooks = {
  async check(_olds, news) {
    const failures = checkInputs(rackModel, RackInputs, news);
    return { inputs: news as RackInputs, ...(failures.length > 0 ? { failures } : {}) };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, RACK_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as RackCreate;
    try {
      const r = await createOnce(
        inputs.createKeySeed ?? `rack/${inputs.name}`,
        body,
        (idempotencyKey) => client.racks.create(body, { idempotencyKey }),
        (id) => client.racks.get(id),
      );
      return { id: r.id, outs: toOutputs(r, inputs) };
    } catch (e) {
      throw providerError(`create Rack ${inputs.name}`, e);
    }
  },

  async read(id, props) {
    try {
      const outs = toOutputs(await regionClient().racks.get(id), props ?? {});
      return { id, props: outs, inputs: liveInputs(outs) };
    } catch (e) {
      throw providerError(`read Rack ${id}`, e);
    }
  },

  async update(id, olds, news) {
    try {
      const body = pick(news, UPDATE_KEYS) as RackUpdate;
      const client = regionClient();
      const live = await guardedPatch({
        what: `rack ${news.name}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: UPDATE_KEYS,
        asOutputs: (x: RackObject) => toOutputs(x, olds) as unknown as Record<string, unknown>,
        get: () => client.racks.get(id),
        patch: (ifMatch) => client.racks.update(id, body, { ifMatch }),
      });
      return { outs: toOutputs(live, { ...news, enrollmentToken: olds.enrollmentToken }) };
    } catch (e) {
      throw providerError(`update Rack ${news.name}`, e);
    }
  },

  async delete(id, props) {
    try {
      await regionClient().racks.delete(id);
    } catch (e) {
      if ((e as { code?: string }).code === "NOT_FOUND") return;
      throw providerError(`delete Rack ${props.name}`, e);
    }
  },
} satisfies ResourceHooks<RackInputs, RackOutputs>;
