/// <reference lib="dom" />
/**
 * A tenant's VM and its serial console in a real browser: Debian's Chromium, headless, driven by
 * puppeteer-core (bench/chromium.ts), against a real region (HTTP on loopback, serving dist/ui),
 * a real rack agent and a QEMU (TCG) guest under the run's private libvirtd whose shell is on
 * ttyS0 (test/helpers/console-guest.ts, the guest of test/integration/rack/vm-console.test.ts).
 * Tenant A opens its VM's page, connects by keyboard, types a computed command into the xterm.js
 * terminal and reads the shell's answer from the page; the key travelled as a WebSocket
 * subprotocol (never in the URL) and the region answered with the console protocol only; a key
 * revoked meanwhile is refused with the region's reason in the page; tenant B sees neither A's
 * VM nor A's network, and A's VM's URL shows the API's 404 detail. Any console or page error
 * fails the test (HTTP errors a step provokes on purpose excepted, by status). Screenshots go
 * to the folder printed first.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser, CDPSession, Page } from "puppeteer-core";
import { importImage } from "../../backend/libvirt/images";
import { VirshVmHost } from "../../backend/libvirt/vm-host";
import { RackAgent } from "../../backend/rack/agent";
import { defaultDeps } from "../../backend/rack/executors/deps";
import { consoleDir as uiDir } from "../../backend/region/console";
import { launchChromium } from "../../bench/chromium";
import { CONSOLE_PROTOCOL } from "../../sdk/console";
import { consoleGuestImage } from "../helpers/console-guest";
import { acquireLibvirtd, createTestPool, type TestPool } from "../helpers/libvirtd";
import { addVmHost, http, registerImage, startTestRegion, type TestRegion } from "../helpers/region";
import { own } from "../helpers/run-dirs";
import { makeRack, until } from "../integration/rack/rack-fixtures";

const PREFIX = `fxwc${process.pid}-`;
// Short: a UNIX socket path holds at most 107 bytes.
const consoleSockets = mkdtempSync("/tmp/fxwc-");
let r: TestRegion;
let pool: TestPool;
let agent: RackAgent;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let shots: string;
let keyA: string;
let keyA2: { id: string; key: string };
let keyB: string;
let tenantA: string;
let vmId: string;
const problems: string[] = [];
/** HTTP statuses the current step provokes on purpose: Chromium logs each as a console error. */
let expectedStatuses = new Set<number>();
/** What Chromium's network layer saw of the console WebSockets (CDP Network domain). */
const sockets: { url: string; protocolSent?: string; protocolAnswered?: string; status?: number }[] = [];

const shot = async (name: string) => {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};
const text = (sel: string) => page.$eval(sel, (el) => (el as HTMLElement).innerText);
const goNav = async (label: string) => {
  await (await page.waitForSelector(`nav a ::-p-text(${label})`))!.click();
  await page.waitForFunction((l) => document.querySelector("h1")?.textContent === l, {}, label);
};
const signIn = async (key: string, kind: "tenant" | "admin") => {
  await page.goto(r.url, { waitUntil: "load" });
  await page.waitForSelector("#apikey");
  await page.type("#apikey", key);
  await page.click("form button[type=submit]");
  await page.waitForSelector(`#whoami[data-kind=${kind}]`);
};
/** The terminal's screen as the page shows it (xterm.js's DOM renderer: one div per row). */
const screen = () => page.$eval("#console-terminal .xterm-rows", (el) => (el as HTMLElement).innerText);

