/** The built `fibrix` command against a region process: tables, --json, errors a person can act on, progress. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_KEY, http, type RegionProcess, startRegionProcess } from "../../helpers/region";

const BIN = join(__dirname, "../../../bin/fibrix.js");
let region: RegionProcess;
const dataDir = mkdtempSync(join(tmpdir(), "fibrix-cli-"));

function fibrix(args: string[], key = ADMIN_KEY): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, FIBRIX_ENDPOINT: region.api.replace(/\/api\/v1$/, ""), FIBRIX_API_KEY: key },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  region = await startRegionProcess(dataDir);
});
afterAll(async () => {
  await region.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("tenant, apikey, list and show, as tables and JSON", async () => {
  const t = await fibrix(["tenant", "create", "acme", "--description", "Acme SL"]);
  expect(t.code).toBe(0);
  expect(t.stdout).toMatch(/^ID\s+NAME\s+DESCRIPTION\nten_[0-9a-f]{16}\s+acme\s+Acme SL\n$/);
  const tenantId = t.stdout.match(/ten_[0-9a-f]{16}/)![0];
  const k = await fibrix(["apikey", "create", "ci", "--tenant", tenantId]);
  expect(k.stdout).toMatch(/shown once:\nfbx_\S{43}\n$/);
  const json = JSON.parse((await fibrix(["--json", "tenants", "list"])).stdout);
  expect(json.map((x: { name: string }) => x.name)).toEqual(["acme"]);
  await fibrix(["--json", "tenants", "show", tenantId]).then((r) =>
    expect(JSON.parse(r.stdout).id).toBe(tenantId),
  );
  // The tenant's own key cannot list tenants: one clear line, exit 1.
  const tenantKey = k.stdout.trim().split("\n").pop()!;
  const denied = await fibrix(["tenants", "list"], tenantKey);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toBe("error: this operation needs an operator (admin) API key\n");
});

test("bad input and a bad key give errors a person can act on, never a stack trace", async () => {
  const bad = await fibrix(["tenant", "create", "Not A Label"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^error: .*\n {2}\/name: is not valid \(must be a lower-case DNS label\)\n$/);
  const key = await fibrix(["regions", "list"], "fbx_nope");
  expect(key.code).toBe(1);
  expect(key.stderr).toBe("error: unknown or revoked API key\n");
  const missing = await fibrix(["machines", "show", "mch_0000000000000000"]);
  expect(missing.stderr).toBe("error: machine mch_0000000000000000 not found\n");
  expect(`${bad.stderr}${key.stderr}${missing.stderr}`).not.toMatch(/\bat \w+ \(/);
});

test("machines action --wait shows progress until the rack reports", async () => {
  const api = region.api;
  const regionId = (
    await http(api, "POST", "/regions", { body: { name: "girona", dnsDomain: "girona.fibrix.example" } })
  ).body.id;
  const rack = (
    await http(api, "POST", "/racks", {
      body: {
        name: "rack-1",
        regionId,
        subnet: "10.20.0.0/24",
        dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
      },
    })
  ).body;
  const m = (
    await http(api, "POST", "/machines", {
      body: {
        hostname: "pe860-01",
        rackId: rack.id,
        macs: ["52:54:00:00:00:01"],
        power: { type: "manual" },
        commission: false,
      },
    })
  ).body;
  const waiting = fibrix([
    "machines",
    "action",
    m.id,
    "commission",
    "--reason",
    "new disk",
    "--wait",
    "Ready",
    "--timeout",
    "30",
  ]);
  // Play the rack: claim the commissioning task and report an inventory.
  let task: { id: string } | undefined;
  for (let i = 0; i < 100 && !task; i++) {
    const got = await http(api, "POST", "/rack-agent/tasks/claim", {
      key: rack.enrollmentToken,
      body: { waitMs: 200 },
    });
    task = got.body.tasks[0];
  }
  await new Promise((r) => setTimeout(r, 1500));
  await http(api, "POST", `/rack-agent/tasks/${task!.id}/result`, {
    key: rack.enrollmentToken,
    body: {
      ok: true,
      result: { inventory: { cores: 2, memoryMiB: 8192, storage: [], nics: [] }, tests: [] },
    },
  });
  const out = await waiting;
  expect(out.code).toBe(0);
  expect(out.stdout).toMatch(
    /^pe860-01: Commissioning \(new disk\)\n {2}\[\s+\d+ s\] Commissioning {2}new disk\n {2}\[\s+\d+ s\] Ready {2}commissioning passed\n$/,
  );
  const ev = await fibrix(["events", "list", "--object", m.id]);
  expect(ev.stdout).toMatch(/transition\s+Commissioning\s+Ready\s+commissioning passed/);
});
