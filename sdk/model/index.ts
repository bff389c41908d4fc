/** The resource models, by name: what every face (routes, Pulumi, Terraform, CLI) adapts. */
import { backupModel } from "./backup";
import { machineModel } from "./machine";
import { poolModel } from "./pool";
import { quotaModel } from "./quota";
import { rackModel } from "./rack";
import { regionModel } from "./region";
import type { ResourceModel, ResourceName } from "./resource-model";
import { virtualMachineModel } from "./virtual-machine";
import { vmSnapshotModel } from "./vm-snapshot";

export const MODELS: Readonly<Record<ResourceName, ResourceModel>> = {
  Region: regionModel,
  Rack: rackModel,
  Machine: machineModel,
  VirtualMachine: virtualMachineModel,
  Pool: poolModel,
  VmSnapshot: vmSnapshotModel,
  Backup: backupModel,
  Quota: quotaModel,
};

export {
  backupModel,
  machineModel,
  poolModel,
  quotaModel,
  rackModel,
  regionModel,
  virtualMachineModel,
  vmSnapshotModel,
};
export * from "./resource-model";
