/**
 * A rack peer that plays the rack protocol step by step, as test/integration/region/
 * rack-protocol.test.ts does: it claims leased tasks with its enrollment token and reports
 * each one only when the test says, with the result the real executor returns
 * (backend/rack/executors/vm-create.ts `{ ip, domain }`, vm-update.ts `{ applied, rebootRequired, disk }`,
 * vm-power.ts `{ powerState, changed }`, vm-delete.ts `{ domainRemoved, volumesRemoved }`). A test
 * thereby decides when each VM change is confirmed (and, with a test clock, at what time).
 */
import { http } from "./region";

export interface ClaimedTask {
  id: string;
  kind: string;
  objectId: string;
  payload: Record<string, unknown>;
}

function resultFor(t: ClaimedTask): Record<string, unknown> {
  switch (t.kind) {
    case "vm.create":
      return { ip: "10.20.0.50", domain: `fibrix-${t.objectId}` };
    case "vm.update":
      return { applied: "live", rebootRequired: false, disk: "grown" };
    case "vm.power":
      return { powerState: t.payload.powerState, changed: true };
    case "vm.delete":
      return { domainRemoved: true, volumesRemoved: 2 };
    default:
      return {};
  }
}

export class ProtocolRack {
  /** Claimed and not yet reported. */
  private readonly held: ClaimedTask[] = [];

  constructor(
    public api: string,
    private readonly token: string,
  ) {}

  /** Claims everything queued for the rack (bounded: 50 claims of 100). */
  async claimAll(): Promise<ClaimedTask[]> {
    const got: ClaimedTask[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await http(this.api, "POST", "/rack-agent/tasks/claim", {
        key: this.token,
        body: { max: 100 },
      });
      if (res.status !== 200) throw new Error(`claim: ${res.status} ${JSON.stringify(res.body)}`);
      const tasks = res.body.tasks as ClaimedTask[];
      got.push(...tasks);
      if (tasks.length < 100) break;
    }
    this.held.push(...got);
    return got;
  }

  /** Reports the held task of `kind` for `objectId` done (claiming first if needed). */
  async confirm(objectId: string, kind: string, ok = true): Promise<void> {
    let i = this.held.findIndex((t) => t.objectId === objectId && t.kind === kind);
    if (i < 0) {
      await this.claimAll();
      i = this.held.findIndex((t) => t.objectId === objectId && t.kind === kind);
    }
    if (i < 0) throw new Error(`no ${kind} task for ${objectId} to confirm`);
    const [t] = this.held.splice(i, 1);
    const body = ok
      ? { ok: true, result: resultFor(t!) }
      : { ok: false, error: { code: "FAILED", message: "test" } };
    const res = await http(this.api, "POST", `/rack-agent/tasks/${t!.id}/result`, { key: this.token, body });
    if (res.status !== 204) throw new Error(`report ${kind}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
