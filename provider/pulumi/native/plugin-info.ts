/**
 * The plugin's version: the package's (package.json), which is also the version the generated
 * SDK asks the engine for, so a program and its plugin always match. Found by walking up from
 * this file, which works from the sources, from dist/ and from the unpacked plugin tarball.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const PACKAGE_NAME = "fibrix-metal";

let cached: { version: string; root: string } | undefined;

function find(): { version: string; root: string } {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === "string") {
        cached = { version: pkg.version, root: dir };
        return cached;
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`pulumi-resource-fibrix: no package.json of ${PACKAGE_NAME} above ${__dirname}`);
}

export function pluginVersion(): string {
  return find().version;
}

/** The package's root directory (where package.json and provider/pulumi/schema.json live). */
export function packageRoot(): string {
  return find().root;
}
