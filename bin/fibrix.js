#!/usr/bin/env node
// The `fibrix` command: built TypeScript lives in dist/ (run `npm run build` once).
require("../dist/cli/main.js").main(process.argv);
