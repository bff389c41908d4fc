/**
 * A rack over the rack protocol (like lab-fixture.ts's "rack-bmc" loop) that can hold a
 * machine's work: tasks of the kinds held for a hostname are claimed and left unanswered until
 * the test lets them go. That is how a machine stays in Deploying or Releasing for as long as a
 * test needs (a real rack would be PXE-booting it), without touching the store.
 * Leases are 60 s (backend/region/tasks.ts): a test holds work for less than that.
 */
import { http, PE860_INVENTORY } from "./lab-fixture";

type Kind = "commission" | "deploy" | "release";

export interface HoldingRack {
  hold(hostname: string, kinds: Kind[]): void;
  /** Answers what was held for `hostname` and stops holding it. */
  letGo(hostname: string): void;
  stop(): Promise<void>;
}

export function startHoldingRack(api: string, token: string): HoldingRack {
  const holds = new Map<string, Set<Kind>>();
  const held: { id: string; kind: string; hostname: string }[] = [];
  let stopped = false;

  const answer = async (t: { id: string; kind: string }) => {
    let body: unknown = { ok: true, result: {} };
    if (t.kind === "commission") {
      body = {
        ok: true,
        result: { inventory: PE860_INVENTORY, tests: [{ name: "memory", passed: true, detail: "ok" }] },
      };
    } else if (t.kind === "deploy") body = { ok: true, result: { ip: "10.40.0.50" } };
    else if (t.kind === "power") body = { ok: true, result: { action: "query", powerState: "off" } };
    else if (t.kind === "health") body = { ok: true, result: { powerState: "off", sensors: [], sel: [] } };
    await http(api, "POST", `/rack-agent/tasks/${t.id}/result`, { key: token, body }).catch(() => undefined);
  };

  const loop = (async () => {
    const until = Date.now() + 15 * 60_000; // bounded: never outlives a test run
    while (!stopped && Date.now() < until) {
      const claim = await http(api, "POST", "/rack-agent/tasks/claim", {
        key: token,
        body: { max: 10, waitMs: 200 },
      }).catch(() => undefined);
      for (const t of claim?.body?.tasks ?? []) {
        const hostname = String((t.payload as { hostname?: string }).hostname ?? "");
        if (holds.get(hostname)?.has(t.kind)) held.push({ id: t.id, kind: t.kind, hostname });
        else await answer(t);
      }
      for (let i = held.length - 1; i >= 0; i--) {
        const h = held[i]!;
        if (!holds.get(h.hostname)?.has(h.kind as Kind)) {
          held.splice(i, 1);
          await answer(h);
        }
      }
      if (!claim) await new Promise((r) => setTimeout(r, 100));
    }
  })();

  return {
    hold(hostname, kinds) {
      holds.set(hostname, new Set(kinds));
    },
    letGo(hostname) {
      holds.delete(hostname);
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
