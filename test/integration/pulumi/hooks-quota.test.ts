/**
 * The Quota hooks of the Pulumi provider against a real region on loopback, as the engine
 * calls them: check → create → read → update in place (a limit left out is lifted) → diff
 * replaces on the tenant → delete; bad inputs named at check; a second quota of one scope
 * refused with the region's message.
 */
import { configureProvider } from "../../../provider/pulumi/provider-config";
import { quotaHooks } from "../../../provider/pulumi/quota";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";
import { adminConfig } from "./lab-fixture";

let r: TestRegion;
let tenantId: string;
let other: string;

beforeAll(async () => {
  r = await startTestRegion();
  configureProvider(adminConfig(r));
  tenantId = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body.id;
  other = (await http(r.api, "POST", "/tenants", { body: { name: "other" } })).body.id;
});
afterAll(async () => {
  configureProvider(undefined);
  await r?.stop();
});

test("Quota: create → read → update (a dropped limit is lifted) → tenant replaces → delete", async () => {
  const inputs = { tenantId, vms: 5, cores: 10, createKeySeed: "t/s/Quota/acme" };
  expect((await quotaHooks.check({}, inputs)).failures).toBeUndefined();
  const { id, outs } = await quotaHooks.create(inputs);
  expect(outs).toMatchObject({ tenantId, poolId: null, vms: 5, cores: 10, memoryMiB: null, version: 1 });
  expect(outs.used).toEqual({
    vms: 0,
    cores: 0,
    memoryMiB: 0,
    diskGiB: 0,
    publicIps: 0,
    networks: 0,
    snapshots: 0,
  });
  // A retried create (same seed) is the same quota.
  expect((await quotaHooks.create(inputs)).id).toBe(id);
  expect((await quotaHooks.read(id, outs)).props).toEqual(outs);

  const news = { tenantId, vms: 8, memoryMiB: 16384, createKeySeed: inputs.createKeySeed };
  expect(await quotaHooks.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
  const up = await quotaHooks.update(id, outs, news);
  expect(up.outs).toMatchObject({ vms: 8, cores: null, memoryMiB: 16384, version: 2 });
  expect((await http(r.api, "GET", `/quotas/${id}`)).body).toMatchObject({
    vms: 8,
    cores: null,
    memoryMiB: 16384,
  });

  expect(await quotaHooks.diff(id, up.outs, { ...news, tenantId: other })).toMatchObject({
    replaces: ["tenantId"],
  });
  await quotaHooks.delete(id, up.outs);
  expect((await http(r.api, "GET", `/quotas/${id}`)).status).toBe(404);
  await quotaHooks.delete(id, up.outs); // already gone: fine
});

test("Quota: bad inputs fail at check naming the field; a second quota of one scope is the region's 409", async () => {
  const r1 = await quotaHooks.check({}, { tenantId, cores: -1 } as never);
  expect(r1.failures?.map((f) => f.property)).toEqual(["cores"]);
  const r2 = await quotaHooks.check({}, { vms: 1 } as never);
  expect(r2.failures?.map((f) => f.property)).toEqual(["tenantId"]);
  const first = await quotaHooks.create({ tenantId: other, vms: 1 });
  await expect(quotaHooks.create({ tenantId: other, vms: 2 })).rejects.toThrow(
    /CONFLICT: tenant .* already has a quota tenant-wide/,
  );
  await quotaHooks.delete(first.id, first.outs);
});
