/** The README's first quick-start command runs to the end and stops by itself. */
import { execFile } from "node:child_process";
import { join } from "node:path";

test("fibrix demo: region + lab + example program, on loopback, exits 0", async () => {
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
  expect(out.stdout.match(/power on, next boot PXE, \d+ sensors/g)).toHaveLength(3);
  expect(out.stdout).toContain("ns1.girona.fibrix.example → 127.0.0.1");
  expect(out.stdout).toContain("tenant acme sees pools: gold");
  expect(out.stdout).toMatch(/▸ done\n$/);
}, 150_000);
