/** The resource models, by name: what every face (routes, Pulumi, Terraform, CLI) adapts. */
import { machineModel } from "./machine";
import { poolModel } from "./pool";
import { quotaModel } from "./quota";
import { rackModel } from "./rack";
import { regionModel } from "./region";
import type { ResourceModel, ResourceName } from "./resource-model";
import { virtualMachineModel } from "./virtual-machine";

export const MODELS: Readonly<Record<ResourceName, ResourceModel>> = {
  Region: regionModel,
  Rack: rackModel,
  Machine: machineModel,
  VirtualMachine: virtualMachineModel,
  Pool: poolModel,
  Quota: quotaModel,
};

export { machineModel, poolModel, quotaModel, rackModel, regionModel, virtualMachineModel };
export * from "./resource-model";
