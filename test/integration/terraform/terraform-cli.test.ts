/**
 * The provider under the real Terraform CLI (found on PATH; the test is skipped with a note
 * when there is none): `terraform apply` of a configuration with every resource against a real
 * region, a no-op re-plan (read and plan agree: no drift), an in-place update, a replacement
 * plan, `terraform import`, and `terraform destroy`. The provider is installed through
 * `dev_overrides`, as README explains for users. Terraform cannot reach any registry: direct
 * installation is excluded, checkpoint is off and HTTP(S) proxies point at a closed local port.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ADMIN_KEY,
  addVmHost,
  http,
  registerImage,
  type TestRegion,
  startTestRegion,
} from "../../helpers/region";
import { type RackDriver, startRackDriver } from "./rack-driver";

jest.setTimeout(300_000);

const ROOT = join(__dirname, "../../..");
const terraform = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v terraform || command -v tofu"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
})();
const maybe = terraform ? test : test.skip;
if (!terraform) console.warn("terraform-cli.test.ts: no terraform or tofu on PATH; skipped");

let region: TestRegion;
let dir: string;
let work: string;
let driver: RackDriver | undefined;
let tenantId: string;
let tenantKey: string;

interface Run {
  code: number;
  out: string;
}

function tf(args: string[], cwd = work, timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(terraform, args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TF_CLI_CONFIG_FILE: join(dir, "terraformrc"),
        TF_IN_AUTOMATION: "1",
        TF_INPUT: "0",
        CHECKPOINT_DISABLE: "1",
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
        NO_PROXY: "127.0.0.1,localhost",
        TF_VAR_endpoint: region.url,
        TF_VAR_admin_key: ADMIN_KEY,
        TF_VAR_tenant_key: tenantKey,
        TF_VAR_tenant_id: tenantId,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    child.stderr.on("data", (d) => {
      out += String(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await tf(args);
  if (r.code !== 0) throw new Error(`terraform ${args.join(" ")} exited ${r.code}:\n${r.out}`);
  return r.out;
}

const INFRA = `
terraform {
  required_providers {
    fibrix = { source = "fibrix/fibrix" }
  }
}
variable "endpoint" {}
variable "admin_key" { sensitive = true }
variable "tenant_key" { sensitive = true }
variable "tenant_id" {}

provider "fibrix" {
  endpoint             = var.endpoint
  api_key              = var.admin_key
  wait_timeout_seconds = 60
}
provider "fibrix" {
  alias    = "acme"
  endpoint = var.endpoint
  api_key  = var.tenant_key
}

resource "fibrix_region" "girona" {
  name        = "girona"
  dns_domain  = "girona.fibrix.example"
  description = "DESCRIPTION"
}
resource "fibrix_rack" "r1" {
  name       = "rack-1"
  region_id  = fibrix_region.girona.id
  subnet     = "10.20.0.0/24"
  dhcp_range = { start = "10.20.0.100", end = "10.20.0.200" }
}
resource "fibrix_pool" "shared" {
  name           = "shared"
  cpu_overcommit = 2
  tenants        = [var.tenant_id]
}
output "rack_token" {
  value     = fibrix_rack.r1.enrollment_token
  sensitive = true
}
output "rack_id" { value = fibrix_rack.r1.id }
output "pool_id" { value = fibrix_pool.shared.id }
`;

const WORKLOAD = `
resource "fibrix_machine" "pe860" {
  hostname = "pe860-01"
  rack_id  = fibrix_rack.r1.id
  macs     = ["52:54:00:7f:20:01"]
  power = {
    type     = "ipmi"
    address  = "127.0.0.1"
    port     = 9623
    user     = "root"
    password = "calvin"
  }
}
data "fibrix_pools" "mine" {
  provider   = fibrix.acme
  name       = "shared"
  depends_on = [fibrix_pool.shared]
}
resource "fibrix_virtual_machine" "web" {
  provider   = fibrix.acme
  name       = "web-1"
  pool_id    = data.fibrix_pools.mine.pools[0].id
  image      = "ubuntu-24.04"
  cores      = 1
  memory_mib = 1024
  disk_gib   = 20
  user_data  = "#cloud-config\\n"
}
output "fqdn" { value = fibrix_virtual_machine.web.fqdn }
`;

function writeConfig(description: string, withWorkload: boolean): void {
  writeFileSync(join(work, "main.tf"), INFRA.replace("DESCRIPTION", description));
  if (withWorkload) writeFileSync(join(work, "workload.tf"), WORKLOAD);
  else rmSync(join(work, "workload.tf"), { force: true });
}

beforeAll(async () => {
  if (!terraform) return;
  region = await startTestRegion();
  await registerImage(region.api, "ubuntu-24.04", { os: "ubuntu" });
  tenantId = (await http(region.api, "POST", "/tenants", { body: { name: "acme" } })).body.id;
  tenantKey = (await http(region.api, "POST", "/apikeys", { body: { name: "ci", tenantId } })).body.key;
  dir = mkdtempSync(join(tmpdir(), "fibrix-tf-"));
  const plugins = join(dir, "plugins");
  work = join(dir, "work");
  mkdirSync(plugins);
  mkdirSync(work);
  const plugin = join(plugins, "terraform-provider-fibrix");
  writeFileSync(
    plugin,
    `#!/bin/sh\nexec "${process.execPath}" -r "${join(__dirname, "ts-register.js")}" "${join(ROOT, "provider/terraform/main.ts")}"\n`,
  );
  chmodSync(plugin, 0o755);
  writeFileSync(
    join(dir, "terraformrc"),
    `provider_installation {\n  dev_overrides {\n    "fibrix/fibrix" = "${plugins}"\n  }\n  direct { exclude = ["*/*"] }\n}\n`,
  );
});

