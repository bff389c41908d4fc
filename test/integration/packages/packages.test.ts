/**
 * The publishable packages (npm workspaces under packages/): each one's compiled files load
 * only node's built-ins and the dependencies its package.json declares (so a customer's
 * `npm install @fibrix/pulumi` brings @pulumi/pulumi and nothing of the region server), each
 * packs only its compiled files, and each loads and exports what its users call.
 * Built by `npm run build` (the root build builds the workspaces), as `npm test` does first.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

const ROOT = join(__dirname, "../../..");
const PACKAGES = ["sdk", "pulumi", "cdktf"];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

test.each(PACKAGES)("%s: requires only built-ins and its declared dependencies", (name) => {
  const dir = join(ROOT, "packages", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const declared = new Set(Object.keys(pkg.dependencies ?? {}));
  const used = new Set<string>();
  for (const f of jsFiles(join(dir, "dist"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/require\("([^"]+)"\)/g)) {
      const spec = m[1]!;
      if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec)) continue;
      used.add(packageOf(spec));
    }
  }
  expect([...used].sort()).toEqual([...declared].sort());
  // What its entry point needs loads from the package (no file outside it is reached).
  const entry = require(join(dir, pkg.main));
  expect(Object.keys(entry).length).toBeGreaterThan(0);
});

test("each package packs its compiled files and package.json only; the Pulumi one exports the resources", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--workspaces", "--silent"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const packs = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  expect(packs.map((p) => p.name).sort()).toEqual(["@fibrix/cdktf", "@fibrix/pulumi", "@fibrix/sdk"]);
  for (const p of packs) {
    const stray = p.files.map((f) => f.path).filter((f) => f !== "package.json" && !f.startsWith("dist/"));
    expect([p.name, stray]).toEqual([p.name, []]);
    expect(p.files.some((f) => f.path.endsWith(".test.js"))).toBe(false);
  }
  const fibrix = require(join(ROOT, "packages/pulumi/dist/provider/pulumi/index.js"));
  expect(Object.keys(fibrix)).toEqual(
    expect.arrayContaining(["Region", "Rack", "Machine", "VirtualMachine", "Pool", "getImages"]),
  );
});
