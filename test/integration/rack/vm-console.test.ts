/**
 * A VM's serial console end to end, against real peers: the region on loopback, the rack agent
 * as its own process (`fibrix rack serve`, so it can be killed), a private libvirtd and a QEMU
 * (TCG) guest whose shell is on ttyS0 (test/helpers/console-guest.ts: the Debian cloud kernel
 * and busybox). The region asks the rack (vm.console task), the rack opens the domain's
 * `<serial type='unix'>` socket and dials OUT a WebSocket to the region, which pipes it to the
 * client's. The client types a computed command and reads the shell's answer; then the
 * refusals (another tenant 404, wrong key 401, plain GET 426, a pty-console VM 409), the key
 * as a WebSocket subprotocol (what a browser sends, backend/region/ws-bearer.ts), the audit
 * events, the CLI with piped stdin and its Ctrl-], and a rack killed mid-session.
 *
 * QEMU's socket chardev serves one client at a time (qemu chardev/char-socket.c: a connected
 * socket stops listening until it disconnects), so a session that opens and talks after the
 * previous one closed shows the rack let go of the socket.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { importImage } from "../../../backend/libvirt/images";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import {
  BEARER_PROTOCOL_PREFIX,
  CONSOLE_CLOSE,
  CONSOLE_PROTOCOL,
  consoleProtocols,
  consoleUrl,
} from "../../../sdk/console";
import { openConsole } from "../../../sdk/resources/vm-console";
import { consoleGuestImage } from "../../helpers/console-guest";
import {
  acquireLibvirtd,
  createTestPool,
  type LibvirtdHandle,
  type TestPool,
  virshSys,
} from "../../helpers/libvirtd";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../../helpers/region";
import { own } from "../../helpers/run-dirs";
import { makeRack, until } from "./rack-fixtures";

const ROOT = join(__dirname, "../../..");
const REGISTER = join(ROOT, "test/integration/terraform/ts-register.js");
const PREFIX = `fxcn${process.pid}-`;
let r: TestRegion;
let daemon: LibvirtdHandle;
let pool: TestPool;
let rackProc: ChildProcess | undefined;
let rackLog = "";
// Short: a UNIX socket path holds at most 107 bytes.
const consoleDir = mkdtempSync("/tmp/fxcon-");
const work = mkdtempSync("/tmp/fxcon-work-");
let keyA: string;
let keyB: string;
let vmId: string;

/** Runs the CLI from source in a child process (`-e`: argv[1] is a placeholder). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(
    process.execPath,
    ["-r", REGISTER, "-e", "require('./cli/main.ts').main(process.argv)", "fibrix", ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  if (child.pid) own("pid", child.pid);
  return child;
}

function startRack(token: string): ChildProcess {
  const child = cli([
    "rack",
    "serve",
    "--region",
    r.url,
    "--token",
    token,
    "--vm-prefix",
    PREFIX,
    "--console-dir",
    consoleDir,
    "--log-level",
    "info",
  ]);
  child.stdout!.on("data", (d: Buffer) => {
    rackLog += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    rackLog = (rackLog + d.toString()).slice(-20_000);
  });
  return child;
}

/** Types `echo fx-$((n*7))` until the shell's computed answer comes back (the guest may still be booting). */
async function shellAnswers(send: (s: string) => void, output: () => string, ms = 180_000): Promise<string> {
  const n = 1000 + Math.floor(Math.random() * 9000);
  const want = `fx-${n * 7}`;
  const end = Date.now() + ms;
  while (!output().includes(want)) {
    if (Date.now() > end)
      throw new Error(`no ${want} from the guest; got: ${JSON.stringify(output().slice(-500))}`);
    send(`echo fx-$((${n}*7))\n`);
    await until(
      async () => output(),
      (o) => o.includes(want),
      3_000,
    ).catch(() => undefined);
  }
  return want;
}

