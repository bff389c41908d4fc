/**
 * The web console: the static files `npm run build` writes to dist/ui (ui/ is their source),
 * served at `/`, read into memory once at start (a few tens of KB). Any other GET outside the
 * API and the health/metrics endpoints answers index.html, so the console's own routes
 * (/machines/mch_…) load on a reload. The console calls the same REST API as any client.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { FibrixError } from "../../sdk/errors";
import { sendProblem } from "./problem";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};
/** Paths the console never shadows: they keep their own answers (and their 404s). */
const RESERVED = /^\/(api(\/|$)|healthz$|readyz$|metrics$)/;
/**
 * Everything comes from the region itself: nothing is fetched from elsewhere at run time.
 * Scripts are the region's files only; styles may also be inline, because the VM console's
 * terminal (xterm.js) sizes its rows with <style> elements it writes at run time.
 */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
}

/** The package root: the nearest folder upwards with a package.json (from source or from dist/). */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export function consoleDir(): string {
  return process.env.FIBRIX_UI_DIR ?? join(packageRoot(__dirname), "dist", "ui");
}

function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        out.set(`/${relative(dir, p).split(sep).join("/")}`, {
          body: readFileSync(p),
          type: TYPES[extname(p)] ?? "application/octet-stream",
        });
    }
  };
  walk(dir);
  return out;
}

export function installConsole(app: FastifyInstance, dir = consoleDir()): void {
  const assets = loadAssets(dir);
  const index = assets.get("/index.html");
  const send = (reply: FastifyReply, a: Asset, immutable: boolean) =>
    reply
      .type(a.type)
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(a.body);
  app.get("/*", { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split("?")[0]!;
    if (RESERVED.test(path)) {
      return sendProblem(reply, new FibrixError("NOT_FOUND", `no route ${req.method} ${path}`));
    }
    const asset = assets.get(path);
    // Vite names built assets by content hash: they never change under their name.
    if (asset && path !== "/index.html") return send(reply, asset, path.startsWith("/assets/"));
    if (path.startsWith("/assets/")) {
      return sendProblem(reply, new FibrixError("NOT_FOUND", `no console asset ${path}`));
    }
    if (!index) {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The web console is not built: run `npm run build` (it writes dist/ui).\n");
    }
    return send(reply, index, false);
  });
}
