/**
 * The real rack executors (backend/rack/executors/index.ts) driven directly, as the rack's work
 * loop runs a claimed task: one attempt, a long lease, nothing claimed since. For tests that
 * play the region's side with payloads of its contract (sdk/schema/rack-agent.ts,
 * sdk/schema/tenant-network-payload.ts).
 */
import pino from "pino";
import type { Executor } from "../../backend/rack/executor";
import type { ExecutorDeps } from "../../backend/rack/executors/deps";
import { defaultExecutors } from "../../backend/rack/executors/index";

export type RunTask = (kind: string, payload: Record<string, unknown>) => Promise<Record<string, unknown>>;

export function taskRunner(deps: ExecutorDeps): RunTask {
  const executors = new Map<string, Executor>(defaultExecutors(deps).map((e) => [e.kind, e]));
  const log = pino({ level: "silent" });
  let seq = 0;
  return async (kind, payload) => {
    const ex = executors.get(kind);
    if (!ex) throw new Error(`no executor for ${kind}`);
    return ex.run({
      task: {
        id: `tsk_${String(++seq).padStart(16, "0")}`,
        kind: kind as Executor["kind"],
        objectId: String(payload.vmId ?? payload.machineId ?? ""),
        attempt: 1,
        leaseUntil: new Date(Date.now() + 600_000).toISOString(),
        payload,
      },
      log,
      config: () => undefined,
      progress: async () => {},
      signal: new AbortController().signal,
      claimedSince: () => new Set(),
    });
  };
}