beforeAll(async () => {
  if (!existsSync(join(uiDir(), "index.html"))) {
    throw new Error(`the console is not built (${uiDir()}): run npm run build first`);
  }
  shots = mkdtempSync(join(tmpdir(), "fibrix-ui-vm-shots-"));
  process.stdout.write(`VM console screenshots: ${shots}\n`);
  // QEMU (as libvirt's user) binds the console sockets here.
  chmodSync(consoleSockets, 0o755);
  const daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  const guest = await consoleGuestImage();
  await importImage(new VirshVmHost({ uri: daemon.uri, pool: pool.name }), {
    name: "shell",
    os: "other",
    path: guest,
  });

  r = await startTestRegion();
  const rack = await makeRack(r, "rack-webcon");
  await registerImage(r.api, "shell", { path: guest });
  tenantA = (await http(r.api, "POST", "/tenants", { body: { name: "acme" } })).body.id;
  const b = (await http(r.api, "POST", "/tenants", { body: { name: "bolt" } })).body;
  keyA = (await http(r.api, "POST", "/apikeys", { body: { name: "a", tenantId: tenantA } })).body.key;
  keyA2 = (await http(r.api, "POST", "/apikeys", { body: { name: "a-laptop", tenantId: tenantA } })).body;
  keyB = (await http(r.api, "POST", "/apikeys", { body: { name: "b", tenantId: b.id } })).body.key;
  const poolId = (await http(r.api, "POST", "/pools", { body: { name: "gold", tenants: [tenantA, b.id] } }))
    .body.id;
  for (const [key, name, cidr] of [
    [keyA, "acme-lan", "10.70.0.0/24"],
    [keyB, "bolt-lan", "10.71.0.0/24"],
  ] as const) {
    const net = await http(r.api, "POST", "/networks", { key, body: { name, cidr } });
    expect(net.status).toBe(201);
  }
  await addVmHost(r, {
    rackId: rack.id,
    poolId,
    hostname: "kvm-1",
    mac: "52:54:00:34:01:01",
    uri: daemon.uri,
    storagePool: pool.name,
  });
  agent = new RackAgent({
    region: r.url,
    token: rack.enrollmentToken,
    claimWaitMs: 1_000,
    log: pino({ level: "silent" }),
    deps: defaultDeps(PREFIX, { consoleDir: consoleSockets, vmStopTimeoutMs: 2_000 }),
  });
  await agent.start();
  const created = await http(r.api, "POST", "/vms", {
    key: keyA,
    body: { name: "shell-1", poolId, image: "shell", cores: 1, memoryMiB: 192, diskGiB: 1 },
  });
  expect(created.status).toBe(201);
  vmId = created.body.id;
  await until(
    async () => (await http(r.api, "GET", `/vms/${vmId}`, { key: keyA })).body,
    (v) => v.status !== "Creating",
    180_000,
  ).then((v) => expect(v).toMatchObject({ status: "Running" }));

  browser = await launchChromium();
  const pid = browser.process()?.pid;
  if (pid) own("pid", pid);
  page = await browser.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${String(e)}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium words a WebSocket's refused 401 without its status.
    const status =
      m.text().match(/status of (\d{3})/)?.[1] ??
      (/HTTP Authentication failed/.test(m.text()) ? "401" : undefined);
    if (status && expectedStatuses.has(Number(status))) return;
    problems.push(`console error: ${m.text()} (${m.location().url ?? ""})`);
  });
  cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  const byId = new Map<string, (typeof sockets)[number]>();
  cdp.on("Network.webSocketCreated", (e) => {
    const s = { url: e.url };
    byId.set(e.requestId, s);
    sockets.push(s);
  });
  cdp.on("Network.webSocketWillSendHandshakeRequest", (e) => {
    const s = byId.get(e.requestId);
    if (s) s.protocolSent = e.request.headers["Sec-WebSocket-Protocol"];
  });
  cdp.on("Network.webSocketHandshakeResponseReceived", (e) => {
    const s = byId.get(e.requestId);
    if (!s) return;
    s.status = e.response.status;
    const h = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === "sec-websocket-protocol");
    s.protocolAnswered = h?.[1];
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await r?.stop();
  await pool?.remove();
  rmSync(consoleSockets, { recursive: true, force: true });
});

afterEach(() => {
  // No console error and no page error, in any step.
  expect(problems).toEqual([]);
  expectedStatuses = new Set();
});

