/**
 * `fibrix.VmSnapshot` and `fibrix.Backup`: objects a rack makes from a VM's disk. Create waits
 * until it is Ready (logging the status, and a backup's bytes done/total), a failed one is
 * deleted before the error is raised; nothing updates in place (every input replaces, per the
 * models); delete waits until the rack has removed it. One set of hooks serves both.
 */
import { type Static, type TObject, Type } from "@sinclair/typebox";
import type { FibrixClient } from "../../sdk/client";
import { backupModel } from "../../sdk/model/backup";
import type { ResourceModel } from "../../sdk/model/resource-model";
import { vmSnapshotModel } from "../../sdk/model/vm-snapshot";
import { type Backup, BackupCreate } from "../../sdk/schema/backup";
import { type VmSnapshot, VmSnapshotCreate } from "../../sdk/schema/snapshot";
import { createOnce } from "./create-key";
import { diffRulesOf, planDiff } from "./diff-plan";
import { operationSignal } from "./operation-signal";
import { reportProgress } from "./progress";
import { regionClient } from "./provider-config";
import { providerError } from "./provider-errors";
import type { ResourceHooks } from "./resource-hooks";
import { checkInputs, compact, keysOf, pick } from "./schema-check";

const TIMEOUT_MS = 6 * 3600_000;
const POLL_MS = 500;

type Obj = { id: string; status: string; statusReason: string };
type Values = Record<string, unknown>;

interface Api<T extends Obj> {
  create(body: Values, key: string): Promise<T>;
  get(id: string): Promise<T>;
  waitReady(id: string, onProgress: (x: T, ms: number) => void): Promise<T>;
  remove(id: string): Promise<void>;
}

function withSeed(create: TObject) {
  return Type.Object(
    { ...create.properties, createKeySeed: Type.Optional(Type.String()) },
    { additionalProperties: false },
  );
}

function hooksFor<T extends Obj>(
  kind: string,
  model: ResourceModel,
  inputs: TObject,
  api: (c: FibrixClient) => Api<T>,
  progress: (x: T) => string,
): ResourceHooks<Values, Values> {
  const keys = keysOf(model.create);
  const rules = diffRulesOf(model);
  const outs = (live: T, i: Values) => {
    const { id: _id, ...rest } = live as unknown as Values;
    return compact({ ...rest, createKeySeed: i.createKeySeed });
  };
  return {
    async check(_olds, news) {
      const failures = checkInputs(model, inputs, news);
      return { inputs: news, ...(failures.length > 0 ? { failures } : {}) };
    },
    async diff(_id, olds, news) {
      return planDiff(olds, news, rules);
    },
    async create(i) {
      const a = api(regionClient());
      const body = pick(i, keys) as Values;
      const what = `create ${kind} ${String(i.name ?? i.vmId)}`;
      let o: T;
      try {
        o = await createOnce(
          String(i.createKeySeed ?? `${kind}/${JSON.stringify(body)}`),
          body,
          (k) => a.create(body, k),
          (id) => a.get(id),
        );
      } catch (e) {
        throw providerError(what, e);
      }
      try {
        o = await a.waitReady(o.id, (x, ms) =>
          reportProgress(`${kind} ${o.id}: ${progress(x)} after ${Math.round(ms / 1000)} s`),
        );
        return { id: o.id, outs: outs(o, i) };
      } catch (e) {
        await a.remove(o.id).catch(() => {});
        throw providerError(what, e);
      }
    },
    async read(id, props) {
      try {
        const o = outs(await api(regionClient()).get(id), props ?? {});
        return { id, props: o, inputs: pick(o, keys) };
      } catch (e) {
        throw providerError(`read ${kind} ${id}`, e);
      }
    },
    async update(_id, _olds, news) {
      // Every input replaces (the model): an update only carries provider-side knobs.
      return { outs: news };
    },
    async delete(id) {
      try {
        await api(regionClient()).remove(id);
      } catch (e) {
        throw providerError(`delete ${kind} ${id}`, e);
      }
    },
  };
}

function removal(c: {
  delete(id: string): Promise<unknown>;
  waitForDeletion(id: string, o: object): Promise<void>;
}) {
  return async (id: string) => {
    try {
      await c.delete(id);
      await c.waitForDeletion(id, { timeoutMs: TIMEOUT_MS, intervalMs: POLL_MS, signal: operationSignal() });
    } catch (e) {
      if ((e as { code?: string }).code !== "NOT_FOUND") throw e;
    }
  };
}

export const VmSnapshotInputs = withSeed(VmSnapshotCreate);
export type VmSnapshotInputs = Static<typeof VmSnapshotInputs>;
export const VM_SNAPSHOT_DIFF = diffRulesOf(vmSnapshotModel);
export const vmSnapshotHooks = hooksFor<VmSnapshot>(
  "VmSnapshot",
  vmSnapshotModel,
  VmSnapshotInputs,
  (c) => ({
    create: (body, idempotencyKey) => c.snapshots.create(body as VmSnapshotCreate, { idempotencyKey }),
    get: (id) => c.snapshots.get(id),
    waitReady: (id, onProgress) =>
      c.snapshots.waitForStatus(id, "Ready", {
        timeoutMs: TIMEOUT_MS,
        intervalMs: POLL_MS,
        signal: operationSignal(),
        onProgress,
      }),
    remove: removal(c.snapshots),
  }),
  (s) => `${s.status}${s.consistency ? ` (${s.consistency})` : ""}`,
);

export const BackupInputs = withSeed(BackupCreate);
export type BackupInputs = Static<typeof BackupInputs>;
export const BACKUP_DIFF = diffRulesOf(backupModel);
export const backupHooks = hooksFor<Backup>(
  "Backup",
  backupModel,
  BackupInputs,
  (c) => ({
    create: (body, idempotencyKey) => c.backups.create(body as BackupCreate, { idempotencyKey }),
    get: (id) => c.backups.get(id),
    waitReady: (id, onProgress) =>
      c.backups.waitForStatus(id, "Ready", {
        timeoutMs: TIMEOUT_MS,
        intervalMs: POLL_MS,
        signal: operationSignal(),
        onProgress,
      }),
    remove: removal(c.backups),
  }),
  (b) => `${b.status} ${b.progress.phase} ${b.progress.bytesDone}/${b.progress.bytesTotal} bytes`,
);
