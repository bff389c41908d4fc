/**
 * The rack's HTTP boot server (node:http: it streams large files and needs no schema layer):
 *   GET  /boot.ipxe?mac=${net0/mac}      per-machine iPXE script (ipxe-scripts.ts)
 *   GET  /kernel, /initrd                the ephemeral environment
 *   GET  /images/NAME                    a deployable raw disk image
 *   POST /report/:machineId/:kind        what the environment found or did (X-Fibrix-Token)
 * It listens on a TCP address of the rack's machine subnet, or on a Unix socket (tests in a
 * network namespace reach that through netns-relay.ts).
 */
import { createReadStream, statSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { BootError } from "./boot-error";
import { parseEnvReport, type ReportKind } from "./env-report";
import { ipxeScript } from "./ipxe-scripts";
import type { BootServices } from "./services";

const MAX_REPORT_BYTES = 1024 * 1024;
const REPORT_KINDS = new Set<ReportKind>(["commission", "deploy", "booted"]);

export type ListenTarget = { host: string; port: number } | { path: string };

export class BootHttpServer {
  private readonly server: Server;
  /** Requests served, by route (for logs and tests). */
  readonly stats = { scripts: 0, files: 0, reports: 0, rejected: 0 };

  constructor(
    private readonly services: BootServices,
    private readonly log?: Logger,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        this.log?.warn({ err: e }, "boot request failed");
        if (!res.headersSent) this.send(res, 500, "internal error\n");
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  listen(target: ListenTarget): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new BootError("BOOT_HTTP_FAILED", `boot HTTP server cannot listen: ${e.message}`, true));
      this.server.once("error", onError);
      const done = () => {
        this.server.off("error", onError);
        const a = this.server.address();
        resolve(typeof a === "string" ? a : `${(a as AddressInfo).address}:${(a as AddressInfo).port}`);
      };
      if ("path" in target) this.server.listen(target.path, done);
      else this.server.listen(target.port, target.host, done);
    });
  }

  address(): AddressInfo | string | null {
    return this.server.address();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private send(res: ServerResponse, status: number, body: string, type = "text/plain"): void {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://rack");
    const path = url.pathname;
    if (req.method === "GET" || req.method === "HEAD") {
      if (path === "/boot.ipxe") {
        const { decision, machineId } = this.services.decide(url.searchParams.get("mac") ?? "");
        this.stats.scripts++;
        this.log?.info(
          { mac: url.searchParams.get("mac"), machineId, decision: decision.kind },
          "boot script",
        );
        this.send(res, 200, ipxeScript(decision));
        return;
      }
      if (path === "/kernel") return this.file(req, res, this.services.opts.kernelPath);
      if (path === "/initrd") return this.file(req, res, this.services.opts.initrdPath);
      const image = /^\/images\/([^/]+)$/.exec(path);
      if (image) {
        const p = this.services.imagePath(decodeURIComponent(image[1]!));
        if (!p) return this.send(res, 404, "no such image\n");
        return this.file(req, res, p);
      }
      return this.send(res, 404, "not found\n");
    }
    const report = /^\/report\/([A-Za-z0-9_-]{1,64})\/([a-z]+)$/.exec(path);
    if (req.method === "POST" && report) {
      const kind = report[2] as ReportKind;
      if (!REPORT_KINDS.has(kind)) return this.send(res, 404, "unknown report kind\n");
      const token = String(req.headers["x-fibrix-token"] ?? "");
      const body = await readBody(req, MAX_REPORT_BYTES);
      if (body === undefined) {
        this.stats.rejected++;
        return this.send(res, 413, "report too large\n");
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        this.stats.rejected++;
        return this.send(res, 400, "report is not JSON\n");
      }
      try {
        const r = parseEnvReport(parsed, kind);
        this.services.deliver(report[1]!, kind, token, r);
      } catch (e) {
        this.stats.rejected++;
        const msg = e instanceof Error ? e.message : String(e);
        this.log?.warn({ machineId: report[1], kind, err: msg }, "report rejected");
        const code = e instanceof BootError ? e.code : "";
        const status = code === "BOOT_REPORT_FORBIDDEN" ? 403 : code === "BOOT_REPORT_UNEXPECTED" ? 409 : 400;
        return this.send(res, status, `${msg}\n`);
      }
      this.stats.reports++;
      this.log?.info({ machineId: report[1], kind }, "report received");
      return this.send(res, 200, "ok\n");
    }
    return this.send(res, 405, "method not allowed\n");
  }

  private file(req: IncomingMessage, res: ServerResponse, path: string): void {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      this.send(res, 404, "not available on this rack\n");
      return;
    }
    this.stats.files++;
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const s = createReadStream(path);
    s.on("error", () => res.destroy());
    s.pipe(res);
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(over ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
