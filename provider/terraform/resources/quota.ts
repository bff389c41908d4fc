/**
 * `fibrix_quota`: an operator's limits for one tenant, tenant-wide or in one pool. Limits and
 * description change in place; tenant_id and pool_id replace it; destroying it lifts its
 * limits. A limit is not "computed": left out of the configuration it is null, no limit, so
 * taking it out lifts it (the generic update leaves nulls out: afterUpdate sends them).
 */
import { quotaModel } from "../../../sdk/model/quota";
import { QUOTA_FIELDS, type Quota } from "../../../sdk/schema/quota";
import { toSnake } from "../naming";
import { apiResource, type CrudClient, type TfResource } from "../resource";

const derived = apiResource({
  typeName: "fibrix_quota",
  model: quotaModel,
  timeouts: [], // nothing to wait for
  client: (c) => c.quotas as unknown as CrudClient,
  async afterUpdate(ctx, obj, planned) {
    const q = obj as unknown as Quota;
    const lift = QUOTA_FIELDS.filter((f) => planned[toSnake(f)] === null && q[f] !== null);
    if (lift.length === 0) return obj;
    const body = Object.fromEntries(lift.map((f) => [f, null]));
    return (await ctx.client.quotas.update(q.id, body, { ifMatch: q.version })) as unknown as typeof obj;
  },
});

const LIMITS: readonly string[] = QUOTA_FIELDS;

export const quotaResource: TfResource = {
  ...derived,
  schema: {
    ...derived.schema,
    attributes: derived.schema.attributes.map((a) =>
      LIMITS.includes(a.apiName) ? { ...a, computed: false } : a,
    ),
  },
};
