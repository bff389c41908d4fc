/**
 * TLS against real peers on loopback: `fibrix region serve` with its self-signed certificate
 * probed by curl (7.88) and `openssl s_client` (3.0), the SDK (axios over node:https), and
 * the rack agent running real power tasks (BMC password in the payload) over a pinned
 * connection to a lab IPMI 1.5 BMC. Then the refusals: plain http off loopback, a pin with
 * http://, bad TLS flags.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { RackAgent } from "../../../backend/rack/agent";
import { RegionError } from "../../../backend/rack/region-client";
import { RegionTrustError } from "../../../backend/rack/region-trust";
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/io";
import { runCli } from "../../helpers/cli-run";
import { formatEnrollmentToken, parseEnrollmentToken } from "../../../sdk/enrollment-token";
import { FibrixClient, TlsError, ValidationError } from "../../../sdk";
import {
  ADMIN_KEY,
  http,
  type RegionProcess,
  startRegionProcess,
  startTestRegion,
  type TestRegion,
} from "../../helpers/region";
import { selfSignedCert, testPki } from "../../helpers/tls";
import { enlistIpmi, makeRack, until, waitTask } from "../rack/rack-fixtures";

const run = promisify(execFile);

/** Exit code and output of a command that may fail. */
async function sh(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
    child.stdin?.end(input ?? "");
  });
}

describe("a region process with its self-signed certificate", () => {
  let dataDir: string;
  let p: RegionProcess;
  let base: string;
  let fingerprint: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "fibrix-tls-"));
    p = await startRegionProcess(dataDir, undefined, { args: ["--tls-self-signed"] });
    base = p.api.replace(/\/api\/v1$/, "");
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("made on first start under DATA/tls, its fingerprint printed; a restart serves the same one", async () => {
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const printed = /TLS certificate SHA-256 fingerprint: ([0-9A-F:]{95})\n.*made now/.exec(p.output());
    expect(printed).not.toBeNull();
    fingerprint = printed![1]!;
    const cert = join(dataDir, "tls", "region.crt");
    const x = await run("openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]);
    expect(x.stdout.trim()).toBe(`sha256 Fingerprint=${fingerprint}`);
    expect(statSync(join(dataDir, "tls", "region.key")).mode & 0o777).toBe(0o600);

    await p.stop();
    p = await startRegionProcess(dataDir, undefined, { args: ["--tls-self-signed"] });
    base = p.api.replace(/\/api\/v1$/, "");
    expect(p.output()).toContain(`TLS certificate SHA-256 fingerprint: ${fingerprint}\n`);
    expect(p.output()).not.toContain("made now");
  }, 60_000);

  test("curl without the CA fails; with --cacert DATA/tls/region.crt it gets the answer", async () => {
    const bare = await sh("curl", ["-sS", "--max-time", "10", `${base}/healthz`]);
    console.log(`curl without CA: exit ${bare.code}: ${bare.out.split("\n")[0]}`);
    expect(bare.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    const trusted = await sh("curl", [
      "-sS",
      "--max-time",
      "10",
      "--cacert",
      join(dataDir, "tls", "region.crt"),
      "-H",
      `authorization: Bearer ${ADMIN_KEY}`,
      `${base}/api/v1/regions`,
    ]);
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.out)).toMatchObject({ items: [] });
    const plain = await sh("curl", ["-sS", "--max-time", "10", `${base.replace("https:", "http:")}/healthz`]);
    expect(plain.out).not.toContain('"status":"ok"'); // no plain HTTP beside it
  });

  test("openssl s_client: the server refuses TLS 1.0 and 1.1 (protocol_version alert), speaks 1.2 and 1.3", async () => {
    const hostPort = base.replace(/^https:\/\//, "");
    const seen: string[] = [];
    for (const v of ["tls1", "tls1_1", "tls1_2", "tls1_3"]) {
      // SECLEVEL=0 so the client does offer the old versions: the refusal must be the server's.
      const r = await sh("openssl", [
        "s_client",
        "-connect",
        hostPort,
        `-${v}`,
        "-cipher",
        "DEFAULT@SECLEVEL=0",
      ]);
      const proto = /New, (\S+), Cipher is (\S+)/.exec(r.out);
      seen.push(`${v}: ${proto && proto[2] !== "(NONE)" ? `${proto[1]} ${proto[2]}` : "refused"}`);
      if (v === "tls1" || v === "tls1_1") {
        expect(r.out).toMatch(/alert protocol version/);
        expect(r.out).toContain("Cipher is (NONE)");
      } else {
        expect(proto?.[1]).toBe(v === "tls1_2" ? "TLSv1.2" : "TLSv1.3");
      }
    }
    console.log(`openssl s_client against the region: ${seen.join("; ")}`);
  });

  test("SDK: a fingerprint pin or the CA bundle works; neither, or a wrong pin, is a TlsError", async () => {
    const endpoint = base;
    const cert = join(dataDir, "tls", "region.crt");
    for (const trust of [
      { fingerprint },
      { fingerprint: fingerprint.replace(/:/g, "").toLowerCase() },
      { caBundle: cert },
    ]) {
      const c = new FibrixClient({ endpoint, apiKey: ADMIN_KEY, retries: 0, ...trust });
      expect((await c.regions.list()).items).toEqual([]);
    }
    const none = new FibrixClient({ endpoint, apiKey: ADMIN_KEY, retries: 0 });
    const e1 = await none.regions.list().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TlsError);
    expect(e1).toMatchObject({ code: "TLS_UNTRUSTED", retryable: false });
    expect(String((e1 as Error).message)).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*FIBRIX_TLS_FINGERPRINT/);
    const wrong = new FibrixClient({ endpoint, apiKey: ADMIN_KEY, fingerprint: "00".repeat(32) });
    const e2 = await wrong.regions.list().catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(TlsError);
    expect(String((e2 as Error).message)).toContain(`got ${fingerprint}`);
  });
});

