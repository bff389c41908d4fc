/**
 * ZoneCache coalesces rebuilds: callers that ask while one runs share one follow-up. (Before,
 * each waiting caller queued a follow-up that queued the next: with a store that fails fast,
 * e.g. closed on shutdown, that was a busy loop that kept the region from exiting.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { ZoneCache } from "../../../backend/region/dns-zones";
import { openStore } from "../../../backend/region/store/open";

test("ten concurrent refreshes on a closed store: two rebuilds, then quiet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fibrix-zonecache-"));
  try {
    const store = await openStore({ dataDir: dir });
    await store.close(); // every rebuild now fails at once
    let rebuilds = 0;
    const log = { error: () => rebuilds++ } as unknown as Logger;
    const cache = new ZoneCache(store.db, () => 1, log);
    await Promise.all(Array.from({ length: 10 }, () => cache.refresh()));
    expect(rebuilds).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(rebuilds).toBe(2);
    // A refresh alone is one rebuild.
    await cache.refresh();
    expect(rebuilds).toBe(3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
