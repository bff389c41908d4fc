/**
 * The time usage metering is stamped with, injected so tests can drive a known timeline
 * (MAAS injects its clock the same way). Production uses the system clock.
 */
import { readFileSync } from "node:fs";

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * TEST ONLY: `FIBRIX_TEST_CLOCK_FILE=PATH` makes a region child process read its time from
 * PATH (epoch ms or RFC 3339) at every reading, so a test that kills and restarts the region
 * keeps one timeline. Never set it in production.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): Clock {
  const file = env.FIBRIX_TEST_CLOCK_FILE;
  if (!file) return systemClock;
  return {
    now() {
      const text = readFileSync(file, "utf8").trim();
      const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isFinite(ms)) throw new Error(`FIBRIX_TEST_CLOCK_FILE ${file} holds no time: ${text}`);
      return ms;
    },
  };
}
