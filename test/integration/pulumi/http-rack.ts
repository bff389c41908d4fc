/**
 * A rack over the rack protocol, played by a small HTTP loop: it claims tasks (bounded long
 * polls) and reports plausible results — a PE860 inventory on commissioning (machines named
 * `faulty-*` fail their memory test), an address on deploy, power off on power and health.
 * It can also hold a machine's work: tasks of the kinds held for a hostname are claimed and
 * left unanswered until the test lets them go. That is how a machine stays in Deploying or
 * Releasing for as long as a test needs (a real rack would be PXE-booting it), without
 * touching the store. Leases are 60 s (backend/region/tasks.ts): a test holds work for less.
 */
import { http } from "../../helpers/region";

type Kind = "commission" | "deploy" | "release";

export const PE860_INVENTORY = {
  cores: 2,
  memoryMiB: 8192,
  storage: [{ name: "sda", sizeGiB: 250 }],
  nics: [{ name: "eth0", mac: "52:54:00:00:00:00" }],
  cpuModel: "Intel(R) Xeon(R) CPU 3070 @ 2.66GHz",
};

export interface HttpRack {
  hold(hostname: string, kinds: Kind[]): void;
  /** Answers what was held for `hostname` and stops holding it. */
  letGo(hostname: string): void;
  stop(): Promise<void>;
}

interface Task {
  id: string;
  kind: string;
  hostname: string;
}

/** `deployIp`: the address a deployed machine reports (the rack's subnet). */
export function startHttpRack(api: string, token: string, opts: { deployIp: string }): HttpRack {
  const holds = new Map<string, Set<Kind>>();
  const held: Task[] = [];
  let stopped = false;

  const answer = async (t: Task) => {
    let body: unknown = { ok: true, result: {} };
    if (t.kind === "commission") {
      const faulty = t.hostname.startsWith("faulty");
      body = {
        ok: true,
        result: {
          inventory: PE860_INVENTORY,
          tests: [{ name: "memory", passed: !faulty, detail: faulty ? "pattern mismatch at 0x1f000" : "ok" }],
        },
      };
    } else if (t.kind === "deploy") body = { ok: true, result: { ip: opts.deployIp } };
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
      for (const c of claim?.body?.tasks ?? []) {
        const t = {
          id: c.id,
          kind: c.kind,
          hostname: String((c.payload as { hostname?: string }).hostname ?? ""),
        };
        if (holds.get(t.hostname)?.has(t.kind as Kind)) held.push(t);
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