test("tenant A opens its VM's page, connects by keyboard, and the guest's shell answers in the terminal", async () => {
  await signIn(keyA, "tenant");
  await goNav("VMs");
  await page.waitForFunction(() => document.querySelector("#table-vms")?.textContent?.includes("shell-1"));
  await shot("tenant-a-vms");
  await (await page.waitForSelector("#table-vms a ::-p-text(shell-1)"))!.click();
  await page.waitForSelector('#vm-status[data-status="Running"]');
  expect(new URL(page.url()).pathname).toBe(`/vms/${vmId}`);
  await page.waitForSelector("#console-connect:not([disabled])");
  expect(await text("#console-state")).toBe("Not connected");

  // By keyboard: Enter on Connect; the terminal then has the focus.
  await page.focus("#console-connect");
  await page.keyboard.press("Enter");
  await page.waitForSelector('#console-state[data-state="connected"]', { timeout: 60_000 });
  expect(await text("#console-state")).toMatch(/Connected.*Ctrl-\] disconnects/);
  expect(await page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea"))).toBe(
    true,
  );

  // The guest may still be booting: type until the shell's computed answer is on the page.
  const n = 1000 + Math.floor(Math.random() * 9000);
  const want = `fx-${n * 7}`;
  const t0 = Date.now();
  for (let i = 0; !(await screen()).includes(want); i++) {
    if (i >= 60) throw new Error(`no ${want} from the guest; the terminal shows: ${await screen()}`);
    await page.keyboard.type(`echo fx-$((${n}*7))`);
    await page.keyboard.press("Enter");
    await page
      .waitForFunction(
        (w) => document.querySelector("#console-terminal .xterm-rows")?.textContent?.includes(w),
        {
          timeout: 3_000,
          polling: 100,
        },
        want,
      )
      .catch(() => undefined);
  }
  process.stdout.write(
    `browser console: the shell answered ${want} ${Date.now() - t0} ms after the first keys\n`,
  );
  await shot("tenant-a-vm-console");

  // The key went as a subprotocol, never in the URL; the region answered the console protocol only.
  const ws = sockets.at(-1)!;
  expect(ws.url).toBe(`${r.url.replace(/^http/, "ws")}/api/v1/vms/${vmId}/console`);
  expect(ws.url).not.toContain(keyA);
  expect(ws.protocolSent).toMatch(
    new RegExp(`^${CONSOLE_PROTOCOL}, base64url\\.bearer\\.fibrix-metal\\.[\\w-]+$`),
  );
  expect(ws.status).toBe(101);
  expect(ws.protocolAnswered).toBe(CONSOLE_PROTOCOL);

  // Ctrl-] leaves the terminal: the session ends and the focus is back on Connect.
  await page.keyboard.down("Control");
  await page.keyboard.press("BracketRight");
  await page.keyboard.up("Control");
  await page.waitForSelector('#console-state[data-state="closed"]');
  expect(await text("#console-state")).toBe("Disconnected (disconnected)");
  await page.waitForFunction(() => document.activeElement?.id === "console-connect", { timeout: 2_000 });
  expect(await screen()).toContain("-- disconnected --");

  // Audited as the header path is: opened and closed by tenant A's key, with bytes both ways.
  const events = await until(
    async () =>
      (await http(r.api, "GET", `/events?object=${vmId}`, { key: keyA })).body.items as {
        kind: string;
        actor: string;
        reason: string;
      }[],
    (items) => items.some((e) => e.kind === "console-closed"),
    10_000,
  );
  expect(events.find((e) => e.kind === "console-opened")?.actor).toBe(`tenant:${tenantA}:a`);
  expect(events.find((e) => e.kind === "console-closed")?.reason).toMatch(/[1-9]\d* B in, [1-9]\d* B out/);
  // The page's event list follows live.
  await page.waitForFunction(() =>
    /console-closed/.test(document.querySelector(".events")?.textContent ?? ""),
  );
  await page.click("#console-connect");
  await page.waitForSelector('#console-state[data-state="connected"]', { timeout: 60_000 });
  await page.click("#console-disconnect");
  await page.waitForSelector('#console-state[data-state="closed"]');
  await shot("tenant-a-vm-disconnected");
  // Phone width, live (isMobile would reload the page): the terminal narrows with the page
  // (addon-fit, on a ResizeObserver), which never scrolls sideways. xterm.js sizes its screen
  // to cols × cell width.
  const cols = () => page.$eval("#console-terminal .xterm-screen", (el) => el.getBoundingClientRect().width);
  const wide = await cols();
  await page.setViewport({ width: 390, height: 844 });
  await page.waitForFunction(
    (w) =>
      (document.querySelector("#console-terminal .xterm-screen")?.getBoundingClientRect().width ?? w) < w / 2,
    {},
    wide,
  );
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot("phone-vm-console");
  await page.setViewport({ width: 1366, height: 900 });
  // And widens again with the laptop's window (to whole columns: within a tenth of before, as a
  // scrollbar coming or going moves the fit by a column or two).
  await page.waitForFunction(
    (w) =>
      (document.querySelector("#console-terminal .xterm-screen")?.getBoundingClientRect().width ?? 0) >
      w * 0.9,
    {},
    wide,
  );
}, 300_000);

