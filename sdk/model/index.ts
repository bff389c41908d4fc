/** The resource models, by name: what every face (routes, Pulumi, Terraform, CLI) adapts. */
import { backupModel } from "./backup";
import { machineModel } from "./machine";
import { networkModel } from "./network";
import { poolModel } from "./pool";
import { quotaModel } from "./quota";
import { publicIpPoolModel } from "./public-ip-pool";
import { rackModel } from "./rack";
import { regionModel } from "./region";
import type { ResourceModel, ResourceName } from "./resource-model";
import { securityGroupModel } from "./security-group";
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
  Network: networkModel,
  SecurityGroup: securityGroupModel,
  PublicIpPool: publicIpPoolModel,
};

export {
  backupModel,
  machineModel,
  networkModel,
  poolModel,
  publicIpPoolModel,
  quotaModel,
  rackModel,
  regionModel,
  securityGroupModel,
  virtualMachineModel,
  vmSnapshotModel,
};
export * from "./resource-model";
