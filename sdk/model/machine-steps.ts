/**
 * The Machine model's lifecycle steps through the SDK, shared by the Pulumi provider, the
 * Terraform plugin and the CLI: bring a new machine to what was asked (Ready, or Deployed), run
 * the deploy steps of an update, and remove a machine from whatever state it is in, one step
 * of `removalStep` (machine-lifecycle.ts) at a time.
 */
import type { FibrixClient } from "../client";
import { NotFoundError } from "../errors";
import type { Machine, MachineStatus } from "../schema/machine";
import type { StatusWaitOptions } from "../waiters";
import { deploySteps, targetStatus, wantsDeploy } from "./machine";
import { removalStep } from "./machine-lifecycle";
import type { Values } from "./resource-model";

export interface StepOptions {
  /** Each wait's options (deadline, interval, abort signal, progress). */
  wait: () => StatusWaitOptions<MachineStatus, Machine>;
  /** Why, in the machine's events ("removed by Pulumi"). */
  reason: string;
  /** A line per step taken ("releasing before removal"). */
  say?: (line: string) => void;
}

/** Bounds the walk: no machine needs more steps than the table has states. */
const MAX_STEPS = 12;

/** Waits for a created machine to reach what `desired` asks (Ready, or Deployed), deploying it. */
export async function settleMachine(
  client: FibrixClient,
  machine: Machine,
  desired: Values,
  opts: StepOptions,
): Promise<Machine> {
  if (targetStatus(desired) === "New") return machine;
  let m = await client.machines.waitForStatus(
    machine.id,
    wantsDeploy(desired) ? ["Ready", "Deployed"] : "Ready",
    opts.wait(),
  );
  if (wantsDeploy(desired) && m.status === "Ready") m = await runDeploySteps(client, m, ["deploy"], opts);
  return m;
}

/** Runs release/deploy steps in order, waiting for each to finish. */
export async function runDeploySteps(
  client: FibrixClient,
  machine: Machine,
  steps: readonly ("release" | "deploy")[],
  opts: StepOptions,
): Promise<Machine> {
  let m = machine;
  for (const s of steps) {
    opts.say?.(s === "deploy" ? "deploying" : "releasing");
    await client.machines.action(m.id, s, { reason: opts.reason });
    m = await client.machines.waitForStatus(m.id, s === "deploy" ? "Deployed" : "Ready", opts.wait());
  }
  return m;
}

/** What an update asks after its PATCH (deploy, release or redeploy), carried out. */
export function applyDeployTarget(
  client: FibrixClient,
  machine: Machine,
  current: Values,
  desired: Values,
  opts: StepOptions,
): Promise<Machine> {
  return runDeploySteps(client, machine, deploySteps(machine.status, current, desired), opts);
}

/** Removes the machine from any state: done when it is gone (already gone is done too). */
export async function removeMachine(
  client: FibrixClient,
  id: string,
  opts: StepOptions & { erase?: boolean },
): Promise<void> {
  for (let i = 0; i < MAX_STEPS; i++) {
    let m: Machine;
    try {
      m = await client.machines.get(id);
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
    const step = removalStep(m.status);
    switch (step.kind) {
      case "delete":
        try {
          await client.machines.delete(id);
        } catch (e) {
          if (e instanceof NotFoundError) return;
          throw e;
        }
        return;
      case "wait":
        opts.say?.(`${m.status}: waiting for ${step.until.join(" or ")}`);
        await client.machines.waitForStatus(id, step.until, { ...opts.wait(), failOn: [] });
        break;
      case "action": {
        opts.say?.(`${m.status}: ${step.action} before removal`);
        const body =
          step.action === "release"
            ? { reason: opts.reason, erase: opts.erase === true }
            : { reason: opts.reason };
        const next = await client.machines.action(id, step.action, body);
        // Releasing is the rack's work: wait for it to end before the next step.
        if (next.status === "Releasing") {
          await client.machines.waitForStatus(id, ["Ready", "FailedReleasing"], {
            ...opts.wait(),
            failOn: [],
          });
        }
        break;
      }
    }
  }
  throw new Error(`machine ${id} could not be brought to a removable state in ${MAX_STEPS} steps`);
}
