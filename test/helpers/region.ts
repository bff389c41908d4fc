/**
 * Starts a real region server on 127.0.0.1 (ephemeral port) for a test: in-process for API
 * tests, or as a child process (`startRegionProcess`) when a test must kill -9 it.
 *
 * FIBRIX_TEST_TLS=1 runs the same tests over HTTPS: both serve a certificate signed by a test
 * CA (tls.ts), and the tests' clients trust that CA: the SDK, CLI, providers and child
 * processes through FIBRIX_CA_BUNDLE, `http()` through an undici Agent, rack agents through
 * the pin their enrollment tokens then carry.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import https from "node:https";
import pino from "pino";
import type { Clock } from "../../backend/region/clock";
import { buildRegion, type RegionApp } from "../../backend/region/server";
import type { Database } from "../../backend/region/store/database";
import type { VmHostConfig } from "../../sdk/schema/machine";
import { own } from "./run-dirs";
import { type CertFiles, TEST_TLS, testCaDispatcher, testPki } from "./tls";

export const ADMIN_KEY = "fbx_test_admin_key_0123456789abcdef";

export interface TestRegion {
  url: string;
  api: string;
  region: RegionApp;
  dataDir: string;
  stop(): Promise<void>;
}

let trustingFetch: typeof fetch | undefined;

/** Under FIBRIX_TEST_TLS: the test CA's region certificate, trusted by this process and its children. */
function suiteTls(): CertFiles | undefined {
  if (!TEST_TLS) return undefined;
  const pki = testPki();
  process.env.FIBRIX_CA_BUNDLE = pki.caFile;
  // Tests that call fetch or axios themselves trust the test CA too. (undici's
  // setGlobalDispatcher cannot reach fetch here: jest's sandbox has its own globalThis.)
  if (!trustingFetch) {
    const plain = globalThis.fetch;
    trustingFetch = (input, init) => plain(input, { dispatcher: testCaDispatcher(), ...init } as RequestInit);
    globalThis.fetch = trustingFetch;
  }
  https.globalAgent.options.ca = pki.caPem;
  return pki.server;
}

