/**
 * `fibrix.VirtualMachine`: a customer VM placed by the region's allocator on a VM host of a
 * pool (design.md, Resources). Create waits until the rack has built it (Running, or Stopped
 * when `powerState: "off"`), logging each status; a VM whose build fails is deleted before the
 * error is raised, and a VM no host can take is refused by the region before anything exists.
 * Cores, memory, a bigger disk, description and power state change in place; pool, image, name,
 * placement hints, cloud-init data and a smaller disk replace it. Delete waits until the rack
 * has removed the domain, its volumes and its DNS record.
 *
 * `customTimeouts` (or `timeoutSeconds` for all three) bound each create/update/delete (see
 * custom-timeouts.ts; without them: the default below). `tenantId` is for operators creating on a
 * tenant's behalf; tenant keys omit it.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FibrixClient } from "../../sdk/client";
import { Id } from "../../sdk/schema/common";
import { type Vm, VmCreate, VmUpdate } from "../../sdk/schema/vm";
import { settledStatus, virtualMachineModel } from "../../sdk/model/virtual-machine";
import { createOnce } from "./create-key";
import { type Operation, operationTimeoutMs, type TimeoutSeconds, TimeoutsInput } from "./custom-timeouts";
import { diffRulesOf, planDiff } from "./diff-plan";
import type { ResourceHooks } from "./resource-hooks";
import { guardedPatch } from "./guarded-update";
import { operationSignal } from "./operation-signal";
import { reportProgress } from "./progress";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

export const DEFAULT_VM_TIMEOUT_S = 1800;
const POLL_MS = 500;

export const VirtualMachineInputs = Type.Object(
  {
    ...VmCreate.properties,
    tenantId: Type.Optional(Id),
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        description: "bound on each create, update and delete, in seconds (default 1800)",
      }),
    ),
    timeouts: Type.Optional(TimeoutsInput),
    createKeySeed: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type VirtualMachineInputs = Static<typeof VirtualMachineInputs>;
export type VirtualMachineOutputs = Omit<Vm, "id"> &
  Pick<VirtualMachineInputs, "userData" | "sshKeys" | "timeoutSeconds" | "timeouts" | "createKeySeed">;

const CREATE_KEYS = keysOf(VmCreate);
const UPDATE_KEYS = keysOf(VmUpdate);

export const VM_DIFF = diffRulesOf(virtualMachineModel, { compared: ["tenantId"] });

export { settledStatus };

interface Carried {
  userData?: string;
  sshKeys?: string[];
  timeoutSeconds?: number;
  timeouts?: TimeoutSeconds;
  createKeySeed?: string;
}

function toOutputs(live: Vm, inputs: Carried): VirtualMachineOutputs {
  const { id: _id, ...rest } = live;
  return compact({
    ...rest,
    userData: inputs.userData,
    sshKeys: inputs.sshKeys,
    timeoutSeconds: inputs.timeoutSeconds,
    timeouts: inputs.timeouts,
    createKeySeed: inputs.createKeySeed,
  });
}

function liveInputs(outs: VirtualMachineOutputs): Partial<VirtualMachineInputs> {
  const picked = pick(outs, [...CREATE_KEYS, "tenantId"]) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(picked).filter(([, v]) => v !== null),
  ) as Partial<VirtualMachineInputs>;
}

function timeoutMs(i: Carried, op: Operation): number {
  return operationTimeoutMs(i, op, DEFAULT_VM_TIMEOUT_S);
}

function waitOpts(name: string, deadline: number) {
  return {
    timeoutMs: Math.max(1, deadline - Date.now()),
    intervalMs: POLL_MS,
    signal: operationSignal(),
    onProgress: (v: Vm, elapsedMs: number) =>
      reportProgress(
        `VirtualMachine ${name}: ${v.status}${v.statusReason ? ` (${v.statusReason})` : ""} after ${Math.round(elapsedMs / 1000)} s`,
      ),
  };
}

/** Deletes the VM and waits until its host has torn it down; done when it is gone. */
export async function removeVm(client: FibrixClient, id: string, deadline: number): Promise<void> {
  try {
    const pending = await client.vms.delete(id);
    if (pending) {
      await client.vms.waitForDeletion(id, {
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal: operationSignal(),
        intervalMs: POLL_MS,
      });
    }
  } catch (e) {
    if ((e as { code?: string }).code !== "NOT_FOUND") throw e;
  }
}

