/**
 * The explicit list of what this rack can do; kinds not listed are answered UNSUPPORTED.
 * Commission and deploy need the rack's boot services (DHCP/TFTP/HTTP boot), so they are
 * listed only when the agent has them.
 */
import type { BootServices } from "../boot/services";
import type { ConsoleBridges } from "../console-bridge";
import type { Executor } from "../executor";
import { commissionExecutor } from "./commission";
import type { ExecutorDeps } from "./deps";
import { deployExecutor } from "./deploy";
import { healthExecutor } from "./health";
import { hostReconcileExecutor } from "./host-reconcile";
import { imageImportExecutor } from "./image-import";
import { powerExecutor } from "./power";
import { releaseExecutor } from "./release";
import { vmConsoleExecutor } from "./vm-console";
import { vmCreateExecutor } from "./vm-create";
import { vmDeleteExecutor } from "./vm-delete";
import { vmNetworkExecutor } from "./vm-network";
import { hostNetworksExecutor } from "./host-networks";
import { vmPowerExecutor } from "./vm-power";
import { vmUpdateExecutor } from "./vm-update";
import { backupCreateExecutor, backupDeleteExecutor } from "./vm-backup";
import { snapshotCreateExecutor, snapshotDeleteExecutor, snapshotRevertExecutor } from "./vm-snapshot";

export function defaultExecutors(
  deps: ExecutorDeps,
  boot?: BootServices,
  consoles?: ConsoleBridges,
): Executor[] {
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
    hostNetworksExecutor(deps),
    imageImportExecutor(deps),
    ...(consoles ? [vmConsoleExecutor(deps, consoles)] : []),
    snapshotCreateExecutor(deps),
    snapshotRevertExecutor(deps),
    snapshotDeleteExecutor(deps),
    backupCreateExecutor(deps),
    backupDeleteExecutor(deps),
    ...(boot ? [commissionExecutor(deps, boot), deployExecutor(deps, boot)] : []),
  ];
}
