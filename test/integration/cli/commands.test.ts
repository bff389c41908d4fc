/**
 * The `fibrix` commands in-process (`main(argv, io)` with output captured) against a real region
 * on loopback: tables, --json, filters, errors a person can act on, exit codes, progress.
 */
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/io";
import { FibrixClient } from "../../../sdk";
import { ADMIN_KEY, startTestRegion, type TestRegion } from "../../helpers/region";

let r: TestRegion;
let admin: FibrixClient;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fibrix …args` in-process; `stop()` on the io simulates Ctrl-C. */
async function fibrix(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onIo?: (stop: () => void) => void,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const listeners: ((s: string) => void)[] = [];
  const io: CliIo = {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    env: { FIBRIX_ENDPOINT: r.url, FIBRIX_API_KEY: ADMIN_KEY, ...env },
    onStop: (l) => {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
  };
  onIo?.(() => {
    for (const l of [...listeners]) l("SIGINT");
  });
  const code = await main(["node", "fibrix", ...args], io);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  r = await startTestRegion();
  admin = new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY });
});
afterAll(async () => r.stop());

test("tenant create/list/show and apikey create: tables by default, JSON with --json", async () => {
  const t = await fibrix(["tenant", "create", "acme", "--description", "Acme SL"]);
  expect(t).toMatchObject({ code: 0, stderr: "" });
  expect(t.stdout).toMatch(/^ID {20}NAME {2}DESCRIPTION\nten_[0-9a-f]{16} {2}acme {2}Acme SL\n$/);
  const tenantId = t.stdout.match(/ten_[0-9a-f]{16}/)![0];

  const k = await fibrix(["apikey", "create", "ci", "--tenant", tenantId]);
  expect(k.code).toBe(0);
  expect(k.stdout).toMatch(
    new RegExp(`^API key key_[0-9a-f]{16} \\(tenant of tenant ${tenantId}\\), shown once:\\nfbx_\\S+\\n$`),
  );

  const list = await fibrix(["--json", "tenants", "list"]);
  expect(JSON.parse(list.stdout).map((x: { name: string }) => x.name)).toEqual(["acme"]);
  const show = await fibrix(["tenants", "show", tenantId, "--json"]);
  expect(JSON.parse(show.stdout)).toMatchObject({ id: tenantId, name: "acme", description: "Acme SL" });
  const details = await fibrix(["tenant", "show", tenantId]);
  expect(details.stdout).toMatch(new RegExp(`^id {11}${tenantId}\\nname {9}acme\\ndescription  Acme SL\\n`));

  const keys = await fibrix(["apikeys", "list"]);
  expect(keys.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ROLE\s+TENANT\s+LAST USED$/);
  expect(keys.stdout).toMatch(new RegExp(`ci\\s+tenant\\s+${tenantId}`));
  expect(keys.stdout).not.toMatch(/fbx_/);
});

test("resource lists and show: aligned columns, filters, --limit, (none)", async () => {
  const region = await admin.regions.create({ name: "girona", dnsDomain: "girona.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-a",
    regionId: region.id,
    subnet: "10.20.0.0/24",
    dhcpRange: { start: "10.20.0.100", end: "10.20.0.200" },
  });
  const pool = await admin.pools.create({ name: "gold" });
  for (const i of [1, 2, 3]) {
    await admin.machines.create({
      hostname: `pe860-0${i}`,
      rackId: rack.id,
      macs: [`52:54:00:00:01:0${i}`],
      power: { type: "manual" },
      commission: false,
      ...(i === 1 ? { tags: ["row-a"] } : {}),
    });
  }
  const machines = await fibrix(["machines", "list"]);
  expect(machines.code).toBe(0);
  const lines = machines.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^ID {20}HOSTNAME {2}STATUS {2}POWER {4}HEALTH {3}IP {2}POOL {2}RACK$/);
  expect(lines.slice(1)).toHaveLength(3);
  // Every row's STATUS starts in the same column as its header.
  const at = lines[0]!.indexOf("STATUS");
  for (const l of lines.slice(1)) expect(l.slice(at, at + 4)).toBe("New ");
  expect((await fibrix(["machines", "list", "--tag", "row-a"])).stdout).toMatch(
    /^ID.*\nmch_\S+ {2}pe860-01 .*\n$/,
  );
  expect((await fibrix(["machines", "list", "--status", "Ready"])).stdout).toBe("(none)\n");
  expect(JSON.parse((await fibrix(["--json", "machines", "list", "--limit", "2"])).stdout)).toHaveLength(2);
  expect(JSON.parse((await fibrix(["machines", "list", "--rack", rack.id, "--json"])).stdout)).toHaveLength(
    3,
  );

  expect((await fibrix(["regions", "list"])).stdout).toMatch(
    /^ID {20}NAME {4}DNS DOMAIN {13}DESCRIPTION\nrgn_[0-9a-f]{16} {2}girona {2}girona\.fibrix\.example {2}-\n$/,
  );
  expect((await fibrix(["racks", "list", "--region", region.id])).stdout).toMatch(
    /rack-a\s+rgn_\S+\s+10\.20\.0\.0\/24\s+Pending\s+-\n$/,
  );
  expect((await fibrix(["pools", "list"])).stdout).toMatch(/gold\s+0\s+4\s+1\s+0\/0\s+0\/0\s+-\n$/);
  expect((await fibrix(["fabrics", "list"])).stdout).toBe("(none)\n");
  expect((await fibrix(["vms", "list"])).stdout).toBe("(none)\n");
  const show = await fibrix(["racks", "show", rack.id]);
  expect(show.stdout).toMatch(/^dhcpRange\.start {2}10\.20\.0\.100$/m);
  expect(show.stdout).not.toMatch(/enrollmentToken/);
  expect(JSON.parse((await fibrix(["--json", "pools", "show", pool.id])).stdout).name).toBe("gold");
});

test("errors: one line a person can act on (plus bad fields), exit 1; usage errors exit 2", async () => {
  const bad = await fibrix(["tenant", "create", "Not A Label"]);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toBe("");
  expect(bad.stderr).toMatch(/^error: .+\n {2}\/name: .+\n$/);

  const key = await fibrix(["regions", "list"], { FIBRIX_API_KEY: "fbx_nope" });
  expect(key).toMatchObject({ code: 1, stdout: "" });
  expect(key.stderr).toBe("error: unknown or revoked API key (check --api-key or FIBRIX_API_KEY)\n");
  // The flag wins over the environment.
  expect((await fibrix(["--api-key", "fbx_nope", "regions", "list"])).code).toBe(1);
  expect(
    (await fibrix(["--api-key", ADMIN_KEY, "regions", "list"], { FIBRIX_API_KEY: "fbx_nope" })).code,
  ).toBe(0);

  const missing = await fibrix(["machines", "show", "mch_0000000000000000"]);
  expect(missing).toMatchObject({ code: 1, stderr: "error: machine mch_0000000000000000 not found\n" });

  const tenantKey = (
    await admin.apiKeys.create({ name: "t", tenantId: (await admin.tenants.create({ name: "t-co" })).id })
  ).key;
  const denied = await fibrix(["machines", "list"], { FIBRIX_API_KEY: tenantKey });
  expect(denied).toMatchObject({
    code: 1,
    stderr: "error: this operation needs an operator (admin) API key\n",
  });

  const down = await fibrix(["regions", "list"], { FIBRIX_ENDPOINT: "http://127.0.0.1:9" });
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(
    /^error: cannot reach the region at http:\/\/127\.0\.0\.1:9\/api\/v1: ECONNREFUSED \(is the region running\? check --endpoint or FIBRIX_ENDPOINT\)\n$/,
  );

  const illegal = await fibrix(["machines", "action", (await admin.machines.listAll())[0]!.id, "deploy"]);
  expect(illegal.code).toBe(1);
  expect(illegal.stderr).toMatch(/^error: .*commission.*\n$/);

  // Usage errors: exit 2, nothing sent.
  const usage = [
    await fibrix(["regions", "list"], { FIBRIX_ENDPOINT: "" }),
    await fibrix(["regions", "list"], { FIBRIX_API_KEY: "" }),
    await fibrix(["--endpoint", "127.0.0.1:5240", "regions", "list"]),
    await fibrix(["machines", "list", "--status", "Sleeping"]),
    await fibrix(["machines", "action", "mch_0000000000000000", "explode"]),
    await fibrix(["machines", "list", "--limit", "0"]),
    await fibrix(["tenant", "create"]),
    await fibrix(["nonsense"]),
    await fibrix(["machines"]),
  ];
  expect(usage.map((u) => u.code)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2]);
  expect(usage[0]!.stderr).toBe(
    "error: no region given: pass --endpoint URL or set FIBRIX_ENDPOINT (e.g. http://127.0.0.1:5240)\n",
  );
  expect(usage[1]!.stderr).toBe("error: no API key given: pass --api-key KEY or set FIBRIX_API_KEY\n");
  expect(usage[3]!.stderr).toMatch(
    /^error: option '--status <status>' argument 'Sleeping' is invalid\. Allowed choices are New, Commissioning/,
  );
  expect(usage[4]!.stderr).toMatch(
    /^error: command-argument value 'explode' is invalid for argument 'action'\. Allowed choices are commission,/,
  );
  expect(usage[7]!.stderr).toMatch(/^error: unknown command 'nonsense'/);
  const all = [bad, key, missing, denied, down, illegal, ...usage].map((x) => x.stderr).join("");
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // never a stack trace
  const help = await fibrix(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/machines/);
});

test("machines action --wait shows each status change until the target", async () => {
  const region = await admin.regions.create({ name: "reus", dnsDomain: "reus.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-r",
    regionId: region.id,
    subnet: "10.30.0.0/24",
    dhcpRange: { start: "10.30.0.100", end: "10.30.0.200" },
  });
  const m = await admin.machines.create({
    hostname: "pe860-r1",
    rackId: rack.id,
    macs: ["52:54:00:30:00:01"],
    power: { type: "manual" },
    commission: false,
  });
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
  const call = (path: string, body: unknown) =>
    fetch(`${r.api}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${rack.enrollmentToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(
      async (res) => JSON.parse((await res.text()) || "{}") as { tasks: { id: string; objectId: string }[] },
    );
  let task: { id: string } | undefined;
  for (let i = 0; i < 100 && !task; i++)
    task = (await call("/rack-agent/tasks/claim", { waitMs: 200 })).tasks.find((t) => t.objectId === m.id);
  await new Promise((res) => setTimeout(res, 1500));
  await call(`/rack-agent/tasks/${task!.id}/result`, {
    ok: true,
    result: { inventory: { cores: 2, memoryMiB: 8192, storage: [], nics: [] }, tests: [] },
  });
  const out = await waiting;
  expect(out).toMatchObject({ code: 0, stderr: "" });
  expect(out.stdout).toMatch(
    /^pe860-r1: Commissioning \(new disk\)\n {2}\[\s+\d+ s\] Ready \(commissioning passed\)\n$/,
  );

  // --json: progress goes to stderr, stdout is one JSON document.
  const j = await fibrix([
    "--json",
    "machines",
    "action",
    m.id,
    "mark-broken",
    "--reason",
    "fan",
    "--wait",
    "Broken",
  ]);
  expect(j.code).toBe(0);
  expect(JSON.parse(j.stdout)).toMatchObject({ id: m.id, status: "Broken", statusReason: "fan" });
  expect(j.stderr).toBe("pe860-r1: Broken (fan)\n");

  // A wait that cannot end well says so, naming the state and its reason.
  const timeout = await fibrix([
    "machines",
    "action",
    m.id,
    "commission",
    "--wait",
    "Deployed",
    "--timeout",
    "1",
  ]);
  expect(timeout.code).toBe(1);
  expect(timeout.stderr).toMatch(
    /^error: machine mch_\S+ did not reach Deployed: timed out after 1\.\d s; last status seen: Commissioning \(commission\)\n$/,
  );

  const ev = await fibrix(["events", "list", "--object", m.id]);
  expect(ev.stdout.split("\n")[0]).toMatch(
    /^ID {6}AT {24}ACTOR {11}OBJECT {16}KIND {16}FROM {17}TO {19}REASON$/,
  );
  expect(ev.stdout).toMatch(/transition\s+Commissioning\s+Ready\s+commissioning passed/);
  const evJson = JSON.parse((await fibrix(["--json", "events", "list", "--object", m.id])).stdout) as {
    kind: string;
  }[];
  expect(evJson[0]!.kind).toBe("enlisted");
});

