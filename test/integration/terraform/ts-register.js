/**
 * Runs the provider's TypeScript sources in a child process without a build: each .ts file is
 * transpiled (no type check; `tsc` does that) to CommonJS as it is required. Terraform starts
 * the plugin several times per command, so transpiled files are cached on disk by path, size
 * and mtime, and `typescript` itself is only loaded on a cache miss.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const cacheDir = path.join(os.tmpdir(), `fibrix-ts-register-${process.getuid?.() ?? "u"}`);
fs.mkdirSync(cacheDir, { recursive: true });
let ts;

require.extensions[".ts"] = (module, filename) => {
  const st = fs.statSync(filename);
  const key = crypto.createHash("sha1").update(`${filename}:${st.size}:${st.mtimeMs}`).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    ts ??= require("typescript");
    code = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        resolveJsonModule: true,
      },
    }).outputText;
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  }
  module._compile(code, filename);
};