/** Connected (not listening) UNIX sockets bound to a path, as `ss` (iproute2) lists them. */
function connectedTo(path: string): number {
  return execFileSync("ss", ["-xH", "state", "connected"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(path)).length;
}

/** The HTTP status a WebSocket upgrade is refused with, and the problem's detail. */
function refusedWith(url: string, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` }, handshakeTimeout: 45_000 });
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once("error", (e) => reject(e));
  });
}

const running = (id: string, key: string) =>
  until(
    async () => (await http(r.api, "GET", `/vms/${id}`, { key })).body,
    (v) => v.status !== "Creating",
    180_000,
  );

beforeAll(async () => {
  chmodSync(consoleDir, 0o755);
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const host = new VirshVmHost({ uri: daemon.uri, pool: pool.name });
  const guest = await consoleGuestImage();
  await importImage(host, { name: "shell", os: "other", path: guest });
  const blank = join(work, "blank.qcow2");
  execFileSync("qemu-img", ["create", "-f", "qcow2", blank, "16M"]);
  await importImage(host, { name: "blank", os: "other", path: blank });

  r = await startTestRegion();
  const rack = await makeRack(r, "rack-console");
  await registerImage(r.api, "shell", { path: guest });
  await registerImage(r.api, "blank", { path: blank });
  const a = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body;
  const b = (await http(r.api, "POST", "/tenants", { body: { name: "bolt" } })).body;
  keyA = (await http(r.api, "POST", "/apikeys", { body: { name: "a", tenantId: a.id } })).body.key;
  keyB = (await http(r.api, "POST", "/apikeys", { body: { name: "b", tenantId: b.id } })).body.key;
  const poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [a.id, b.id] } })).body
    .id;
  await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-1",
    mac: "52:54:00:33:01:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });
  rackProc = startRack(rack.enrollmentToken);
  const created = await http(r.api, "POST", "/vms", {
    key: keyA,
    body: { name: "shell-1", poolId, image: "shell", cores: 1, memoryMiB: 192, diskGiB: 1 },
  });
  expect(created.status).toBe(201);
  vmId = created.body.id;
  expect(await running(vmId, keyA)).toMatchObject({ status: "Running" });
}, 600_000);

afterAll(async () => {
  rackProc?.kill("SIGKILL");
  await r?.stop();
  await pool?.remove();
  rmSync(consoleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test("the domain's serial port is a UNIX socket in the rack's console directory", async () => {
  const xml = await virshSys(["dumpxml", `${PREFIX}${vmId}`]);
  expect(xml).toMatch(
    new RegExp(
      `<serial type='unix'>\\s*<source mode='bind' path='${consoleDir}/${PREFIX}${vmId}.console.sock'/>`,
    ),
  );
  expect(xml).toMatch(/<console type='unix'>/);
});

test("over the WebSocket, a typed command is answered by the guest's shell; closing lets go of the socket", async () => {
  const t0 = Date.now();
  const c = await openConsole(r.url, keyA, vmId);
  const openMs = Date.now() - t0;
  let out = "";
  c.stream.on("data", (d: Buffer) => {
    out += d.toString("latin1");
  });
  const t1 = Date.now();
  const want = await shellAnswers(
    (s) => c.stream.write(s),
    () => out,
  );
  console.log(`console: upgrade ${openMs} ms; first answer (${want}) after ${Date.now() - t1} ms`);

  // One session per VM: a second one now is refused before any upgrade.
  const busy = await refusedWith(consoleUrl(r.url, vmId), keyA);
  expect(busy.status).toBe(409);
  expect(busy.body).toMatch(/in use/);

  const sock = `${consoleDir}/${PREFIX}${vmId}.console.sock`;
  expect(connectedTo(sock)).toBeGreaterThan(0);
  c.close();
  expect(await c.closed).toMatchObject({ code: CONSOLE_CLOSE.NORMAL });
  // The rack's end of QEMU's socket is closed with the session.
  await until(
    async () => connectedTo(sock),
    (n) => n === 0,
    10_000,
  );
  await until(
    async () => r.region.ctx.consoles.count(vmId),
    (n) => n === 0,
    10_000,
  );

  // The rack released QEMU's one-client socket: a new session talks at once.
  const again = await openConsole(r.url, keyA, vmId);
  let out2 = "";
  again.stream.on("data", (d: Buffer) => {
    out2 += d.toString("latin1");
  });
  await shellAnswers(
    (s) => again.stream.write(s),
    () => out2,
    30_000,
  );
  again.close();
  await again.closed;

  const events = (await http(r.api, "GET", `/events?object=${vmId}`, { key: keyA })).body.items as {
    kind: string;
    actor: string;
    reason: string;
  }[];
  const opened = events.filter((e) => e.kind === "console-opened");
  const closed = events.filter((e) => e.kind === "console-closed");
  expect(opened.length).toBeGreaterThanOrEqual(2);
  expect(closed.length).toBeGreaterThanOrEqual(2);
  expect(opened[0]!.actor).toMatch(/^apikey:|^key:|^tenant:/);
  const bytes = /(\d+) B in, (\d+) B out/.exec(closed[0]!.reason);
  expect(Number(bytes?.[1])).toBeGreaterThan(0);
  expect(Number(bytes?.[2])).toBeGreaterThan(0);
  expect(events.some((e) => e.kind === "console-failed" && /in use/.test(e.reason))).toBe(false);
  console.log(`console events: ${closed.map((e) => e.reason).join(" | ")}`);
}, 300_000);

test("refusals come before the upgrade: another tenant 404, a wrong key 401, a plain GET 426", async () => {
  const url = consoleUrl(r.url, vmId);
  const other = await refusedWith(url, keyB);
  expect(other.status).toBe(404);
  expect(JSON.parse(other.body)).toMatchObject({ code: "NOT_FOUND" });
  expect((await refusedWith(url, "fbx_wrong_key_0000000000000000")).status).toBe(401);
  const plain = await http(r.api, "GET", `/vms/${vmId}/console`, { key: keyA });
  expect(plain.status).toBe(426);
  expect(plain.body).toMatchObject({ code: "UPGRADE_REQUIRED" });
  expect(plain.headers.get("upgrade")).toBe("websocket");
  // The operator sees the route in the API document, described as a WebSocket upgrade.
  const doc = (await http(r.api, "GET", "/openapi.json")).body;
  expect(doc.paths["/api/v1/vms/{id}/console"].get.description).toMatch(/WebSocket upgrade/);
  // Nothing of these reached the rack: no session was left behind.
  expect(r.region.ctx.consoles.count(vmId)).toBe(0);
});

test("a browser's way: the key as a subprotocol opens the same console under the same rules", async () => {
  const url = consoleUrl(r.url, vmId);
  /** What a browser's `new WebSocket(url, consoleProtocols(key))` sends: no Authorization header. */
  const asBrowser = (key: string, protocols = consoleProtocols(key)) =>
    new Promise<{ ws?: WebSocket; status?: number; body?: string }>((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { handshakeTimeout: 45_000 });
      ws.once("open", () => resolve({ ws }));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => {
          ws.terminate();
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      ws.once("error", reject);
    });
  const ok = await asBrowser(keyA);
  // The region answers the console protocol, never the one carrying the key.
  expect(ok.ws!.protocol).toBe(CONSOLE_PROTOCOL);
  let out = "";
  ok.ws!.on("message", (d: Buffer) => {
    out += d.toString("latin1");
  });
  await shellAnswers(
    (s) => ok.ws!.send(Buffer.from(s)),
    () => out,
    60_000,
  );
  // While it is open, a plain GET says why another session would be refused (what a browser asks).
  const busy = await http(r.api, "GET", `/vms/${vmId}/console`, { key: keyA });
  expect(busy.status).toBe(409);
  expect(busy.body.detail).toMatch(/in use/);
  const closed = new Promise((resolve) => ok.ws!.once("close", resolve));
  ok.ws!.close(CONSOLE_CLOSE.NORMAL, "done");
  await closed;
  await until(
    async () => r.region.ctx.consoles.count(vmId),
    (n) => n === 0,
    10_000,
  );

  // Another tenant's key: the same 404 as the header path, upgrade or plain GET.
  expect(await asBrowser(keyB)).toMatchObject({ status: 404 });
  expect((await http(r.api, "GET", `/vms/${vmId}/console`, { key: keyB })).status).toBe(404);
  // A wrong key, a malformed one, a key with no protocol beside it: 401 with the reason.
  expect(await asBrowser("fbx_wrong_key_0000000000000000")).toMatchObject({ status: 401 });
  const bad = await asBrowser(keyA, [CONSOLE_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}not+base64`]);
  expect(bad.status).toBe(401);
  expect(JSON.parse(bad.body!).detail).toMatch(/base64url without padding/);
  const alone = await asBrowser(keyA, consoleProtocols(keyA).slice(1));
  expect(alone.status).toBe(401);
  expect(JSON.parse(alone.body!).detail).toMatch(/needs another subprotocol/);
  expect(r.region.ctx.consoles.count(vmId)).toBe(0);
}, 120_000);

