/**
 * Regenerates provider/terraform/gen/ (the CDKTF bindings) from the provider's schema.
 * Run: node -r ./test/integration/terraform/ts-register.js scripts/gen-cdktf.ts
 * (it needs no network; `unshare -n` in front of it proves that).
 */
import { rmSync } from "node:fs";
import { GEN_DIR, generateCdktfBindings } from "../provider/terraform/cdktf-bindings";

rmSync(GEN_DIR, { recursive: true, force: true });
generateCdktfBindings(GEN_DIR).then(
  () => console.log(`CDKTF bindings written to ${GEN_DIR}`),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
