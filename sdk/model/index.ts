/** The resource models, by name: what every face (routes, Pulumi, Terraform, CLI) adapts. */
import { machineModel } from "./machine";
import { networkModel } from "./network";
import { poolModel } from "./pool";
import { publicIpPoolModel } from "./public-ip-pool";
import { rackModel } from "./rack";
import { regionModel } from "./region";
import type { ResourceModel, ResourceName } from "./resource-model";
import { securityGroupModel } from "./security-group";
import { virtualMachineModel } from "./virtual-machine";

export const MODELS: Readonly<Record<ResourceName, ResourceModel>> = {
  Region: regionModel,
  Rack: rackModel,
  Machine: machineModel,
  VirtualMachine: virtualMachineModel,
  Pool: poolModel,
  Network: networkModel,
  SecurityGroup: securityGroupModel,
  PublicIpPool: publicIpPoolModel,
};

export {
  machineModel,
  networkModel,
  poolModel,
  publicIpPoolModel,
  rackModel,
  regionModel,
  securityGroupModel,
  virtualMachineModel,
};
export * from "./resource-model";