test("a VM whose domain has a pty console (made before console sockets) is refused with 409", async () => {
  const pool = (await http(r.api, "GET", `/vms/${vmId}`, { key: keyA })).body.poolId;
  const old = await http(r.api, "POST", "/vms", {
    key: keyB,
    body: { name: "old-1", poolId: pool, image: "blank", cores: 1, memoryMiB: 128, diskGiB: 1 },
  });
  expect(old.status).toBe(201);
  expect(await running(old.body.id, keyB)).toMatchObject({ status: "Running" });
  // Make it what a VM created before this change has: a pty serial port and console.
  const dom = `${PREFIX}${old.body.id}`;
  const xml = await virshSys(["dumpxml", "--inactive", dom]);
  const ptyXml = xml
    .replace(/<serial type='unix'>[\s\S]*?<\/serial>/, "<serial type='pty'><target port='0'/></serial>")
    .replace(
      /<console type='unix'>[\s\S]*?<\/console>/,
      "<console type='pty'><target type='serial' port='0'/></console>",
    );
  const file = join(work, "old.xml");
  writeFileSync(file, ptyXml);
  await virshSys(["destroy", dom]);
  await virshSys(["define", file]);
  await virshSys(["start", dom]);
  const refused = await refusedWith(consoleUrl(r.url, old.body.id), keyB);
  expect(refused.status).toBe(409);
  expect(JSON.parse(refused.body).detail).toMatch(/console not available for this VM \(created before/);
  const events = (await http(r.api, "GET", `/events?object=${old.body.id}`, { key: keyB })).body.items;
  expect(events.some((e: { kind: string }) => e.kind === "console-failed")).toBe(true);
}, 240_000);

test("sessions are bounded: an idle one ends with 4001, an endless one with 4002", async () => {
  const limits = r.region.ctx.consoles.limits;
  const saved = { ...limits };
  try {
    limits.idleMs = 1_500;
    const idle = await openConsole(r.url, keyA, vmId);
    const t0 = Date.now();
    const end = await idle.closed;
    expect(end).toMatchObject({ code: CONSOLE_CLOSE.IDLE, reason: expect.stringMatching(/idle/) });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400);

    limits.idleMs = saved.idleMs;
    limits.maxMs = 2_000;
    const busy = await openConsole(r.url, keyA, vmId);
    const typing = setInterval(() => busy.stream.write("\n"), 200);
    const ended = await busy.closed;
    clearInterval(typing);
    expect(ended).toMatchObject({
      code: CONSOLE_CLOSE.MAX_DURATION,
      reason: expect.stringMatching(/maximum/),
    });
  } finally {
    Object.assign(limits, saved);
  }
  await until(
    async () => r.region.ctx.consoles.count(vmId),
    (n) => n === 0,
    10_000,
  );
}, 60_000);

