/**
 * Regenerates provider/pulumi/sdk/ (the Node.js SDK of the `fibrix` package) from
 * provider/pulumi/schema.json (provider/pulumi/codegen/nodejs-sdk.ts); run after
 * scripts/gen-pulumi-schema.ts.
 * Run: node -r ./test/integration/terraform/ts-register.js scripts/gen-pulumi-sdk.ts
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodejsSdkFiles } from "../provider/pulumi/codegen/nodejs-sdk";
import type { PackageSchema } from "../provider/pulumi/codegen/package-schema";

const root = join(__dirname, "..");
const dir = join(root, "provider/pulumi/sdk");
const schema = JSON.parse(readFileSync(join(root, "provider/pulumi/schema.json"), "utf8")) as PackageSchema;
const files = nodejsSdkFiles(schema, root);
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith(".ts") && !files.has(f)) rmSync(join(dir, f));
for (const [f, text] of files) writeFileSync(join(dir, f), text);
console.log(`Node.js SDK written to ${dir} (${files.size} files)`);
