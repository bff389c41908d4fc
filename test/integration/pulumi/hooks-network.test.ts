/**
 * The provider hooks of Network, SecurityGroup and PublicIpPool against a real region on
 * loopback, as the engine calls them (hooks-infra.test.ts does the same for the others):
 * check → create (an operator acting for a tenant with `tenantId`) → read (import by id, the
 * inputs recorded) → update in place → delete; replacing fields planned; idempotent creates;
 * a refused delete keeps the object.
 */
import { networkHooks, publicIpPoolHooks, securityGroupHooks } from "../../../provider/pulumi/network";
import { configureProvider } from "../../../provider/pulumi/provider-config";
import { adminConfig, http, type PulumiLab, startPulumiLab } from "./lab-fixture";

let lab: PulumiLab;

beforeAll(async () => {
  lab = await startPulumiLab(`fxn${process.pid}-`, { vms: false });
  configureProvider(adminConfig(lab.r));
}, 60_000);
afterAll(async () => {
  configureProvider(undefined);
  await lab?.stop();
});

test("Network: create for a tenant, import, DNS in place, subnet replaces, delete", async () => {
  const inputs = {
    name: "backend",
    cidr: "10.10.0.0/24",
    tenantId: lab.tenantId,
    createKeySeed: "t/s/Network/backend",
  };
  expect((await networkHooks.check({}, inputs)).failures).toBeUndefined();
  const created = await networkHooks.create(inputs);
  const id = created.id;
  const outs = created.outs!;
  expect(outs).toMatchObject({ tenantId: lab.tenantId, gateway: "10.10.0.1", segment: { kind: "vxlan" } });
  // A retried create (same key) is the same network.
  expect((await networkHooks.create(inputs)).id).toBe(id);
  // Import (no properties): the same object, less the state-only create key.
  const imported = await networkHooks.read(id);
  const { createKeySeed: _seed, ...live } = outs;
  expect(imported.props).toEqual(live);
  expect(imported.inputs).toMatchObject({ name: "backend", cidr: "10.10.0.0/24", tenantId: lab.tenantId });
  const news = { ...inputs, dns: ["9.9.9.9"] };
  expect(await networkHooks.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
  const up = await networkHooks.update(id, outs, news);
  expect(up.outs).toMatchObject({ dns: ["9.9.9.9"], version: 2 });
  expect(await networkHooks.diff(id, up.outs!, { ...news, cidr: "10.11.0.0/24" })).toMatchObject({
    replaces: ["cidr"],
  });
  const bad = await networkHooks.check({}, { name: "x", cidr: "10.12.0.9/24" });
  expect(bad.failures).toEqual([{ property: "cidr", reason: "has host bits set; use the network address" }]);
  await networkHooks.delete(id, up.outs!);
  expect((await http(lab.r.api, "GET", `/networks/${id}`)).status).toBe(404);
  // Gone already: delete is done.
  await networkHooks.delete(id, up.outs!);
});

test("SecurityGroup: rules in place; a group named as a source is not deleted", async () => {
  const web = await securityGroupHooks.create({
    name: "web",
    tenantId: lab.tenantId,
    rules: [{ protocol: "tcp", fromPort: 443, toPort: 443, source: "0.0.0.0/0" }],
  });
  const db = await securityGroupHooks.create({
    name: "db",
    tenantId: lab.tenantId,
    rules: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, source: web.id }],
  });
  const rules = [{ protocol: "icmp", source: "10.0.0.0/8" }];
  const d = await securityGroupHooks.diff(web.id, web.outs!, { name: "web", tenantId: lab.tenantId, rules });
  expect(d).toMatchObject({ changes: true, replaces: [] });
  const up = await securityGroupHooks.update(web.id, web.outs!, {
    name: "web",
    tenantId: lab.tenantId,
    rules,
  });
  expect(up.outs!.rules).toEqual(rules);
  await expect(securityGroupHooks.delete(web.id, up.outs!)).rejects.toThrow(/is a source in the rules of db/);
  await securityGroupHooks.delete(db.id, db.outs!);
  await securityGroupHooks.delete(web.id, up.outs!);
  expect((await http(lab.r.api, "GET", `/security-groups/${web.id}`)).status).toBe(404);
});

test("PublicIpPool: create, read, description in place, block replaces, delete", async () => {
  const inputs = { name: "isp", regionId: lab.regionId, cidr: "203.0.113.0/29", exclude: ["203.0.113.1"] };
  const created = await publicIpPoolHooks.create(inputs);
  const id = created.id;
  const outs = created.outs!;
  expect(outs).toMatchObject({ capacity: 5, used: 0 });
  expect((await publicIpPoolHooks.read(id)).inputs).toMatchObject(inputs);
  const up = await publicIpPoolHooks.update(id, outs, { ...inputs, description: "ISP block A" });
  expect(up.outs!.description).toBe("ISP block A");
  expect(await publicIpPoolHooks.diff(id, up.outs!, { ...inputs, cidr: "203.0.113.8/29" })).toMatchObject({
    replaces: ["cidr"],
  });
  await publicIpPoolHooks.delete(id, up.outs!);
  expect((await http(lab.r.api, "GET", `/public-ip-pools/${id}`)).status).toBe(404);
});