test("events list --follow prints new events as they come and stops on Ctrl-C or --max-seconds", async () => {
  const before = await admin.events.list({ limit: 1000 });
  const after = String(before[before.length - 1]!.id);
  let stop: () => void = () => undefined;
  const following = fibrix(
    // Only tenants': the region writes the file's earlier wrong-key calls as one `source`
    // event per auth window (auth-guard.ts), whenever that window closes.
    ["--json", "events", "list", "--follow", "--type", "tenant", "--after", after, "--interval", "1"],
    {},
    (s) => {
      stop = s;
    },
  );
  await admin.tenants.create({ name: "follow-1" });
  await new Promise((res) => setTimeout(res, 1500));
  await admin.tenants.create({ name: "follow-2" });
  await new Promise((res) => setTimeout(res, 1500));
  stop();
  const out = await following;
  expect(out.code).toBe(0);
  const events = out.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { objectType: string; kind: string });
  expect(events.map((e) => `${e.objectType} ${e.kind}`)).toEqual(["tenant created", "tenant created"]);

  const started = Date.now();
  const bounded = await fibrix([
    "events",
    "list",
    "--follow",
    "--type",
    "tenant",
    "--after",
    after,
    "--max-seconds",
    "1",
  ]);
  expect(bounded.code).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(bounded.stdout.split("\n").filter((l) => /tenant\s+|created/.test(l))).toHaveLength(2);
});

