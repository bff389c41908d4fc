/// <reference lib="dom" />
/**
 * The web console in a real browser: Debian's Chromium, headless, driven by puppeteer-core,
 * against a real region (HTTP on loopback, serving dist/ui), a real rack agent and the virtual
 * PE860 lab (backend/lab/site.ts, what `fibrix demo` runs). An operator signs in, watches the
 * lab machines commission to Ready live, reads one's sensors and their thresholds (equal to
 * FreeIPMI's ipmi-sensors on the same BMC) and a fault's state, sees a refused action's detail,
 * deploys it and releases it; a tenant sees only its own pool and no operator pages; a wrong
 * key gets a clear message. Any console error or page error fails the test (HTTP errors the
 * test provokes on purpose excepted, by status). Screenshots go to the folder printed first.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser, Page } from "puppeteer-core";
import { startLabSite, type LabSite, LAB_BMC_PASSWORD, LAB_BMC_USER } from "../../backend/lab/site";
import { consoleDir } from "../../backend/region/console";
import { type RunningRegion, startRegionServer } from "../../backend/region/serve";
import { launchChromium } from "../../bench/chromium";
import { quickstart, type QuickstartResult } from "../../examples/sdk/quickstart";
import { FibrixClient } from "../../sdk/client";
import { FREEIPMI_PRECISION, ipmiSensors } from "../helpers/ipmi-sensors";
import { ADMIN_KEY } from "../helpers/region";
import { own } from "../helpers/run-dirs";

let dataDir: string;
let shots: string;
let region: RunningRegion;
let site: LabSite;
let out: QuickstartResult;
let browser: Browser;
let page: Page;
let otherNetwork: string;
let otherPool: string;
const problems: string[] = [];
/** HTTP statuses the current step provokes on purpose: Chromium logs each as a console error. */
let expectedStatuses = new Set<number>();

const shot = async (name: string) => {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};
const text = (sel: string) => page.$eval(sel, (el) => (el as HTMLElement).innerText);
const clickButton = async (label: string, scope = "main") => {
  const handle = await page.waitForSelector(`${scope} button ::-p-text(${label})`, { visible: true });
  await handle!.click();
};
const confirmDialog = async () => {
  const button = await page.waitForSelector("dialog[open] button[type=submit]", { visible: true });
  await button!.click();
};
const goNav = async (label: string) => {
  await (await page.waitForSelector(`nav a ::-p-text(${label})`))!.click();
  await page.waitForFunction((l) => document.querySelector("h1")?.textContent === l, {}, label);
};
/** The sensors table as shown: each threshold cell's text ("—" is none), the state in words. */
const shownSensors = () =>
  page.$$eval("#sensors tbody tr", (rows) =>
    rows.map((r) => {
      const cells = Array.from(r.querySelectorAll<HTMLElement>("td[data-threshold]"));
      const number = (td: HTMLElement) => Number.parseFloat(td.textContent ?? "");
      const shown = cells.filter((td) => !td.textContent?.startsWith("—"));
      return {
        name: (r as HTMLElement).dataset.sensor!,
        state: (r as HTMLElement).dataset.state!,
        stateText: r.querySelector(".sensor-state")!.textContent!.trim(),
        thresholds: Object.fromEntries(shown.map((td) => [td.dataset.threshold!, number(td)])) as Record<
          string,
          number
        >,
        reached: Object.fromEntries(
          shown.filter((td) => td.querySelector(".reached")).map((td) => [td.dataset.threshold!, number(td)]),
        ),
      };
    }),
  );
/** Asks the rack for a reading and waits for the page to say the rack's task is done. */
const readSensorsNow = async () => {
  await clickButton("Read sensors");
  await confirmDialog();
  await page.waitForFunction(
    () => document.querySelector("#action-outcome")?.textContent === "Read sensors: done",
    { timeout: 30_000 },
  );
};
const statusOf = (hostname: string) =>
  page.$eval(`tr[data-machine="${hostname}"]`, (el) => (el as HTMLElement).dataset.status);

