/**
 * Regenerates provider/pulumi/schema.json (the Pulumi package schema) from the resource models,
 * the TypeBox schemas and the diff rules (provider/pulumi/codegen/package-schema.ts).
 * Run: node -r ./test/integration/terraform/ts-register.js scripts/gen-pulumi-schema.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageSchemaText } from "../provider/pulumi/codegen/package-schema";

const file = join(__dirname, "../provider/pulumi/schema.json");
writeFileSync(file, packageSchemaText());
console.log(`Pulumi package schema written to ${file}`);
