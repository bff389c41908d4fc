/**
 * The README's first quick-start command runs to the end and stops by itself: region, rack
 * agent, lab PE860s commissioned through the rack (IPMI + network boot), one deployed, DNS.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

test("fibrix demo: region + rack + lab + example program, on loopback, exits 0", async () => {
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(__dirname, "../../bin/fibrix.js"), "demo", "--machines", "3"],
      { timeout: 120_000 },
      (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    );
  });
  expect(out.code).toBe(0);
  expect(out.stdout).toMatch(/API http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
  expect(out.stdout.match(/enlisted pe860-0\d/g)).toHaveLength(3);
  expect(out.stdout).toMatch(/rack rck_[0-9a-f]{16} online/);
  expect(
    out.stdout.match(/pe860-0\d: Ready — 2 cores, 8192 MiB, disks sda 233 GiB, power off/g),
  ).toHaveLength(3);
  expect(out.stdout).toContain("pe860-01: Deployed at 10.20.0.101");
  expect(out.stdout.match(/power (on|off), \d+ sensors, CPU Temp/g)).toHaveLength(3);
  expect(out.stdout).toContain("pe860-01.girona.fibrix.example → 10.20.0.101");
  expect(out.stdout).toContain("ns1.girona.fibrix.example → 127.0.0.1");
  expect(out.stdout).toContain("tenant acme sees pools: gold");
  expect(out.stdout).toMatch(/▸ done\n$/);
}, 150_000);