beforeAll(async () => {
  if (!existsSync(join(consoleDir(), "index.html"))) {
    throw new Error(`the console is not built (${consoleDir()}): run npm run build first`);
  }
  dataDir = mkdtempSync(join(tmpdir(), "fibrix-console-"));
  shots = mkdtempSync(join(tmpdir(), "fibrix-ui-shots-"));
  process.stdout.write(`console screenshots: ${shots}\n`);
  region = await startRegionServer({
    listen: "127.0.0.1:0",
    dataDir,
    adminKey: ADMIN_KEY,
    logger: pino({ level: "silent" }),
  });
  site = await startLabSite({ dataDir: join(dataDir, "lab"), count: 3 });
  // Enlisted and commissioning requested now; the rack agent starts once the browser watches.
  out = await quickstart(
    region.url,
    ADMIN_KEY,
    site.lab.bmcs.map((b) => ({
      address: b.host,
      port: b.port,
      user: LAB_BMC_USER,
      password: LAB_BMC_PASSWORD,
    })),
    () => undefined,
    { commission: true },
  );
  const admin = new FibrixClient({ endpoint: region.url, apiKey: ADMIN_KEY });
  const globex = await admin.tenants.create({ name: "globex" });
  otherPool = (await admin.pools.create({ name: "silver", tenants: [globex.id] })).name;
  const acme = (await admin.tenants.listAll()).find((t) => t.name === "acme")!;
  await admin.networks.create({ name: "acme-lan", cidr: "10.60.0.0/24" }, { tenant: acme.id });
  otherNetwork = (
    await admin.networks.create({ name: "globex-lan", cidr: "10.61.0.0/24" }, { tenant: globex.id })
  ).name;
  browser = await launchChromium();
  const pid = browser.process()?.pid;
  if (pid) own("pid", pid);
  page = await browser.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${String(e)}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const status = m.text().match(/status of (\d{3})/);
    if (status && expectedStatuses.has(Number(status[1]))) return;
    problems.push(`console error: ${m.text()} (${m.location().url ?? ""})`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await region?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  // No console error and no page error, in any step.
  expect(problems).toEqual([]);
  expectedStatuses = new Set();
});

test("a wrong key gets a clear message, and nothing is kept", async () => {
  expectedStatuses = new Set([401]);
  await page.goto(region.url, { waitUntil: "load" });
  await page.type("#apikey", "fbx_not_a_key_of_this_region");
  await page.click("form button[type=submit]");
  await page.waitForSelector("#signin-error");
  expect(await text("#signin-error")).toMatch(/This API key was not accepted by the region: .+/);
  expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  await shot("signin-wrong-key");
});

test("an operator signs in and watches the lab machines commission to Ready live", async () => {
  await page.$eval("#apikey", (el) => {
    (el as HTMLInputElement).value = "";
  });
  await page.type("#apikey", ADMIN_KEY);
  await page.click("form button[type=submit]");
  await page.waitForSelector("#whoami[data-kind=admin]");
  await page.waitForSelector("#live-state[data-state=live]");
  expect(await page.evaluate(() => sessionStorage.getItem("fibrix.apiKey"))).toBe(ADMIN_KEY);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await page.waitForSelector("#h-machines");
  // Keyboard: the first Tab lands on the skip link, which leads to the page's content.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
  await shot("overview-commissioning");
  await goNav("Machines");
  await page.waitForSelector('#machine-count[data-total="3"][data-loading="0"]');
  expect(await statusOf("pe860-01")).toBe("Commissioning");
  // Marks this document: a reload would lose it.
  await page.evaluate(() => {
    (window as any).__sameDocument = true;
  });
  await site.startAgent(region.url, out.rackToken);
  await page.waitForFunction(() => document.querySelectorAll('tr[data-status="Ready"]').length === 3, {
    timeout: 90_000,
    polling: 200,
  });
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await shot("machines-ready");
}, 120_000);

test("the machines filter lives in the URL and narrows the rows", async () => {
  await page.type("#f-q", "pe860-02");
  await page.waitForSelector('#machine-count[data-shown="1"]');
  await page.waitForFunction(() => location.search.includes("q=pe860-02"));
  expect(
    await page.$$eval("tr[data-machine]", (rows) => rows.map((r) => (r as HTMLElement).dataset.machine)),
  ).toEqual(["pe860-02"]);
  await page.select("#f-status", "Commissioning");
  await page.waitForSelector('#machine-count[data-shown="0"]');
  expect(new URL(page.url()).searchParams.get("status")).toBe("Commissioning");
  // A reload keeps the filter (it is the URL), and the server answers the client route.
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector('#machine-count[data-shown="0"][data-loading="0"]');
  expect(await page.$eval("#f-q", (el) => (el as HTMLInputElement).value)).toBe("pe860-02");
  await page.goto(`${region.url}/machines?sort=hostname&dir=desc`, { waitUntil: "load" });
  await page.waitForSelector('#machine-count[data-shown="3"]');
  expect(
    await page.$$eval("tr[data-machine]", (rows) => rows.map((r) => (r as HTMLElement).dataset.machine)),
  ).toEqual(["pe860-03", "pe860-02", "pe860-01"]);
});

test("a machine: sensors read through the rack, a refused action shows the API's detail", async () => {
  expectedStatuses = new Set([409]);
  await (await page.waitForSelector('tr[data-machine="pe860-01"] a'))!.click();
  await page.waitForSelector('#machine-status[data-status="Ready"]');
  await readSensorsNow();
  await page.waitForFunction(() => document.querySelectorAll("#sensors tbody tr").length > 0, {
    timeout: 30_000,
  });
  const sensors = await page.$$eval("#sensors tbody tr", (rows) =>
    rows.map((r) => (r as HTMLElement).innerText),
  );
  expect(sensors.join("\n")).toMatch(/CPU.*temperature.*\d+ .*ok/i);
  expect(await text("#h-inv + dl")).toMatch(/2 cores/);
  // The thresholds shown, as a person reads them, equal FreeIPMI's from the same BMC.
  const shown = await shownSensors();
  const bmc = site.lab.bmcs[0]!;
  const freeipmi = await ipmiSensors({
    host: bmc.host,
    port: bmc.port,
    user: LAB_BMC_USER,
    password: LAB_BMC_PASSWORD,
  });
  expect(shown.map((s) => s.name).sort()).toEqual([...freeipmi.keys()].sort());
  let compared = 0;
  for (const s of shown) {
    const theirs = freeipmi.get(s.name)!.thresholds as Record<string, number>;
    expect([s.name, Object.keys(s.thresholds).sort()]).toEqual([s.name, Object.keys(theirs).sort()]);
    for (const [k, v] of Object.entries(s.thresholds)) {
      expect(Math.abs(v - theirs[k]!)).toBeLessThanOrEqual(FREEIPMI_PRECISION);
      compared++;
    }
  }
  expect(compared).toBe(26); // every readable threshold of the PE860 profile
  expect(shown.find((s) => s.name === "CPU Temp")).toMatchObject({ state: "ok", stateText: "✓ ok" });
  await shot("machine-ready-sensors");
  // A fault on the BMC: the state says critical in words, naming the threshold reached.
  bmc.bmc.sensors.inject("CPU Temp", "upper-critical");
  await readSensorsNow();
  await page.waitForSelector('#sensors tr[data-sensor="CPU Temp"][data-state="critical"]', {
    timeout: 30_000,
  });
  const cpu = (await shownSensors()).find((s) => s.name === "CPU Temp")!;
  expect(cpu.stateText).toBe("✖ critical (at or above upper critical 90 degrees C)");
  expect(cpu.reached).toEqual({ upperCritical: 90 });
  await shot("machine-sensor-critical");
  bmc.bmc.sensors.inject("CPU Temp", "normal");
  await readSensorsNow();
  await page.waitForSelector('#sensors tr[data-sensor="CPU Temp"][data-state="ok"]', { timeout: 30_000 });
  // Rescue is not allowed from Ready: the dialog shows the region's 409 detail as it is.
  const id = out.machines[0]!.id;
  const direct = await fetch(`${region.url}/api/v1/machines/${id}/actions/rescue`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: "{}",
  });
  expect(direct.status).toBe(409);
  const detail = ((await direct.json()) as { detail: string }).detail;
  // By keyboard: Enter on the button opens the confirmation, Escape cancels it (nothing sent).
  await page.focus("main .buttons button:nth-child(4)");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Rescue");
  await page.keyboard.press("Enter");
  await page.waitForSelector("dialog[open]", { visible: true });
  await page.keyboard.press("Escape");
  await page.waitForSelector("dialog[open]", { hidden: true });
  await clickButton("Rescue");
  await confirmDialog();
  await page.waitForSelector("dialog[open] .problem-detail");
  expect(await text("dialog[open] .problem-detail")).toBe(detail);
  expect(await text("dialog[open] .problem")).toContain("409");
  await shot("machine-action-refused");
  await clickButton("Cancel", "dialog[open]");
  await page.waitForSelector("dialog[open]", { hidden: true });
}, 60_000);

