/**
 * Generates the CDKTF bindings (TypeScript constructs `Region`, `VirtualMachine`, …) from the
 * provider's own schema JSON with @cdktf/provider-generator, exactly as `cdktf get` would from
 * `terraform providers schema -json`, but without needing a terraform binary. The output is
 * committed under provider/terraform/gen/ (run scripts/gen-cdktf.ts after a schema change;
 * test/unit/terraform/cdktf-bindings.test.ts fails when the committed copy is stale).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROVIDER_ADDRESS, PROVIDER_VERSION } from "./provider";
import { providerSchemasJson } from "./schema-json";

export const GEN_DIR = join(__dirname, "gen");

/**
 * The generator's output predates `noImplicitOverride` (our tsconfig): mark the members it
 * overrides from cdktf's base classes, so the bindings type-check with the rest of the code.
 */
export function addOverrideModifiers(source: string): string {
  return source
    .replace(
      /constructor\(protected terraformResource: cdktf\.IInterpolatingParent, protected terraformAttribute: string, protected wrapsSet: boolean\)/g,
      "constructor(protected override terraformResource: cdktf.IInterpolatingParent, protected override terraformAttribute: string, protected override wrapsSet: boolean)",
    )
    .replace(/ {2}protected synthesizeAttributes\(\)/g, "  protected override synthesizeAttributes()")
    .replace(/ {2}protected synthesizeHclAttributes\(\)/g, "  protected override synthesizeHclAttributes()")
    .replace(/ {2}public get alias\(\)/g, "  public override get alias()")
    .replace(/ {2}public set alias\(/g, "  public override set alias(");
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

export async function generateCdktfBindings(targetDir: string = GEN_DIR): Promise<void> {
  // Importing @cdktf/commons runs `terraform version`, which would phone HashiCorp's
  // checkpoint service: never from here.
  process.env.CHECKPOINT_DISABLE = "1";
  // devDependencies: loaded only when generating, never by the provider at run time.
  const { CodeMaker, TerraformProviderGenerator } = await import("@cdktf/provider-generator");
  const commons = await import("@cdktf/commons");
  const schema = { ...providerSchemasJson(), provider_versions: { [PROVIDER_ADDRESS]: PROVIDER_VERSION } };
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema as never);
  // With a constraint, synthesized stacks pin `required_providers.fibrix.version`.
  const constraint = new commons.TerraformProviderConstraint(`${PROVIDER_ADDRESS}@~> ${PROVIDER_VERSION}`);
  generator.generate(new commons.ConstructsMakerProviderTarget(constraint, commons.LANGUAGES[0]!));
  await generator.save(targetDir);
  for (const f of tsFiles(targetDir)) writeFileSync(f, addOverrideModifiers(readFileSync(f, "utf8")));
}