test("images create/list/show/delete: the catalogue from the command line", async () => {
  const made = await fibrix([
    "images",
    "create",
    "--name",
    "ubuntu-24.04",
    "--os",
    "ubuntu",
    "--path",
    "/srv/images/noble.qcow2",
  ]);
  expect(made).toMatchObject({ code: 0, stderr: "" });
  expect(made.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+OS\s+FORMAT\s+STATUS\s+HOSTS READY\s+PATH$/);
  expect(made.stdout).toMatch(
    /img_[0-9a-f]{16}\s+ubuntu-24\.04\s+ubuntu\s+qcow2\s+pending\s+0\/0\s+\/srv\/images\/noble\.qcow2/,
  );
  const id = made.stdout.match(/img_[0-9a-f]{16}/)![0];

  const list = await fibrix(["--json", "images", "list"]);
  expect(JSON.parse(list.stdout).map((i: { name: string }) => i.name)).toEqual(["ubuntu-24.04"]);
  expect(JSON.parse((await fibrix(["image", "show", id, "--json"])).stdout)).toMatchObject({
    id,
    source: { path: "/srv/images/noble.qcow2" },
  });

  const relative = await fibrix(["images", "create", "--name", "x", "--os", "other", "--path", "x.qcow2"]);
  expect(relative.code).toBe(1);
  expect(relative.stderr).toMatch(/\n {2}\/source\/path: .+\n$/);
  const os = await fibrix(["images", "create", "--name", "x", "--os", "beos", "--path", "/x.qcow2"]);
  expect(os.code).toBe(2);
  expect(os.stderr).toMatch(/beos/);

  expect(await fibrix(["images", "delete", id])).toMatchObject({ code: 0, stdout: `deleted ${id}\n` });
});

