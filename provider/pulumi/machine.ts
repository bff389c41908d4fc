/**
 * `fibrix.Machine`: a physical machine enlisted with its MACs and BMC (design.md, Resources and
 * "Machine lifecycle"). Create enlists it, commissions it and waits for Ready, then, when
 * `deploy` or `vmHost` is set, deploys it and waits for Deployed, logging each status change.
 * A create that fails part-way removes the machine (releasing it first if it got that far), so
 * a failed `pulumi up` leaves nothing behind. Pool, tags, description, power parameters and the
 * deploy target change in place (a new deploy target redeploys); hostname, MACs and rack replace
 * it. Delete releases the machine if it is in use, waits for Ready, then removes it.
 *
 * `customTimeouts` (or `timeoutSeconds` for all three) bound each create/update/delete (see
 * custom-timeouts.ts; without them: the default below). The BMC password is a secret in the state
 * and never returned by the region.
 */
import { type Static, Type } from "@sinclair/typebox";
import { machineModel, targetStatus, wantsDeploy } from "../../sdk/model/machine";
import {
  applyDeployTarget,
  removeMachine,
  settleMachine,
  type StepOptions,
} from "../../sdk/model/machine-steps";
import {
  type Machine as MachineObject,
  MachineCreate,
  MachineUpdate,
  type PowerParameters,
} from "../../sdk/schema/machine";
import { createOnce } from "./create-key";
import { type Operation, operationTimeoutMs, type TimeoutSeconds, TimeoutsInput } from "./custom-timeouts";
import { diffRulesOf, planDiff } from "./diff-plan";
import type { ResourceHooks } from "./resource-hooks";
import { guardedPatch } from "./guarded-update";
import { operationSignal } from "./operation-signal";
import { reportProgress } from "./progress";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import { checkInputs, compact, keysOf, pick, UNKNOWN } from "./schema-check";

export const DEFAULT_MACHINE_TIMEOUT_S = 3600;
const POLL_MS = 500;

export const MachineInputs = Type.Object(
  {
    ...MachineCreate.properties,
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        description: "bound on each create, update and delete, in seconds (default 3600)",
      }),
    ),
    eraseOnRelease: Type.Optional(Type.Boolean({ description: "erase the disks when releasing on delete" })),
    timeouts: Type.Optional(TimeoutsInput),
    createKeySeed: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type MachineInputs = Static<typeof MachineInputs>;
export type MachineOutputs = Omit<MachineObject, "id" | "power" | "deploy"> &
  Pick<MachineInputs, "timeoutSeconds" | "timeouts" | "eraseOnRelease" | "commission" | "createKeySeed"> & {
    /** As declared (with the password, secret); the region's view minus the password otherwise. */
    power: PowerParameters;
    deploy: MachineInputs["deploy"] | null;
  };

const CREATE_KEYS = keysOf(MachineCreate);
const UPDATE_KEYS = keysOf(MachineUpdate);

export const MACHINE_DIFF = diffRulesOf(machineModel);

export { targetStatus, wantsDeploy };

/** What outputs carry over from the inputs (or from the outputs last stored). */
interface Carried {
  power?: PowerParameters;
  deploy?: { userData?: string } | null;
  timeoutSeconds?: number;
  timeouts?: TimeoutSeconds;
  eraseOnRelease?: boolean;
  commission?: boolean;
  createKeySeed?: string;
}

function toOutputs(live: MachineObject, inputs: Carried): MachineOutputs {
  const { id: _id, power: view, deploy, ...rest } = live;
  const { passwordSet, ...powerView } = view;
  const password = passwordSet ? inputs.power?.password : undefined;
  return compact({
    ...rest,
    power: compact({ ...powerView, password }) as PowerParameters,
    deploy: deploy ? compact({ ...deploy, userData: inputs.deploy?.userData }) : null,
    timeoutSeconds: inputs.timeoutSeconds,
    timeouts: inputs.timeouts,
    eraseOnRelease: inputs.eraseOnRelease,
    commission: inputs.commission,
    createKeySeed: inputs.createKeySeed,
  });
}

function liveInputs(outs: MachineOutputs): Partial<MachineInputs> {
  const picked = pick(outs, CREATE_KEYS) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== null)) as Partial<MachineInputs>;
}

function timeoutMs(i: Carried, op: Operation): number {
  return operationTimeoutMs(i, op, DEFAULT_MACHINE_TIMEOUT_S);
}

