/**
 * The machine lifecycle: the one place that says which transitions exist (design.md,
 * "Machine lifecycle"). Pure: the API asks it before writing, and writes the event it returns.
 *
 *   New → Commissioning → Ready → Allocated → Deploying → Deployed → Releasing → Ready
 *   with FailedCommissioning, FailedDeployment, FailedReleasing, Broken and Rescue.
 *
 * Operator actions come through the API; rack results (commissioned, deployed, …) and
 * timeouts come from the rack agent or the region's watchdog.
 */
import {
  type MachineAction,
  MachineAction as MachineActionSchema,
  type MachineStatus,
  MachineStatus as MachineStatusSchema,
} from "../schema/machine";

export type OperatorAction = MachineAction;
export type RackResult =
  | "commissioned"
  | "commission-failed"
  | "deployed"
  | "deploy-failed"
  | "released"
  | "release-failed"
  | "timeout";
export type LifecycleAction = OperatorAction | RackResult;

/** Every status, in the schema's order (the schema is the one list of them). */
export const STATUSES: readonly MachineStatus[] = (
  MachineStatusSchema as unknown as { enum: MachineStatus[] }
).enum;

/** Where each action leads from each state it is allowed in. Absent = illegal. */
const TABLE: Record<LifecycleAction, Partial<Record<MachineStatus, MachineStatus>>> = {
  commission: {
    New: "Commissioning",
    Ready: "Commissioning",
    FailedCommissioning: "Commissioning",
    Broken: "Commissioning",
  },
  commissioned: { Commissioning: "Ready" },
  "commission-failed": { Commissioning: "FailedCommissioning" },
  allocate: { Ready: "Allocated" },
  deploy: { Ready: "Deploying", Allocated: "Deploying" },
  deployed: { Deploying: "Deployed" },
  "deploy-failed": { Deploying: "FailedDeployment" },
  // An allocated machine was never touched: it goes straight back. A deployed one is wiped first.
  release: {
    Allocated: "Ready",
    Deployed: "Releasing",
    FailedDeployment: "Releasing",
    FailedReleasing: "Releasing",
  },
  released: { Releasing: "Ready" },
  "release-failed": { Releasing: "FailedReleasing" },
  "mark-broken": {
    New: "Broken",
    Ready: "Broken",
    Allocated: "Broken",
    Deployed: "Broken",
    FailedCommissioning: "Broken",
    FailedDeployment: "Broken",
    FailedReleasing: "Broken",
    Rescue: "Broken",
  },
  "mark-fixed": { Broken: "Ready" },
  rescue: { Deployed: "Rescue", Broken: "Rescue", FailedDeployment: "Rescue" },
  // Leaving rescue returns to the state the machine entered it from (see `transition`).
  "exit-rescue": { Rescue: "Deployed" },
  abort: { Commissioning: "New", Deploying: "Allocated", Releasing: "FailedReleasing" },
  timeout: {
    Commissioning: "FailedCommissioning",
    Deploying: "FailedDeployment",
    Releasing: "FailedReleasing",
  },
};

/** The operator actions, in the API schema's order (the schema is the one list of them). */
export const OPERATOR_ACTIONS: readonly OperatorAction[] = (
  MachineActionSchema as unknown as { enum: OperatorAction[] }
).enum;
export const RACK_RESULTS: readonly RackResult[] = [
  "commissioned",
  "commission-failed",
  "deployed",
  "deploy-failed",
  "released",
  "release-failed",
  "timeout",
];

/** States in which the rack is busy with the machine; a watchdog times these out. */
export const BUSY_STATES: readonly MachineStatus[] = ["Commissioning", "Deploying", "Releasing"];

export type TransitionResult =
  | { ok: true; from: MachineStatus; to: MachineStatus }
  | { ok: false; from: MachineStatus; allowed: LifecycleAction[] };

/**
 * @param rescueFrom the state the machine was in when it entered Rescue (kept on the
 *   machine); exit-rescue returns there.
 */
export function transition(
  from: MachineStatus,
  action: LifecycleAction,
  rescueFrom?: MachineStatus,
): TransitionResult {
  const to = TABLE[action][from];
  if (to === undefined) return { ok: false, from, allowed: allowedActions(from) };
  if (action === "exit-rescue" && rescueFrom) return { ok: true, from, to: rescueFrom };
  return { ok: true, from, to };
}

/** Operator actions first, then rack results, in a stable order. */
export function allowedActions(from: MachineStatus): LifecycleAction[] {
  return [...OPERATOR_ACTIONS, ...RACK_RESULTS].filter((a) => TABLE[a][from] !== undefined);
}

export function isOperatorAction(a: string): a is OperatorAction {
  return (OPERATOR_ACTIONS as readonly string[]).includes(a);
}
export function isRackResult(a: string): a is RackResult {
  return (RACK_RESULTS as readonly string[]).includes(a);
}

/** States in which a machine is in use or being worked on: it cannot be removed. */
export const IN_USE_STATES: readonly MachineStatus[] = [...BUSY_STATES, "Allocated", "Deployed", "Rescue"];

export type RemovalStep =
  | { kind: "delete" }
  | { kind: "wait"; until: readonly MachineStatus[] }
  | { kind: "action"; action: "release" | "abort" | "exit-rescue" };

/**
 * The next step towards removing a machine in `status`, read from the transition table: a
 * machine not in use is deleted; one in use is released where the table allows it, else its
 * work is aborted, else it leaves rescue; one being released is waited for (aborting would
 * leave its disk half wiped). Each step's new state has a step of its own until `delete`.
 */
export function removalStep(status: MachineStatus): RemovalStep {
  if (!IN_USE_STATES.includes(status)) return { kind: "delete" };
  if (status === "Releasing") return { kind: "wait", until: ["Ready", "FailedReleasing"] };
  for (const action of ["release", "abort", "exit-rescue"] as const) {
    if (TABLE[action][status] !== undefined) return { kind: "action", action };
  }
  throw new Error(`no way out of ${status} towards removal`);
}