test("CLI: --tls-fingerprint, --ca-bundle or FIBRIX_TLS_FINGERPRINT trust the region; without, a TLS error", async () => {
  // Self-signed, so that no CA of the environment (FIBRIX_TEST_TLS's) vouches for it.
  const own = selfSignedCert(testPki().dir, "cli-region");
  const r = await startTestRegion({ tls: own });
  try {
    // Both streams in one text: a trusted call prints the list and nothing else.
    const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const c = await runCli(r.url, ["--json", ...args, "regions", "list"], env);
      return { code: c.code, text: c.stdout + c.stderr };
    };
    const fp = own.fingerprint;
    for (const [args, env] of [
      [["--tls-fingerprint", fp], {}],
      [["--ca-bundle", own.certFile], {}],
      [[], { FIBRIX_TLS_FINGERPRINT: fp }],
    ] as const) {
      const ok = await run([...args], env);
      expect([args, ok.code, ok.text]).toEqual([args, 0, "[]\n"]);
    }
    const untrusted = await run([]);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.text).toMatch(/TLS: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  } finally {
    await r.stop();
  }
});

describe("the rack agent pins the region's certificate from its enrollment token", () => {
  let r: TestRegion;
  let lab: LabBmcs;
  let rack: { id: string; enrollmentToken: string };
  const agents: RackAgent[] = [];

  beforeAll(async () => {
    r = await startTestRegion({ tls: testPki().server });
    lab = await startLabBmcs({
      count: 1,
      basePort: 0,
      user: "root",
      password: "calvin",
      timings: { onDelayMs: 50, offDelayMs: 50 },
    });
    rack = await makeRack(r, "rack-tls");
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await lab?.close();
    await r?.stop();
  });

  test("the token carries the pin; its secret alone (or the whole token) authenticates", async () => {
    const t = parseEnrollmentToken(rack.enrollmentToken);
    expect(t.bearer).toMatch(/^fbr_[A-Za-z0-9_-]{43}$/);
    expect(t.fingerprint).toBe(testPki().server.fingerprint);
    for (const key of [t.bearer, rack.enrollmentToken]) {
      const res = await http(r.api, "POST", "/rack-agent/tasks/claim", { key, body: { max: 1, waitMs: 0 } });
      expect(res.status).toBe(200);
    }
  });

  test("with the right pin: online, and a power task (BMC password in its payload) runs over TLS", async () => {
    const agent = new RackAgent({
      region: r.url,
      token: rack.enrollmentToken,
      claimWaitMs: 1_000,
      log: pino({ level: "silent" }),
    });
    agents.push(agent);
    await agent.start();
    expect(agent.stats().lastHeartbeatError).toBeUndefined();
    expect((await http(r.api, "GET", `/racks/${rack.id}`)).body.status).toBe("Online");
    const id = await enlistIpmi(r, rack.id, "pe860-tls", "52:54:00:41:00:01", lab.bmcs[0]!.port);
    const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "on" } });
    expect(await waitTask(r, q.body.taskId)).toMatchObject({ status: "done", result: { powerState: "on" } });
    expect(lab.bmcs[0]!.bmc.power.state).toBe("on");
  }, 60_000);

  test("with a wrong pin: REGION_UNTRUSTED, an error logged, and the region never hears from it", async () => {
    const other = selfSignedCert(testPki().dir, "not-the-region");
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
    // A second rack, so its heartbeats (had any got through) would show on its own record.
    const rack2 = await makeRack(r, "rack-tls-2", 21);
    const wrong = formatEnrollmentToken(
      parseEnrollmentToken(rack2.enrollmentToken).bearer,
      other.fingerprint,
    );
    const agent = new RackAgent({ region: r.url, token: wrong, claimWaitMs: 500, log });
    agents.push(agent);
    await agent.start();
    expect(agent.config).toBeUndefined();
    expect(agent.stats().lastHeartbeatError).toMatch(/does not match the pinned fingerprint/);
    await until(
      async () => lines.join(""),
      (s) => s.includes("refusing the region") && s.includes("claim failed"),
      10_000,
    );
    const refusal = lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("refusing the region"));
    expect(refusal).toMatchObject({ level: 50, pinned: other.fingerprint });
    console.log(`rack agent with a wrong pin logged: ${refusal.msg}: ${refusal.err}`);
    const seen = await http(r.api, "GET", `/racks/${rack2.id}`);
    expect(seen.body).toMatchObject({ status: "Pending", lastHeartbeat: null });
    // The direct client call: the typed error, not retried.
    const e = await agent.client.heartbeat({ version: "x", hostname: "h" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegionError);
    expect(e).toMatchObject({ code: "REGION_UNTRUSTED", retryable: false });
  }, 30_000);
});

