/** `client.vms`: customer VMs, placed by the region's allocator on the VM hosts of a pool. */
import type { Vm, VmCreate, VmStatus, VmUpdate } from "../schema/vm";
import { type StatusWaitOptions, waitForStatus } from "../waiters";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";
import { type ConsoleConnection, type ConsoleOptions, openConsole } from "./vm-console";

export interface VmFilters {
  pool?: string;
  host?: string;
  region?: string;
  status?: VmStatus;
  /** Operators: only this tenant's VMs. */
  owner?: string;
}

export interface VmCreateOptions extends CreateOptions {
  /** Operators (admin keys) create on behalf of this tenant; a tenant key creates for itself. */
  tenant?: string;
}

export const VM_FAILURE_STATES: readonly VmStatus[] = ["Failed"];

export class VmsClient extends Collection<Vm, VmFilters> {
  create(body: VmCreate, opts: VmCreateOptions = {}): Promise<Vm> {
    return this.createWith(body, opts, { tenant: opts.tenant });
  }

  /**
   * The VM's serial console (a WebSocket through its rack; sdk/resources/vm-console.ts), with
   * this client's endpoint and key. Rejects with the typed error when the region refuses.
   */
  console(id: string, opts: ConsoleOptions = {}): Promise<ConsoleConnection> {
    const base = String(this.http.defaults.baseURL ?? "");
    const auth = String(this.http.defaults.headers.Authorization ?? "");
    return openConsole(base, auth.replace(/^Bearer /, ""), id, opts);
  }

  update(id: string, body: VmUpdate, opts: UpdateOptions = {}): Promise<Vm> {
    return this.updateWith(id, body, opts);
  }

  /**
   * Deletes the VM. A placed VM is torn down by its rack: the region answers 202 with the VM in
   * `Deleting` (returned here; `waitForDeletion(id)` waits for the end). An unplaced one is gone
   * at once (undefined).
   */
  delete(id: string, opts: DeleteOptions = {}): Promise<Vm | undefined> {
    return this.deleteWith<Vm>(id, opts);
  }

  /** Waits until the VM is in (one of) `want`; `Failed` ends the wait unless wanted. */
  waitForStatus(
    id: string,
    want: VmStatus | readonly VmStatus[],
    opts: StatusWaitOptions<VmStatus, Vm> = {},
  ): Promise<Vm> {
    return waitForStatus(`vm ${id}`, () => this.get(id), want, opts, VM_FAILURE_STATES);
  }
}
