import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The package's version, found upwards from here (works from cli/ in source and dist/cli/ when built). */
export function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "fibrix-metal") return pkg.version ?? "0.0.0";
  }
  return "0.0.0";
}
