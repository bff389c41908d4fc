/**
 * `fibrix-metal/pulumi`: the Pulumi resources of a fibrix region — Region, Rack, Machine,
 * VirtualMachine, Pool — as dynamic resources (no plugin to install).
 *
 *   import * as fibrix from "fibrix-metal/pulumi";
 *   const vm = new fibrix.VirtualMachine("web-1", { name: "web-1", poolId, image: "ubuntu-24.04",
 *     cores: 1, memoryMiB: 1024, diskGiB: 20 });
 *   export const fqdn = vm.fqdn;
 *
 * Settings: `pulumi config set fibrix:endpoint http://region:5240` and
 * `pulumi config set --secret fibrix:apiKey fbx_…` (or FIBRIX_ENDPOINT / FIBRIX_API_KEY).
 *
 * The hooks objects and `configure` are exported too: the serialized providers stored in the
 * state load them from here when the program's own path is gone (dynamic-shim.ts).
 */
export { Machine, type MachineArgs, type MachineOutputs, machineHooks } from "./machine";
export { Pool, type PoolArgs, type PoolOutputs, poolHooks } from "./pool";
export {
  configureProvider as configure,
  ProviderConfigError,
  type ProviderSettings,
  resolveSettings,
} from "./provider-config";
export { ProviderError } from "./provider-errors";
export { Rack, type RackArgs, type RackOutputs, rackHooks } from "./rack";
export { Region, type RegionArgs, type RegionOutputs, regionHooks } from "./region";
export {
  VirtualMachine,
  type VirtualMachineArgs,
  type VirtualMachineOutputs,
  virtualMachineHooks,
} from "./virtual-machine";
