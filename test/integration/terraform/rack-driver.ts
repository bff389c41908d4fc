/**
 * Plays a rack agent over the real rack protocol (HTTP, the rack's enrollment token): claims
 * the region's tasks and reports them done, so machines finish commissioning and VMs get built
 * and torn down without hardware. Bounded: it polls every 100 ms for at most `maxMs`.
 */
import { http } from "../../helpers/region";

export interface RackDriver {
  /** Kinds of the tasks completed, in order. */
  done: string[];
  stop(): Promise<void>;
}

const INVENTORY = {
  cores: 2,
  memoryMiB: 8192,
  storage: [{ name: "sda", sizeGiB: 250 }],
  nics: [{ name: "eth0", mac: "52:54:00:7f:00:01" }],
  cpuModel: "Intel(R) Xeon(R) CPU 3070 @ 2.66GHz",
};

function resultFor(kind: string, payload: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case "commission":
      return { inventory: INVENTORY, tests: [{ name: "memory", passed: true, detail: "ok" }] };
    case "vm.create":
      return { ip: "10.20.0.50", domain: String(payload.name) };
    case "vm.update":
      return { applied: "live" };
    case "power":
      return { action: payload.action, powerState: "off" };
    default:
      return {};
  }
}

export function startRackDriver(api: string, token: string, maxMs = 5 * 60_000): RackDriver {
  const done: string[] = [];
  let running = true;
  const started = Date.now();
  const loop = (async () => {
    while (running && Date.now() - started < maxMs) {
      const res = await http(api, "POST", "/rack-agent/tasks/claim", { key: token, body: { max: 10 } });
      for (const t of (res.body?.tasks ?? []) as {
        id: string;
        kind: string;
        payload: Record<string, unknown>;
      }[]) {
        done.push(t.kind); // before the report: the report is what a waiting provider sees
        await http(api, "POST", `/rack-agent/tasks/${t.id}/result`, {
          key: token,
          body: { ok: true, result: resultFor(t.kind, t.payload) },
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    done,
    async stop() {
      running = false;
      await loop;
    },
  };
}