afterAll(async () => {
  await driver?.stop();
  await region?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

maybe("terraform apply → no-op plan → update in place → replace plan → import → destroy", async () => {
  writeConfig("main site", false);
  await ok(["apply", "-auto-approve", "-no-color"]);
  const token = (await ok(["output", "-raw", "rack_token"])).trim();
  expect(token).toMatch(/^fbr_/);
  const rackId = (await ok(["output", "-raw", "rack_id"])).trim();
  const poolId = (await ok(["output", "-raw", "pool_id"])).trim();
  driver = startRackDriver(region.api, token);
  await addVmHost(region, { rackId, poolId, hostname: "kvm-1", mac: "52:54:00:7f:21:01", cores: 4 });

  writeConfig("main site", true);
  const applied = await ok(["apply", "-auto-approve", "-no-color"]);
  expect(applied).toMatch(/fibrix_machine\.pe860: Creation complete/);
  expect(applied).toMatch(/fqdn = "web-1\.girona\.fibrix\.example"/);
  expect(driver.done).toEqual(expect.arrayContaining(["commission", "vm.create"]));

  // Read and plan agree with what apply stored: nothing to do (exit code 0, not 2).
  const noop = await tf(["plan", "-detailed-exitcode", "-no-color"]);
  expect([noop.code, noop.out]).toEqual([0, expect.stringMatching(/No changes/)]);

  writeConfig("Girona DC", true);
  const upd = await tf(["plan", "-detailed-exitcode", "-no-color"]);
  expect(upd.code).toBe(2);
  expect(upd.out).toMatch(/fibrix_region\.girona will be updated in-place/);
  expect(upd.out).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);
  await ok(["apply", "-auto-approve", "-no-color"]);
  expect((await http(region.api, "GET", "/regions")).body.items[0].description).toBe("Girona DC");

  writeFileSync(join(work, "workload.tf"), WORKLOAD.replace('"ubuntu-24.04"', '"centos-stream-9"'));
  const replace = await tf(["plan", "-no-color"]);
  expect(replace.out).toMatch(/fibrix_virtual_machine\.web must be replaced/);
  expect(replace.out).toMatch(/# forces replacement/);
  writeConfig("Girona DC", true);

  // Import the region into a fresh state in another directory.
  const other = join(dir, "import");
  mkdirSync(other);
  writeFileSync(join(other, "main.tf"), INFRA.replace("DESCRIPTION", "Girona DC"));
  const regionId = (await http(region.api, "GET", "/regions")).body.items[0].id;
  const imp = await tf(["import", "-no-color", "fibrix_region.girona", regionId], other);
  expect([imp.code, imp.out]).toEqual([0, expect.stringMatching(/Import successful/)]);
  const shown = await tf(["state", "show", "-no-color", "fibrix_region.girona"], other);
  expect(shown.out).toMatch(/dns_domain\s+= "girona\.fibrix\.example"/);

  // A bad value is reported on its attribute before anything is called.
  writeFileSync(
    join(work, "bad.tf"),
    'resource "fibrix_region" "bad" {\n  name = "Not_A_Label"\n  dns_domain = "x.fibrix.example"\n}\n',
  );
  const bad = await tf(["validate", "-no-color"]);
  expect(bad.code).toBe(1);
  expect(bad.out).toMatch(/on bad\.tf line 2/);
  rmSync(join(work, "bad.tf"));

  // The VM host was not made by Terraform: release it before destroying the pool.
  const hostId = (await http(region.api, "GET", "/machines?vmHost=true")).body.items[0].id;
  const vmDestroy = await ok(["destroy", "-auto-approve", "-no-color", "-target=fibrix_virtual_machine.web"]);
  expect(vmDestroy).toMatch(/Destroy complete/);
  await http(region.api, "POST", `/machines/${hostId}/actions/release`, { body: {} });
  for (let i = 0; i < 100; i++) {
    if ((await http(region.api, "GET", `/machines/${hostId}`)).body.status === "Ready") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await http(region.api, "DELETE", `/machines/${hostId}`)).status).toBe(204);
  const destroyed = await ok(["destroy", "-auto-approve", "-no-color"]);
  expect(destroyed).toMatch(/Destroy complete! Resources: 4 destroyed/);
  expect((await http(region.api, "GET", "/regions")).body.items).toEqual([]);
  expect((await http(region.api, "GET", "/machines")).body.items).toEqual([]);
});
