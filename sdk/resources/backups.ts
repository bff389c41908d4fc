/**
 * `client.backups`: backups of a VM's disk in its rack's backup store. Restore is a VM create
 * with `restoreFrom` (`client.vms.create({ …, restoreFrom: backup.id })`).
 */
import type { Backup, BackupCreate, BackupStatus } from "../schema/backup";
import { type StatusWaitOptions, waitFor } from "../waiters";
import { Collection, type CreateOptions, type DeleteOptions } from "./collection";

export interface BackupFilters {
  vm?: string;
  status?: BackupStatus;
}

export class BackupsClient extends Collection<Backup, BackupFilters> {
  /** Queues the backup: `Pending`, then `Running` with `progress` (bytes done/total), then `Ready`. */
  create(body: BackupCreate, opts: CreateOptions = {}): Promise<Backup> {
    return this.createWith(body, opts);
  }

  /** Removes its files on the rack, then the record (202, `Deleting`). */
  delete(id: string, opts: DeleteOptions = {}): Promise<Backup | undefined> {
    return this.deleteWith<Backup>(id, opts);
  }

  /**
   * Waits until Ready; `onProgress` sees every change of status, phase or bytes done, so a
   * caller can draw a progress line (the CLI does).
   */
  waitForStatus(
    id: string,
    want: BackupStatus | readonly BackupStatus[] = "Ready",
    opts: StatusWaitOptions<BackupStatus, Backup> = {},
  ): Promise<Backup> {
    const wanted: readonly BackupStatus[] = typeof want === "string" ? [want] : want;
    const failOn = (opts.failOn ?? ["Failed"]).filter((x) => !wanted.includes(x));
    return waitFor(
      () => this.get(id),
      (b) => wanted.includes(b.status),
      {
        ...opts,
        describe: (b) => `${b.status} ${b.progress.phase} ${b.progress.bytesDone}/${b.progress.bytesTotal}`,
        failWhen: (b) =>
          failOn.includes(b.status) ? `backup ${id} is ${b.status} (${b.statusReason})` : undefined,
      },
    );
  }
}