test("the CLI with piped stdin: `fibrix vms console NAME` answers, and Ctrl-] leaves with exit 0", async () => {
  const child = cli(["vms", "console", "shell-1"], { FIBRIX_ENDPOINT: r.url, FIBRIX_API_KEY: keyA });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString("latin1");
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await until(
    async () => err,
    (e) => e.includes("connected to the console"),
    60_000,
  );
  await shellAnswers(
    (s) => child.stdin!.write(s),
    () => out,
    60_000,
  );
  child.stdin!.write(Buffer.from([0x1d]));
  expect(await exited).toBe(0);
  child.stdin!.destroy();
  expect(err).toMatch(/console closed\n/);
}, 120_000);

test("on a real terminal (tmux): raw mode, the guest answers, Ctrl-] leaves and the terminal is restored", async () => {
  // A private tmux server (-L) of this test: a pty like a person's terminal.
  const sock = `fxcon${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", sock, ...args], { encoding: "utf8" });
  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "t");
  tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", "sh");
  own("pid", Number(tmux("display-message", "-p", "#{pid}").trim()));
  try {
    const cmd = [
      `FIBRIX_ENDPOINT=${r.url} FIBRIX_API_KEY=${keyA}`,
      `${process.execPath} -r ${REGISTER} -e "require('./cli/main.ts').main(process.argv)" fibrix vms console shell-1;`,
      "echo exit=$?; stty -a | tr ' ' '\\n' | grep -x -- '-*icanon'",
    ].join(" ");
    tmux("send-keys", "-t", "t", `cd ${ROOT} && ${cmd}`, "Enter");
    await until(
      async () => screen(),
      (s) => s.includes("connected to the console"),
      60_000,
    );
    // While connected the terminal is raw: no line editing, no local echo (the guest echoes).
    const tty = tmux("display-message", "-p", "-t", "t", "#{pane_tty}").trim();
    const modes = execFileSync("stty", ["-a", "-F", tty], { encoding: "utf8" }).split(/\s+/);
    expect(modes).toEqual(expect.arrayContaining(["-icanon", "-echo", "-isig"]));
    const n = 1000 + Math.floor(Math.random() * 9000);
    const want = `fx-${n * 7}`;
    await until(
      async () => {
        tmux("send-keys", "-t", "t", `echo fx-$((${n}*7))`, "Enter");
        return screen();
      },
      (s) => s.includes(want),
      60_000,
    );
    tmux("send-keys", "-t", "t", "C-]");
    const after = await until(
      async () => screen(),
      (s) => /exit=0\s+icanon/.test(s),
      20_000,
    );
    // Raw mode is over: the shell's terminal has its line editing (icanon) back.
    expect(after).toMatch(/console closed/);
  } finally {
    execFileSync("tmux", ["-L", sock, "kill-server"]);
  }
}, 120_000);

test("killing the rack mid-session ends the client's session with RACK_LOST and a reason", async () => {
  const c = await openConsole(r.url, keyA, vmId);
  let out = "";
  c.stream.on("data", (d: Buffer) => {
    out += d.toString("latin1");
  });
  await shellAnswers(
    (s) => c.stream.write(s),
    () => out,
    60_000,
  );
  const t0 = Date.now();
  rackProc!.kill("SIGKILL");
  const end = await c.closed;
  console.log(
    `console: client closed ${Date.now() - t0} ms after the rack was killed: ${end.code} ${end.reason}`,
  );
  expect(end.code).toBe(CONSOLE_CLOSE.RACK_LOST);
  expect(end.reason).toMatch(/rack/);
  rackProc = undefined;
}, 120_000);
