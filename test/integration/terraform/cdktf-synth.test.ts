/**
 * The CDKTF side of issue #7: `cdktf synth` of examples/cdktf (the customer program) produces
 * a stack that references the fibrix provider (source and version) and its resources
 * correctly, real Terraform accepts that stack against the provider's live schema
 * (`terraform validate` through dev_overrides), and the committed bindings in
 * provider/terraform/gen/ match what the generator makes from the current schema.
 * The CLI runs are confined to a network namespace of their own (only loopback), since the
 * cdktf libraries run `terraform version`, which would otherwise try HashiCorp's checkpoint.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

jest.setTimeout(240_000);

const ROOT = join(__dirname, "../../..");
const REGISTER = join(__dirname, "ts-register.js");

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const netns = works("unshare", ["-n", "sh", "-c", "ip link set lo up"]);
const terraform = works("sh", ["-c", "command -v terraform"]);
if (!netns)
  console.warn("cdktf-synth.test.ts: cannot create a network namespace (unshare -n); CLI steps skipped");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fibrix-cdktf-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command with only a loopback network, bounded in time. */
function isolated(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000) {
  return new Promise<{ code: number; out: string }>((resolve, reject) => {
    const child = spawn("unshare", ["-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1", ...env },
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

interface Stack {
  provider: Record<string, unknown[]>;
  terraform: { required_providers: Record<string, { source: string; version?: string }> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: string }>;
}

let stackDir: string;
/** A Terraform interpolation as CDKTF writes it into cdk.tf.json. */
const ref = (expr: string) => `\${${expr}}`;

(netns ? test : test.skip)(
  "cdktf synth of the example references the provider and its resources",
  async () => {
    const out = join(dir, "cdktf.out");
    const res = await isolated(
      [
        join(ROOT, "node_modules/.bin/cdktf"),
        "synth",
        "--app",
        `${process.execPath} -r ${REGISTER} main.ts`,
        "--output",
        out,
      ],
      join(ROOT, "examples/cdktf"),
      { CI: "1", FORCE_COLOR: "0" },
    );
    expect([res.code, res.out]).toEqual([
      0,
      expect.stringMatching(/Generated Terraform code for the stacks: web-tier/),
    ]);
    stackDir = join(out, "stacks/web-tier");
    const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Stack;
    expect(stack.terraform.required_providers.fibrix).toEqual({
      source: "registry.terraform.io/fibrix/fibrix",
      version: "0.1.0",
    });
    expect(Object.keys(stack.provider)).toEqual(["fibrix"]);
    const vms = stack.resource.fibrix_virtual_machine!;
    expect(Object.keys(vms)).toEqual(["web-1", "web-2", "web-3"]);
    for (const [name, vm] of Object.entries(vms)) {
      expect(vm).toMatchObject({
        name,
        image: "ubuntu-24.04",
        cores: 2,
        memory_mib: 2048,
        disk_gib: 20,
        anti_affinity_group: "web",
        spread: "region",
        pool_id: ref("data.fibrix_pools.pool.pools[0].id"),
      });
    }
    expect(stack.data.fibrix_pools!.pool).toMatchObject({ name: "shared" });
    expect(Object.values(stack.output).map((o) => o.value)).toEqual([
      ref("fibrix_virtual_machine.web-1.fqdn"),
      ref("fibrix_virtual_machine.web-2.fqdn"),
      ref("fibrix_virtual_machine.web-3.fqdn"),
    ]);
  },
);

(netns && terraform ? test : test.skip)(
  "terraform validate accepts the synthesized stack against the provider's schema",
  async () => {
    expect(stackDir).toBeDefined();
    const plugins = join(dir, "plugins");
    mkdirSync(plugins, { recursive: true });
    const plugin = join(plugins, "terraform-provider-fibrix");
    writeFileSync(
      plugin,
      `#!/bin/sh\nexec "${process.execPath}" -r "${REGISTER}" "${join(ROOT, "provider/terraform/main.ts")}"\n`,
    );
    chmodSync(plugin, 0o755);
    const rc = join(dir, "terraformrc");
    writeFileSync(
      rc,
      `provider_installation {\n  dev_overrides {\n    "fibrix/fibrix" = "${plugins}"\n  }\n  direct { exclude = ["*/*"] }\n}\n`,
    );
    const ok = await isolated(["terraform", "validate", "-no-color"], stackDir, { TF_CLI_CONFIG_FILE: rc });
    expect([ok.code, ok.out]).toEqual([0, expect.stringMatching(/Success! The configuration is valid/)]);

    // A wrong type in the stack is caught by Terraform with the provider's schema.
    const path = join(stackDir, "cdk.tf.json");
    const stack = JSON.parse(readFileSync(path, "utf8")) as Stack;
    stack.resource.fibrix_virtual_machine!["web-1"]!.cores = "many";
    stack.resource.fibrix_virtual_machine!["web-2"]!.no_such_attribute = 1;
    writeFileSync(path, JSON.stringify(stack));
    const bad = await isolated(["terraform", "validate", "-no-color"], stackDir, { TF_CLI_CONFIG_FILE: rc });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Incorrect attribute value type|a number is required/);
    expect(bad.out).toMatch(/no_such_attribute/);
  },
);

function files(d: string): string[] {
  return readdirSync(d)
    .flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]))
    .sort();
}

(netns ? test : test.skip)(
  "the committed CDKTF bindings are what the generator makes from the current schema",
  async () => {
    const fresh = join(dir, "gen");
    const res = await isolated(
      [
        process.execPath,
        "-r",
        REGISTER,
        "-e",
        `require(${JSON.stringify(join(ROOT, "provider/terraform/cdktf-bindings.ts"))}).generateCdktfBindings(${JSON.stringify(fresh)}).catch((e) => { console.error(e); process.exit(1); })`,
      ],
      ROOT,
    );
    expect(res.code).toBe(0);
    const committed = join(ROOT, "provider/terraform/gen");
    const names = (d: string) => files(d).map((f) => relative(d, f));
    expect(names(committed)).toEqual(names(fresh));
    for (const f of names(fresh)) {
      expect([f, readFileSync(join(committed, f), "utf8")]).toEqual([
        f,
        readFileSync(join(fresh, f), "utf8"),
      ]);
    }
  },
);