test("deploy then release a machine from its page, followed live", async () => {
  await clickButton("Deploy");
  await page.waitForSelector("#deploy-image", { visible: true });
  await page.type("#deploy-image", "ubuntu-24.04");
  await confirmDialog();
  await page.waitForSelector('#machine-status[data-status="Deployed"]', { timeout: 90_000 });
  expect(await text("main .lead")).toContain("10.20.0.101");
  await page.waitForFunction(() => /deployed/i.test(document.querySelector(".events")?.textContent ?? ""));
  await shot("machine-deployed");
  await clickButton("Release");
  await confirmDialog();
  await page.waitForSelector('#machine-status[data-status="Ready"]', { timeout: 90_000 });
  await shot("machine-released");
}, 200_000);

test("the operator pages list what the API holds", async () => {
  for (const [label, table, expected] of [
    ["VMs", "#table-vms", null],
    ["Networks", "#table-networks", "globex-lan"],
    ["Pools", "#table-pools", "gold"],
    ["Images", "#table-images", null],
    ["Racks", "#table-racks", "rack-a"],
    ["Tenants", "#table-tenants", "acme"],
    ["API keys", "#table-api-keys", "acme-ci"],
    ["Overview", "#h-racks", "1 online"],
  ] as const) {
    await goNav(label);
    await page.waitForSelector(table);
    if (expected)
      await page.waitForFunction(
        (t, e) => document.querySelector(t)?.textContent?.includes(e),
        {},
        table,
        expected,
      );
    expect(await page.$$(".problem")).toHaveLength(0);
    await shot(`operator-${label.toLowerCase().replace(/\W+/g, "-")}`);
  }
  expect(await text("#h-machines")).toBe("Machines: 3");
  expect(await text(".states")).toMatch(/Ready\s*3/);
});

