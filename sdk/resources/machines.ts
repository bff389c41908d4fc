/**
 * `client.machines`: physical machines through their lifecycle (design.md, "Machine lifecycle"):
 * enlist, act on (commission, deploy, release…), watch health, wait for a status.
 */
import type {
  Health,
  Machine,
  MachineAction,
  MachineActionBody,
  MachineCreate,
  MachineStatus,
  MachineUpdate,
  SelEvent,
  SensorReading,
} from "../schema/machine";
import { type StatusWaitOptions, waitForStatus } from "../waiters";
import { Collection, type CreateOptions, type DeleteOptions, type UpdateOptions } from "./collection";

export interface MachineFilters {
  region?: string;
  rack?: string;
  pool?: string;
  status?: MachineStatus;
  tag?: string;
  vmHost?: boolean;
}

export interface MachineHealth {
  health: Health;
  sensors: SensorReading[];
  sel: SelEvent[];
}

/** Power requests the rack carries out asynchronously (POST /machines/:id/power answers a task id). */
export type PowerRequestAction = "on" | "off" | "cycle" | "reset" | "soft" | "query" | "bootdev" | "health";

/** States no waiting will leave: an operator has to act. */
export const MACHINE_FAILURE_STATES: readonly MachineStatus[] = [
  "FailedCommissioning",
  "FailedDeployment",
  "FailedReleasing",
  "Broken",
];

export class MachinesClient extends Collection<Machine, MachineFilters> {
  create(body: MachineCreate, opts: CreateOptions = {}): Promise<Machine> {
    return this.createWith(body, opts);
  }

  update(id: string, body: MachineUpdate, opts: UpdateOptions = {}): Promise<Machine> {
    return this.updateWith(id, body, opts);
  }

  /** Removes the machine; refused (ILLEGAL_TRANSITION, allowed: release) while it is in use. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }

  /**
   * A lifecycle action; answers the machine in its new state. An action not allowed from the
   * current state is a ConflictError with code ILLEGAL_TRANSITION and `allowed` listing the
   * actions that are. Not retried (a POST without an idempotency key).
   */
  async action(id: string, action: MachineAction, body: MachineActionBody = {}): Promise<Machine> {
    const res = await this.http.post<Machine>(`${this.url(id)}/actions/${encodeURIComponent(action)}`, body);
    return res.data;
  }

  /** Health summary, the last sensor readings and the BMC's event log (SEL). */
  async health(id: string): Promise<MachineHealth> {
    return (await this.http.get<MachineHealth>(`${this.url(id)}/health`)).data;
  }

  /** Queues a power request for the machine's rack; answers the task id. */
  async power(
    id: string,
    action: PowerRequestAction,
    extra: { device?: "pxe" | "disk"; persistent?: boolean } = {},
  ): Promise<string> {
    const res = await this.http.post<{ taskId: string }>(`${this.url(id)}/power`, { action, ...extra });
    return res.data.taskId;
  }

  /**
   * Waits until the machine is in (one of) `want`. Failure states (default MACHINE_FAILURE_STATES
   * minus `want`) end the wait with a ConflictError naming the state and its reason.
   */
  waitForStatus(
    id: string,
    want: MachineStatus | readonly MachineStatus[],
    opts: StatusWaitOptions<MachineStatus, Machine> = {},
  ): Promise<Machine> {
    return waitForStatus(`machine ${id}`, () => this.get(id), want, opts, MACHINE_FAILURE_STATES);
  }
}
