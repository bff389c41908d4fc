// The web console's build: `npm run build` runs `vite build ui`, writing dist/ui, which the
// region serves at / (backend/region/console.ts). No plugin is needed: Vite's own transform
// compiles TSX for Preact's automatic JSX runtime.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Loaded from the region itself, never a CDN; one small bundle is fastest on a PE860.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
