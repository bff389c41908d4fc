/**
 * `fibrix_quota` driven as Terraform core drives it (terraform-core.ts: the real plugin process
 * over the go-plugin handshake) against a real region: create, update in place, a limit taken
 * out of the configuration is lifted, tenant_id replaces, import by id, destroy.
 */
import { http, startTestRegion, ADMIN_KEY, type TestRegion } from "../../helpers/region";
import { TerraformCore } from "./terraform-core";

jest.setTimeout(120_000);

let region: TestRegion;
let ops: TerraformCore;
let tenantId: string;

beforeAll(async () => {
  region = await startTestRegion();
  tenantId = (await http(region.api, "POST", "/tenants", { body: { name: "acme" } })).body.id;
  ops = await TerraformCore.launch();
  await ops.loadSchemas();
  expect(await ops.configure({ endpoint: region.url, api_key: ADMIN_KEY })).toEqual([]);
});
afterAll(async () => {
  await ops?.kill();
  await region?.stop();
});

test("fibrix_quota: create, limits update in place, a dropped limit is lifted, tenant replaces, import, destroy", async () => {
  const cfg = { tenant_id: tenantId, vms: 4, cores: 8 };
  const { state } = await ops.converge("fibrix_quota", null, cfg);
  expect(state).toMatchObject({ tenant_id: tenantId, pool_id: null, vms: 4, cores: 8, memory_mib: null });
  expect((await http(region.api, "GET", `/quotas/${String(state.id)}`)).body).toMatchObject({
    vms: 4,
    cores: 8,
  });

  const upd = await ops.converge("fibrix_quota", state, { ...cfg, cores: 16, memory_mib: 8192 });
  expect(upd.requiresReplace).toEqual([]);
  expect(upd.state).toMatchObject({ id: state.id, cores: 16, memory_mib: 8192 });

  const lifted = await ops.converge("fibrix_quota", upd.state, {
    tenant_id: tenantId,
    vms: 4,
    memory_mib: 8192,
  });
  expect(lifted.state).toMatchObject({ id: state.id, cores: null, memory_mib: 8192 });
  expect((await http(region.api, "GET", `/quotas/${String(state.id)}`)).body.cores).toBeNull();

  const other = (await http(region.api, "POST", "/tenants", { body: { name: "other" } })).body.id;
  expect(
    (await ops.plan("fibrix_quota", lifted.state, { ...cfg, tenant_id: other })).requiresReplace,
  ).toEqual(["tenant_id"]);
  expect((await ops.importState("fibrix_quota", String(state.id))).state).toEqual(lifted.state);
  expect(await ops.destroy("fibrix_quota", lifted.state)).toEqual([]);
  expect((await http(region.api, "GET", `/quotas/${String(state.id)}`)).status).toBe(404);
});