export const virtualMachineHooks = {
  async check(_olds, news) {
    const failures = checkInputs(virtualMachineModel, VirtualMachineInputs, news);
    return { inputs: news as VirtualMachineInputs, ...(failures.length > 0 ? { failures } : {}) };
  },

  async diff(_id, olds, news) {
    return planDiff(olds as Record<string, unknown>, news as Record<string, unknown>, VM_DIFF);
  },

  async create(inputs) {
    const client = regionClient();
    const body = pick(inputs, CREATE_KEYS) as VmCreate;
    const deadline = Date.now() + timeoutMs(inputs, "create");
    const what = `create VirtualMachine ${inputs.name}`;
    let v: Vm;
    try {
      v = await createOnce(
        inputs.createKeySeed ?? `vm/${inputs.tenantId ?? ""}/${inputs.name}`,
        body,
        (idempotencyKey) =>
          client.vms.create(body, {
            idempotencyKey,
            ...(inputs.tenantId ? { tenant: inputs.tenantId } : {}),
          }),
        (id) => client.vms.get(id),
      );
    } catch (e) {
      throw providerError(what, e); // refused (no capacity, unknown pool…): nothing was made
    }
    try {
      reportProgress(`VirtualMachine ${inputs.name}: ${v.status} (${v.statusReason})`);
      v = await client.vms.waitForStatus(v.id, settledStatus(inputs), waitOpts(inputs.name, deadline));
      return { id: v.id, outs: toOutputs(v, inputs) };
    } catch (e) {
      // Cancelled by the engine: the region goes on with it, left for a refresh or an import
      // (native/operations.ts says so), never removed behind the user's back.
      if (operationSignal()?.aborted) throw providerError(what, e);
      // Leave nothing half-made: the failed (or timed-out) VM is deleted before the error is raised.
      let cleanup = "deleted it";
      try {
        await removeVm(client, v.id, Date.now() + timeoutMs(inputs, "delete"));
      } catch (ce) {
        cleanup = `could NOT delete it (${ce instanceof Error ? ce.message : String(ce)}); delete ${v.id} by hand`;
      }
      const err = providerError(what, e);
      err.message = `${err.message}; ${cleanup}`;
      throw err;
    }
  },

  async read(id, props) {
    try {
      const outs = toOutputs(await regionClient().vms.get(id), props ?? {});
      return {
        id,
        props: outs,
        inputs: compact({ ...liveInputs(outs), userData: props?.userData, sshKeys: props?.sshKeys }),
      };
    } catch (e) {
      throw providerError(`read VirtualMachine ${id}`, e);
    }
  },

  async update(id, olds, news) {
    const client = regionClient();
    const deadline = Date.now() + timeoutMs(news, "update");
    try {
      const body = pick(news, UPDATE_KEYS) as VmUpdate;
      let v = await guardedPatch({
        what: `VM ${news.name}`,
        lastRead: olds as unknown as Record<string, unknown> & { version: number },
        managed: UPDATE_KEYS,
        asOutputs: (live: Vm) => toOutputs(live, olds),
        get: () => client.vms.get(id),
        patch: (ifMatch) => client.vms.update(id, body, { ifMatch }),
      });
      if (v.status !== settledStatus(v)) {
        v = await client.vms.waitForStatus(id, settledStatus(v), waitOpts(news.name, deadline));
      }
      return { outs: toOutputs(v, news) };
    } catch (e) {
      throw providerError(`update VirtualMachine ${news.name}`, e);
    }
  },

  async delete(id, props) {
    try {
      await removeVm(regionClient(), id, Date.now() + timeoutMs(props, "delete"));
    } catch (e) {
      throw providerError(`delete VirtualMachine ${props.name}`, e);
    }
  },
} satisfies ResourceHooks<VirtualMachineInputs, VirtualMachineOutputs>;