test("phone width: overview and machines stay readable", async () => {
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  await page.goto(`${region.url}/`, { waitUntil: "load" });
  await page.waitForSelector("#h-pools");
  await shot("phone-overview");
  await page.goto(`${region.url}/machines`, { waitUntil: "load" });
  await page.waitForSelector('#machine-count[data-shown="3"]');
  // The page never scrolls sideways; the table scrolls inside its own box.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot("phone-machines");
  await page.setViewport({ width: 1366, height: 900 });
});

test("sign-out forgets the key; a tenant sees only its own and no operator pages", async () => {
  expectedStatuses = new Set([403]);
  await page.click("#signout");
  await page.waitForSelector("#apikey");
  expect(await page.evaluate(() => sessionStorage.getItem("fibrix.apiKey"))).toBeNull();
  await page.type("#apikey", out.tenantKey);
  await page.click("form button[type=submit]");
  await page.waitForSelector("#whoami[data-kind=tenant]");
  const nav = await page.$$eval("nav a", (as) => as.map((a) => a.textContent));
  expect(nav).toEqual(["Overview", "VMs", "Networks", "Pools", "Images"]);
  await page.waitForSelector("#h-pools .card, .cards");
  expect(await page.$("#h-machines")).toBeNull();
  expect(await page.$("#h-racks")).toBeNull();
  // The operator's overview listed events of machines; this tenant owns no VM: it sees none.
  await page.waitForFunction(() =>
    document.querySelector('section[aria-labelledby="h-events"]')?.textContent?.includes("No events yet"),
  );
  expect(await page.$$(".events li")).toHaveLength(0);
  await shot("tenant-overview");
  await goNav("Pools");
  await page.waitForSelector("#table-pools");
  const pools = await page.$$eval("#table-pools tbody tr", (rows) =>
    rows.map((r) => (r as HTMLElement).innerText),
  );
  expect(pools.join("\n")).toContain("gold");
  expect(pools.join("\n")).not.toContain(otherPool);
  await shot("tenant-pools");
  await goNav("Networks");
  await page.waitForFunction(() =>
    document.querySelector("#table-networks")?.textContent?.includes("acme-lan"),
  );
  const networks = await page.$eval("#table-networks", (t) => (t as HTMLElement).innerText);
  expect(networks).toContain("VXLAN");
  expect(networks).not.toContain(otherNetwork);
  await shot("tenant-networks");
  // An operator page typed into the address bar: the API refuses it, and the page says why.
  await page.goto(`${region.url}/machines`, { waitUntil: "load" });
  await page.waitForSelector("main .problem");
  expect(await text("main .problem")).toMatch(/403.*operator \(admin\) API key/s);
  await shot("tenant-machines-refused");
  expect(await page.$$("tr[data-machine]")).toHaveLength(0);
  expect(await page.$("#machine-count")).toBeNull();
});
