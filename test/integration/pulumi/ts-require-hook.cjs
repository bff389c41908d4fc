/**
 * Lets the dynamic-provider plugin (plain node) load the provider's TypeScript sources, as a
 * program compiled by `pulumi` (ts-node) would: a `require` hook that transpiles .ts files.
 * Used only by engine-protocol.test.ts, as `node -r <this file> …/cmd/dynamic-provider`.
 */
const { readFileSync } = require("node:fs");
const ts = require("typescript");

require.extensions[".ts"] = (module, filename) => {
  const out = ts.transpileModule(readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      isolatedModules: true,
    },
  });
  module._compile(out.outputText, filename);
};
