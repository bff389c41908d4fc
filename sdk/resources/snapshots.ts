/** `client.snapshots`: disk-only snapshots of a VM (create, list, get, revert, delete). */
import type { VmSnapshot, VmSnapshotCreate, VmSnapshotStatus } from "../schema/snapshot";
import { type StatusWaitOptions, waitForStatus } from "../waiters";
import { Collection, type CreateOptions, type DeleteOptions, ifMatchHeaders } from "./collection";

export interface SnapshotFilters {
  vm?: string;
  status?: VmSnapshotStatus;
}

export class SnapshotsClient extends Collection<VmSnapshot, SnapshotFilters> {
  /** Queues the snapshot on the VM's rack: `Creating` until taken (`waitForStatus(id, "Ready")`). */
  create(body: VmSnapshotCreate, opts: CreateOptions = {}): Promise<VmSnapshot> {
    return this.createWith(body, opts);
  }

  /** Rewinds the VM's disk to the snapshot; the VM must be Stopped (409 otherwise). */
  async revert(id: string, opts: { ifMatch?: number } = {}): Promise<VmSnapshot> {
    return (
      await this.http.post<VmSnapshot>(`${this.url(id)}/revert`, undefined, {
        headers: ifMatchHeaders(opts.ifMatch),
      })
    ).data;
  }

  /** 202 with the snapshot in `Deleting`; `waitForDeletion(id)` waits until it is gone. */
  delete(id: string, opts: DeleteOptions = {}): Promise<VmSnapshot | undefined> {
    return this.deleteWith<VmSnapshot>(id, opts);
  }

  waitForStatus(
    id: string,
    want: VmSnapshotStatus | readonly VmSnapshotStatus[] = "Ready",
    opts: StatusWaitOptions<VmSnapshotStatus, VmSnapshot> = {},
  ): Promise<VmSnapshot> {
    return waitForStatus(`snapshot ${id}`, () => this.get(id), want, opts, ["Failed"]);
  }
}