describe("refusals before any traffic", () => {
  const token = `fbr_${"a".repeat(43)}`;
  const pinned = formatEnrollmentToken(token, "AB".repeat(32));

  function io(): CliIo & { text(): string } {
    let all = "";
    return {
      out: (s) => {
        all += s;
      },
      err: (s) => {
        all += s;
      },
      env: {},
      onStop: () => () => undefined,
      text: () => all,
    };
  }

  test("plain http to a non-loopback region: the rack agent, `fibrix rack serve` and the SDK refuse", async () => {
    // 10.255.255.1 is never contacted: each refuses while reading its settings.
    expect(() => new RackAgent({ region: "http://10.255.255.1:5240", token })).toThrow(RegionTrustError);
    expect(() => new RackAgent({ region: "http://10.255.255.1:5240", token })).toThrow(
      /refusing plain http:\/\/ to 10\.255\.255\.1/,
    );
    const cli = io();
    const code = await main(
      ["node", "fibrix", "rack", "serve", "--region", "http://10.255.255.1:5240", "--token", token],
      cli,
    );
    expect(code).not.toBe(0);
    expect(cli.text()).toMatch(/refusing plain http:\/\/ to 10\.255\.255\.1.*in clear/);
    expect(() => new FibrixClient({ endpoint: "http://10.255.255.1:5240", apiKey: ADMIN_KEY })).toThrow(
      ValidationError,
    );
    // Loopback stays allowed; explicit opt-outs are honoured.
    expect(() => new RackAgent({ region: "http://127.0.0.1:9", token })).not.toThrow();
    expect(
      () => new RackAgent({ region: "http://10.255.255.1:5240", token, trust: { insecureHttp: true } }),
    ).not.toThrow();
    expect(
      () => new FibrixClient({ endpoint: "http://10.255.255.1:5240", apiKey: ADMIN_KEY, insecureHttp: true }),
    ).not.toThrow();
  });

  test("a token that pins a certificate is never sent over http://, even on loopback", () => {
    expect(() => new RackAgent({ region: "http://127.0.0.1:9", token: pinned })).toThrow(/use https:\/\//);
    expect(() => new RackAgent({ region: "https://127.0.0.1:9", token: `${token}.short` })).toThrow(
      /pin .* is malformed/,
    );
  });

  test("region serve: --tls-cert without --tls-key, or TLS with --insecure-http, is a usage error", async () => {
    for (const args of [
      ["--tls-cert", "/nonexistent.crt"],
      ["--tls-self-signed", "--insecure-http"],
    ]) {
      const cli = io();
      const code = await main(["node", "fibrix", "region", "serve", "--data", "/nonexistent", ...args], cli);
      expect(code).toBe(2);
      expect(cli.text()).toMatch(/--tls-cert and --tls-key go together|pass one of/);
    }
  });
});