test("a key revoked while the page is open: the console is refused with the region's reason", async () => {
  expectedStatuses = new Set([401]);
  await page.click("#signout");
  await signIn(keyA2.key, "tenant");
  await page.goto(`${r.url}/vms/${vmId}`, { waitUntil: "load" });
  await page.waitForSelector("#console-connect:not([disabled])");
  expect((await http(r.api, "DELETE", `/apikeys/${keyA2.id}`, { key: keyA })).status).toBe(204);
  const direct = await http(r.api, "GET", `/vms/${vmId}/console`, { key: keyA2.key });
  expect(direct.status).toBe(401);
  await page.click("#console-connect");
  await page.waitForSelector('#console-state[data-state="refused"]');
  await page.waitForSelector(".serial-console .problem-detail");
  expect(await text(".serial-console .problem-detail")).toBe(direct.body.detail);
  expect(await text(".serial-console .problem")).toMatch(/The console was refused \(401 UNAUTHORIZED\)/);
  // The browser offered the revoked key (as a subprotocol); the upgrade never completed.
  const offered = Buffer.from(keyA2.key).toString("base64url");
  expect(sockets.at(-1)?.protocolSent).toBe(`${CONSOLE_PROTOCOL}, base64url.bearer.fibrix-metal.${offered}`);
  expect(sockets.at(-1)?.status).toBeUndefined();
  expect(r.region.ctx.consoles.count(vmId)).toBe(0);
  await shot("revoked-key-console-refused");
}, 60_000);

test("tenant B sees neither A's VM nor A's network; A's VM's URL shows the API's 404", async () => {
  expectedStatuses = new Set([404]);
  // The revoked key's page ends its session on the next call; start from the sign-in page.
  await page.evaluate(() => sessionStorage.clear());
  await signIn(keyB, "tenant");
  await goNav("VMs");
  await page.waitForSelector("#table-vms");
  expect(await text("#table-vms caption")).toBe("0 vms");
  expect(await text("#table-vms")).not.toContain("shell-1");
  await shot("tenant-b-vms");
  await goNav("Networks");
  await page.waitForFunction(() =>
    document.querySelector("#table-networks")?.textContent?.includes("bolt-lan"),
  );
  expect(await text("#table-networks")).not.toContain("acme-lan");
  await shot("tenant-b-networks");
  const direct = await http(r.api, "GET", `/vms/${vmId}`, { key: keyB });
  expect(direct.status).toBe(404);
  await page.goto(`${r.url}/vms/${vmId}`, { waitUntil: "load" });
  await page.waitForSelector("main .problem");
  expect(await text("main .problem-detail")).toBe(direct.body.detail);
  expect(await text("main .problem")).toContain("404");
  expect(await page.$("#console-terminal")).toBeNull();
  expect(await text("main")).not.toContain("shell-1");
  await shot("tenant-b-vm-404");
  // Nothing on the rack side either: no console session was asked for.
  expect(execFileSync("ss", ["-xH", "state", "connected"], { encoding: "utf8" })).not.toContain(
    `${consoleSockets}/${PREFIX}${vmId}.console.sock`,
  );
});