export async function startTestRegion(
  opts: { databaseUrl?: string; dataDir?: string; clock?: Clock; tls?: CertFiles } = {},
): Promise<TestRegion> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "fibrix-region-"));
  const tls = opts.tls ?? suiteTls();
  const region = await buildRegion({
    dataDir,
    databaseUrl: opts.databaseUrl,
    adminKey: ADMIN_KEY,
    logger: pino({ level: "silent" }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(tls ? { tls } : {}),
  });
  await region.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = region.app.server.address() as { port: number };
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    url,
    api: `${url}/api/v1`,
    region,
    dataDir,
    async stop() {
      await region.app.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Minimal fetch wrapper for tests that look at raw HTTP (status codes, headers, bodies). */
export async function http(
  api: string,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key !== "") headers.authorization = `Bearer ${opts.key ?? ADMIN_KEY}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  // An https region of the tests serves the test CA's certificate (fetch ignores FIBRIX_CA_BUNDLE).
  const tls = api.startsWith("https:") ? { dispatcher: testCaDispatcher() } : {};
  const res = await fetch(`${api}${path}`, { method, headers, body, ...tls } as RequestInit);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export interface RegionProcess {
  api: string;
  child: ChildProcess;
  /** Everything it printed on stdout so far. */
  output(): string;
  /** What it wrote to stderr (its logs) and stdout, for a failing test's message. */
  stderr(): string;
  stdout(): string;
  kill9(): void;
  stop(): Promise<void>;
}

/**
 * Runs `fibrix region serve` from dist/ (built by `npm test`) as a separate process.
 * `listen` (default 127.0.0.1:0) lets a restart come back on the same port; `args` are
 * further `region serve` flags; `env` adds to its environment (FIBRIX_SECRET_KEY for replicas).
 */
export async function startRegionProcess(
  dataDir: string,
  databaseUrl?: string,
  opts: { listen?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<RegionProcess> {
  const args = [
    join(__dirname, "../../bin/fibrix.js"),
    "region",
    "serve",
    "--listen",
    opts.listen ?? "127.0.0.1:0",
    "--data",
    dataDir,
    "--dns-port",
    "0",
  ];
  if (databaseUrl) args.push("--database", databaseUrl);
  if (opts.args) args.push(...opts.args);
  const tls = opts.args?.some((a) => a.startsWith("--tls") || a === "--insecure-http")
    ? undefined
    : suiteTls();
  if (tls) args.push("--tls-cert", tls.certFile, "--tls-key", tls.keyFile);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, FIBRIX_ADMIN_KEY: ADMIN_KEY, FIBRIX_LOG_LEVEL: "warn", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid !== undefined) own("pid", child.pid);
  let err = "";
  child.stderr!.on("data", (d) => {
    err += String(d);
  });
  let out = "";
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`region did not start: ${out} ${err}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = out.match(/listening on (https?:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}/api/v1`);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`region exited ${code}: ${out} ${err}`));
    });
  });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  return {
    api,
    child,
    output: () => out,
    stderr: () => err,
    stdout: () => out,
    kill9: () => child.kill("SIGKILL"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Registers a VM host as a deployed KVM machine would be after its rack's deploy result:
 * enlisted through the API, then Deployed with an inventory and a libvirt config (set in the
 * store, since tests of the region do not boot real hardware).
 */
export async function addVmHost(
  r: TestRegion | { api: string; db: Kysely<Database> },
  opts: {
    rackId: string;
    poolId: string;
    hostname: string;
    mac: string;
    cores?: number;
    memoryMiB?: number;
    diskGiB?: number;
    uri?: string;
    storagePool?: string;
    /** Tenant networking of the host (issue 11): its fabric underlay and the namespace it lives in. */
    fabric?: VmHostConfig["fabric"];
    netns?: string;
  },
): Promise<string> {
  const res = await http(r.api, "POST", "/machines", {
    body: {
      hostname: opts.hostname,
      rackId: opts.rackId,
      macs: [opts.mac],
      power: { type: "manual" },
      poolId: opts.poolId,
      vmHost: true,
      commission: false,
    },
  });
  if (res.status !== 201) throw new Error(`addVmHost: ${JSON.stringify(res.body)}`);
  await ("db" in r ? r.db : r.region.ctx.store.db)
    .updateTable("machines")
    .set({
      status: "Deployed",
      inventory: JSON.stringify({
        cores: opts.cores ?? 2,
        memoryMiB: opts.memoryMiB ?? 8192,
        storage: [{ name: "sda", sizeGiB: opts.diskGiB ?? 250 }],
        nics: [{ name: "eth0", mac: opts.mac }],
      }),
      vmHostConfig: JSON.stringify({
        uri: opts.uri ?? "test:///default",
        storagePool: opts.storagePool ?? "default",
        ...(opts.fabric ? { fabric: opts.fabric } : {}),
        ...(opts.netns ? { netns: opts.netns } : {}),
      } satisfies VmHostConfig),
    })
    .where("id", "=", res.body.id)
    .execute();
  return res.body.id;
}

/**
 * Registers a catalogue image through the API, as an operator would: VMs may only name
 * registered images. Every VM host known at that moment gets an `image.import` task, so tests
 * without a rack agent register their images before adding VM hosts (addVmHost queues nothing).
 */
export async function registerImage(
  api: string,
  name: string,
  opts: { os?: string; format?: string; path?: string; key?: string } = {},
): Promise<{ id: string; name: string; status: string; hosts: { hostId: string; status: string }[] }> {
  const res = await http(api, "POST", "/images", {
    ...(opts.key ? { key: opts.key } : {}),
    body: {
      name,
      os: opts.os ?? "other",
      format: opts.format ?? "qcow2",
      source: { path: opts.path ?? `/var/lib/fibrix/images/${name}.qcow2` },
    },
  });
  if (res.status !== 201) throw new Error(`registerImage ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