test("machines remove: from Commissioning it aborts, then deletes, showing each step", async () => {
  const region = await admin.regions.create({ name: "lleida", dnsDomain: "lleida.fibrix.example" });
  const rack = await admin.racks.create({
    name: "rack-l",
    regionId: region.id,
    subnet: "10.31.0.0/24",
    dhcpRange: { start: "10.31.0.100", end: "10.31.0.200" },
  });
  const m = await admin.machines.create({
    hostname: "pe860-l1",
    rackId: rack.id,
    macs: ["52:54:00:31:00:01"],
    power: { type: "manual" },
  });
  expect(m.status).toBe("Commissioning");
  const out = await fibrix(["machines", "remove", m.id, "--timeout", "30"]);
  expect(out).toMatchObject({ code: 0, stderr: "" });
  expect(out.stdout).toBe(`${m.id}: Commissioning: abort before removal\n${m.id}: removed\n`);
  await expect(admin.machines.get(m.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  // Already gone is done, not an error (a retried removal).
  expect((await fibrix(["machines", "remove", m.id])).code).toBe(0);
  const ev = JSON.parse((await fibrix(["--json", "events", "list", "--object", m.id])).stdout) as {
    kind: string;
    to: string | null;
  }[];
  expect(ev.map((e) => e.kind)).toEqual(expect.arrayContaining(["transition", "deleted"]));
});
