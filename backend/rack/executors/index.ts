/**
 * The explicit list of what this rack can do; kinds not listed are answered UNSUPPORTED.
 * Commission and deploy need the rack's boot services (DHCP/TFTP/HTTP boot), so they are
 * listed only when the agent has them.
 */
import type { BootServices } from "../boot/services";
import type { Executor } from "../executor";
import { commissionExecutor } from "./commission";
import type { ExecutorDeps } from "./deps";
import { deployExecutor } from "./deploy";
import { healthExecutor } from "./health";
import { hostReconcileExecutor } from "./host-reconcile";
import { imageImportExecutor } from "./image-import";
import { powerExecutor } from "./power";
import { releaseExecutor } from "./release";
import { vmCreateExecutor } from "./vm-create";
import { vmDeleteExecutor } from "./vm-delete";
import { vmNetworkExecutor } from "./vm-network";
import { vmPowerExecutor } from "./vm-power";
import { vmUpdateExecutor } from "./vm-update";

export function defaultExecutors(deps: ExecutorDeps, boot?: BootServices): Executor[] {
  return [
    powerExecutor(deps),
    healthExecutor(deps),
    releaseExecutor(deps),
    vmCreateExecutor(deps),
    vmUpdateExecutor(deps),
    vmPowerExecutor(deps),
    vmDeleteExecutor(deps),
    hostReconcileExecutor(deps),
    vmNetworkExecutor(deps),
    imageImportExecutor(deps),
    ...(boot ? [commissionExecutor(deps, boot), deployExecutor(deps, boot)] : []),
  ];
}
