/**
 * The HA lab (backend/lab/patroni-lab.ts: 3 etcd members, 3 Patroni/PostgreSQL 15 nodes on
 * loopback) for a test: every process it starts is recorded with `own()`, so a killed run's
 * leftovers are reaped by the next run, and stop() ends exactly those processes.
 */
import {
  type LabMember,
  type LabState,
  leaderOf,
  postmasterPid,
  startLab,
  stopLab,
  waitHealthy,
} from "../../backend/lab/patroni-lab";
import { own } from "./run-dirs";

export interface PatroniLab {
  state: LabState;
  /** The multi-host connection string, target_session_attrs=read-write. */
  url: string;
  leader(): Promise<LabMember | undefined>;
  /** The running primary's postmaster pid (the process a test kills -9). */
  primaryPostmaster(): Promise<{ node: LabMember; pid: number }>;
  healthy(timeoutMs?: number): Promise<LabMember>;
  stop(): Promise<void>;
}

export async function startPatroniLab(): Promise<PatroniLab> {
  const state = await startLab({ onProcess: (pid) => own("pid", pid) });
  // Patroni starts (and restarts) the postmasters: recorded too, so a reaper stops them.
  const ownPostmasters = () => {
    for (const n of state.nodes) {
      const pid = postmasterPid(n);
      if (pid) own("pid", pid);
    }
  };
  ownPostmasters();
  let stopping: Promise<void> | undefined;
  return {
    state,
    url: state.url,
    leader: () => leaderOf(state.nodes),
    async primaryPostmaster() {
      const node = await leaderOf(state.nodes);
      const pid = node && postmasterPid(node);
      if (!node || !pid) throw new Error("the lab has no running primary");
      return { node, pid };
    },
    async healthy(timeoutMs = 120_000) {
      const leader = await waitHealthy(state, timeoutMs);
      ownPostmasters();
      return leader;
    },
    stop() {
      stopping ??= stopLab(state);
      return stopping;
    },
  };
}
