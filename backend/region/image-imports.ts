/**
 * Distribution of catalogue images to VM hosts: one `image.import` rack task per (image, host),
 * queued in the transaction that registers the image (or that makes a machine a VM host), and
 * one `image_hosts` row that remembers the task so its outcome — from the rack or from the
 * watchdog, which knows no payload — lands on the right host's status.
 */
import type { Kysely } from "kysely";
import type { VmHostConfig } from "../../sdk/schema/machine";
import { nowIso } from "./context";
import type { Outcome } from "./task-effects";
import { enqueueTask } from "./tasks";
import type { Database, ImageTable } from "./store/database";
import type { SecretBox } from "./store/secret-box";

type Trx = Kysely<Database>;

export interface ImportHost {
  id: string;
  rackId: string;
  vmHostConfig: string | null;
}

/** VM hosts that can take an import now: deployed, with a libvirt configuration. */
export function importHosts(trx: Trx, machineId?: string): Promise<ImportHost[]> {
  let q = trx
    .selectFrom("machines")
    .select(["id", "rackId", "vmHostConfig"])
    .where("vmHost", "=", 1)
    .where("status", "=", "Deployed")
    .where("vmHostConfig", "is not", null);
  if (machineId) q = q.where("id", "=", machineId);
  return q.orderBy("id").execute();
}

/** Queues the import of one image on one host and marks it pending there. Returns the rack to wake. */
export async function queueImport(
  trx: Trx,
  secrets: SecretBox,
  image: ImageTable,
  host: ImportHost,
): Promise<string> {
  const source = JSON.parse(image.source) as { path: string };
  const taskId = await enqueueTask(trx, secrets, {
    rackId: host.rackId,
    kind: "image.import",
    objectId: image.id,
    payload: {
      imageId: image.id,
      machineId: host.id,
      host: JSON.parse(host.vmHostConfig!) as VmHostConfig,
      name: image.name,
      os: image.os,
      format: image.format,
      path: source.path,
    },
  });
  // A host imported again (redeployed) starts over: delete + insert reads the same on both dialects.
  await trx
    .deleteFrom("imageHosts")
    .where("imageId", "=", image.id)
    .where("machineId", "=", host.id)
    .execute();
  await trx
    .insertInto("imageHosts")
    .values({
      imageId: image.id,
      machineId: host.id,
      status: "pending",
      reason: "import queued",
      taskId,
      updatedAt: nowIso(),
    })
    .execute();
  return host.rackId;
}

/** A machine just became a usable VM host: every catalogue image goes to it. Returns racks to wake. */
export async function queueImportsForHost(
  trx: Trx,
  secrets: SecretBox,
  machineId: string,
): Promise<string[]> {
  const [host] = await importHosts(trx, machineId);
  if (!host) return [];
  const images = await trx.selectFrom("images").selectAll().orderBy("name").execute();
  for (const image of images) await queueImport(trx, secrets, image, host);
  return images.length > 0 ? [host.rackId] : [];
}

/** The rack's (or the watchdog's) answer for one import: the host's status and the image's version. */
export async function applyImportOutcome(trx: Trx, taskId: string, o: Outcome): Promise<void> {
  const row = await trx.selectFrom("imageHosts").selectAll().where("taskId", "=", taskId).executeTakeFirst();
  if (!row) return; // the image was deleted or the host re-queued meanwhile
  const now = nowIso();
  const reason = o.ok
    ? o.result.existed
      ? `already on the host as ${String(o.result.volume ?? "")}`
      : `imported as ${String(o.result.volume ?? "")}`
    : `${o.error?.code ?? "FAILED"}: ${o.error?.message ?? "the rack reported a failure"}`;
  await trx
    .updateTable("imageHosts")
    .set({ status: o.ok ? "ready" : "failed", reason: reason.slice(0, 4096), updatedAt: now })
    .where("imageId", "=", row.imageId)
    .where("machineId", "=", row.machineId)
    .execute();
  await trx
    .updateTable("images")
    .set((eb) => ({ version: eb("version", "+", 1), updatedAt: now }))
    .where("id", "=", row.imageId)
    .execute();
}
