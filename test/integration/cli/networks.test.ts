/**
 * `fibrix networks …` and `fibrix security-groups …` in-process against a real region on
 * loopback (as commands.test.ts runs the other groups): create with flags, tables and --json,
 * a tenant key's own view, and errors naming the field with exit code 1.
 */
import { runCli } from "../../helpers/cli-run";
import { ADMIN_KEY, http, startTestRegion, type TestRegion } from "../../helpers/region";

let r: TestRegion;
let tenantKey: string;
let tenantId: string;

/** `fibrix …args` in-process against the test region, with this key. */
const fibrix = (args: string[], key = ADMIN_KEY) => runCli(r.url, args, { FIBRIX_API_KEY: key });

beforeAll(async () => {
  r = await startTestRegion();
  tenantId = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body.id;
  tenantKey = (await http(r.api, "POST", "/apikeys", { body: { name: "ci", tenantId } })).body.key;
});
afterAll(async () => r.stop());

test("networks create/list/show/delete, a tenant's own and the operators' shared ones", async () => {
  const mine = await fibrix(
    ["networks", "create", "--name", "backend", "--cidr", "10.10.0.0/24", "--dns", "9.9.9.9, 1.1.1.1"],
    tenantKey,
  );
  expect(mine).toMatchObject({ code: 0, stderr: "" });
  expect(mine.stdout).toMatch(/net_[0-9a-f]{16} +backend +10\.10\.0\.0\/24 +10\.10\.0\.1 +1 +0\/253 +ten_/);
  const picked = await fibrix(
    ["--json", "network", "create", "--name", "auto", "--prefix-length", "28"],
    tenantKey,
  );
  expect(JSON.parse(picked.stdout)).toMatchObject([{ cidr: "10.128.0.0/28", capacity: 13 }]);
  const shared = await fibrix([
    "networks",
    "create",
    "--name",
    "services",
    "--cidr",
    "172.31.0.0/24",
    "--shared",
  ]);
  expect(shared.stdout).toMatch(/services +172\.31\.0\.0\/24 .* shared/);
  const list = await fibrix(["--json", "networks", "list"], tenantKey);
  expect(
    JSON.parse(list.stdout)
      .map((n: { name: string }) => n.name)
      .sort(),
  ).toEqual(["auto", "backend", "services"]);
  const opsView = await fibrix(["--json", "networks", "list", "--tenant", tenantId]);
  expect(JSON.parse(opsView.stdout)).toHaveLength(3);
  const id = mine.stdout.match(/net_[0-9a-f]{16}/)![0];
  const show = await fibrix(["--json", "networks", "show", id], tenantKey);
  expect(JSON.parse(show.stdout)).toMatchObject({
    id,
    dns: ["9.9.9.9", "1.1.1.1"],
    segment: { kind: "vxlan" },
  });

  const bad = await fibrix(["networks", "create", "--name", "x", "--cidr", "10.10.0.128/25"], tenantKey);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/\/cidr.*overlaps network backend/);
  const del = await fibrix(["networks", "delete", id], tenantKey);
  expect([del.code, del.stdout]).toEqual([0, `deleted ${id}\n`]);
});

test("security-groups create with --rule, set-rules, and a reversed port range named", async () => {
  const g = await fibrix(
    [
      "--json",
      "security-groups",
      "create",
      "--name",
      "web",
      "--rule",
      "tcp:443:0.0.0.0/0",
      "--rule",
      "icmp::10.0.0.0/8",
    ],
    tenantKey,
  );
  expect(g.code).toBe(0);
  const web = JSON.parse(g.stdout)[0];
  expect(web.rules).toEqual([
    { protocol: "tcp", fromPort: 443, toPort: 443, source: "0.0.0.0/0" },
    { protocol: "icmp", source: "10.0.0.0/8" },
  ]);
  const db = await fibrix(
    ["security-group", "create", "--name", "db", "--rule", `tcp:5432:${web.id}`],
    tenantKey,
  );
  expect(db.stdout).toMatch(new RegExp(`tcp:5432 from ${web.id}`));
  const set = await fibrix(
    ["security-groups", "set-rules", web.id, "--rule", "tcp:8000-8080:192.0.2.0/24"],
    tenantKey,
  );
  expect(set.stdout).toMatch(/tcp:8000-8080 from 192\.0\.2\.0\/24/);
  const bad = await fibrix(
    ["security-groups", "set-rules", web.id, "--rule", "tcp:90-80:0.0.0.0/0"],
    tenantKey,
  );
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/\/rules\/0\/toPort.*80 is below fromPort 90/);
  // Named as a source, web cannot go.
  const del = await fibrix(["security-groups", "delete", web.id], tenantKey);
  expect(del.code).toBe(1);
  expect(del.stderr).toMatch(/is a source in the rules of db/);
});
