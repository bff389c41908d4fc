/**
 * Debian's Chromium (/usr/bin/chromium, installed by scripts/setup.sh) driven headless by
 * puppeteer-core: no browser is downloaded (puppeteer-core never fetches one). Used by the
 * console's browser tests and bench/ui.
 */
import puppeteer, { type Browser } from "puppeteer-core";

export const CHROMIUM = process.env.FIBRIX_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container: no sandbox; /dev/shm may be small.
    args: ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-gpu"],
    defaultViewport: { width: 1366, height: 900 },
    timeout: 60_000,
    protocolTimeout: 120_000,
  });
}