function steps(hostname: string, deadline: number): StepOptions {
  return {
    reason: "pulumi",
    say: (line) => reportProgress(`Machine ${hostname}: ${line}`),
    wait: () => ({
      timeoutMs: Math.max(1, deadline - Date.now()),
      intervalMs: POLL_MS,
      signal: operationSignal(),
      onProgress: (m: MachineObject, elapsedMs: number) =>
        reportProgress(
          `Machine ${hostname}: ${m.status}${m.statusReason ? ` (${m.statusReason})` : ""} after ${Math.round(elapsedMs / 1000)} s`,
        ),
    }),
  };
}

function remove(id: string, hostname: string, erase: boolean, deadline: number): Promise<void> {
  return removeMachine(regionClient(), id, {
    ...steps(hostname, deadline),
    reason: "removed by Pulumi",
    erase,
  });
}

export const machineHooks = {
  async check(olds, news) {
    // A machine that exists (an update, an import) has its BMC password in the region, which
    // never returns it: an imported machine's inputs lack it, and that is no error.
    const failures = checkInputs(machineModel, MachineInputs, news, {
      passwordStored: olds.hostname !== undefined,
    });
    // The region stores MACs in lower case: normalise so the next diff is quiet.
    const inputs = { ...news } as MachineInputs;
    if (Array.isArray(news.macs)) {
      inputs.macs = news.macs.map((m) => (typeof m === "string" && m !== UNKNOWN ? m.toLowerCase() : m));
    }
    return { inputs, ...(failures.length > 0 ? { failures } : {}) };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, MACHINE_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as MachineCreate;
    const deadline = Date.now() + timeoutMs(inputs, "create");
    const what = `create Machine ${inputs.hostname}`;
    let m: MachineObject;
    try {
      m = await createOnce(
        inputs.createKeySeed ?? `machine/${inputs.hostname}`,
        body,
        (idempotencyKey) => client.machines.create(body, { idempotencyKey }),
        (id) => client.machines.get(id),
      );
    } catch (e) {
      throw providerError(what, e); // the region refused: nothing was made
    }
    try {
      reportProgress(`Machine ${inputs.hostname}: enlisted as ${m.id}, ${m.status} (${m.statusReason})`);
      m = await settleMachine(client, m, inputs, steps(inputs.hostname, deadline));
      return { id: m.id, outs: toOutputs(m, inputs) };
    } catch (e) {
      // Cancelled by the engine: the region goes on with it, left for a refresh or an import
      // (native/operations.ts says so), never removed behind the user's back.
      if (operationSignal()?.aborted) throw providerError(what, e);
      // Leave nothing half-made: a machine that failed commissioning or deploying is removed.
      let cleanup = "removed it";
      try {
        await remove(m.id, inputs.hostname, false, Date.now() + timeoutMs(inputs, "delete"));
      } catch (ce) {
        cleanup = `could NOT remove it (${ce instanceof Error ? ce.message : String(ce)}); remove ${m.id} by hand`;
      }
      const err = providerError(what, e);
      err.message = `${err.message}; ${cleanup}`;
      throw err;
    }
  },

  async read(id, props) {
    try {
      const outs = toOutputs(await regionClient().machines.get(id), props ?? {});
      return { id, props: outs, inputs: compact({ ...liveInputs(outs), commission: props?.commission }) };
    } catch (e) {
      throw providerError(`read Machine ${id}`, e);
    }
  },

  async update(id, olds, news) {
    const client = regionClient();
    const deadline = Date.now() + timeoutMs(news, "update");
    const what = `update Machine ${news.hostname}`;
    try {
      const body = pick(news, UPDATE_KEYS) as MachineUpdate;
      let m = await guardedPatch({
        what: `machine ${news.hostname}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: UPDATE_KEYS,
        asOutputs: (live: MachineObject) => toOutputs(live, olds),
        get: () => client.machines.get(id),
        patch: (ifMatch) => client.machines.update(id, body, { ifMatch }),
      });
      m = await applyDeployTarget(client, m, olds, news, steps(news.hostname, deadline));
      return { outs: toOutputs(m, news) };
    } catch (e) {
      throw providerError(what, e);
    }
  },

  async delete(id, props) {
    try {
      await remove(
        id,
        props.hostname,
        props.eraseOnRelease === true,
        Date.now() + timeoutMs(props, "delete"),
      );
    } catch (e) {
      throw providerError(`delete Machine ${props.hostname}`, e);
    }
  },
} satisfies ResourceHooks<MachineInputs, MachineOutputs>;
