/**
 * The resources the native plugin serves, by type token: each one's hooks (the same check /
 * diff rules / create / read / update / delete the dynamic resources run), its resource model
 * (sdk/model: field annotations) and the provider's input schema. This is the one place that
 * imports the per-resource files, so a rename there is a change here only.
 */
import type { TObject, TSchema } from "@sinclair/typebox";
import { MODELS, type ResourceModel, type ResourceName } from "../../../sdk/model";
import type { DiffRules } from "../diff-plan";
import type { ResourceHooks } from "../resource-hooks";
import { MACHINE_DIFF, MachineInputs, machineHooks } from "../machine";
import {
  NETWORK_DIFF,
  NetworkInputs,
  networkHooks,
  PUBLIC_IP_POOL_DIFF,
  PublicIpPoolInputs,
  publicIpPoolHooks,
  SECURITY_GROUP_DIFF,
  SecurityGroupInputs,
  securityGroupHooks,
} from "../network";
import { POOL_DIFF, PoolInputs, poolHooks } from "../pool";
import { QUOTA_DIFF, QuotaInputs, quotaHooks } from "../quota";
import { RACK_DIFF, RackInputs, rackHooks } from "../rack";
import { REGION_DIFF, RegionInputs, regionHooks } from "../region";
import { VM_DIFF, VirtualMachineInputs, virtualMachineHooks } from "../virtual-machine";
import {
  BACKUP_DIFF,
  BackupInputs,
  VM_SNAPSHOT_DIFF,
  VmSnapshotInputs,
  backupHooks,
  vmSnapshotHooks,
} from "../disk-objects";

export type Values = Record<string, unknown>;

/** The hooks with their types erased to property bags: the plugin moves bags, the hooks type them. */
export type Hooks = ResourceHooks<Values, Values>;

export interface NativeResource {
  readonly name: ResourceName;
  readonly token: string;
  /** The type the dynamic resource of the same name registered (pulumi-nodejs:dynamic/<module>:<type>). */
  readonly legacyType: string;
  readonly hooks: Hooks;
  readonly rules: DiffRules;
  readonly model: ResourceModel;
  /** The provider's inputs: the model's create schema plus the provider's own knobs. */
  readonly inputs: TObject;
}

export const PACKAGE = "fibrix";

/**
 * Inputs the plugin handles itself and no program sets: `createKeySeed` (derived from the URN in
 * Check) and `timeouts` (the dynamic resources' copy of customTimeouts; natively the engine sends
 * them as `timeout`). `__provider` is the dynamic provider's serialized code in old states.
 */
export const INTERNAL_INPUTS: readonly string[] = ["createKeySeed", "timeouts"];
export const DYNAMIC_PROVIDER_KEY = "__provider";

function erase<I, O>(hooks: ResourceHooks<I, O>): Hooks {
  // The hooks validate their inputs in check; everything after Check is a checked bag.
  return hooks as unknown as Hooks;
}

function resource(name: ResourceName, hooks: Hooks, rules: DiffRules, inputs: TObject): NativeResource {
  return {
    name,
    token: `${PACKAGE}:index:${name}`,
    legacyType: `pulumi-nodejs:dynamic/fibrix:${name}`,
    hooks,
    rules,
    model: MODELS[name],
    inputs,
  };
}

export const RESOURCES: readonly NativeResource[] = [
  resource("Region", erase(regionHooks), REGION_DIFF, RegionInputs),
  resource("Rack", erase(rackHooks), RACK_DIFF, RackInputs),
  resource("Machine", erase(machineHooks), MACHINE_DIFF, MachineInputs),
  resource("VirtualMachine", erase(virtualMachineHooks), VM_DIFF, VirtualMachineInputs),
  resource("Pool", erase(poolHooks), POOL_DIFF, PoolInputs),
  resource("VmSnapshot", vmSnapshotHooks, VM_SNAPSHOT_DIFF, VmSnapshotInputs),
  resource("Backup", backupHooks, BACKUP_DIFF, BackupInputs),
  resource("Quota", erase(quotaHooks), QUOTA_DIFF, QuotaInputs),
  resource("Network", networkHooks, NETWORK_DIFF, NetworkInputs),
  resource("SecurityGroup", securityGroupHooks, SECURITY_GROUP_DIFF, SecurityGroupInputs),
  resource("PublicIpPool", publicIpPoolHooks, PUBLIC_IP_POOL_DIFF, PublicIpPoolInputs),
];

/** The package's data functions (the Terraform data sources' twins), served by Invoke. */
export const FUNCTIONS = {
  getRegions: `${PACKAGE}:index:getRegions`,
  getPools: `${PACKAGE}:index:getPools`,
  getImages: `${PACKAGE}:index:getImages`,
} as const;

const BY_TOKEN = new Map(RESOURCES.map((r) => [r.token, r]));

/** The resource of a type token, or undefined (the caller answers with a clear error). */
export function resourceOf(token: string): NativeResource | undefined {
  return BY_TOKEN.get(token);
}

/** The type token of a URN: `urn:pulumi:<stack>::<project>::<parent$…$type>::<name>`. */
export function urnParts(urn: string): { stack: string; project: string; type: string; name: string } {
  const parts = urn.split("::");
  const head = parts[0] ?? "";
  const stack = head.startsWith("urn:pulumi:") ? head.slice("urn:pulumi:".length) : head;
  const qualified = parts[2] ?? "";
  const type = qualified.split("$").pop() ?? qualified;
  return { stack, project: parts[1] ?? "", type, name: parts.slice(3).join("::") };
}

/** The property names of an object schema, or of an intersection (allOf) of object schemas. */
export function propertyNames(schema: TSchema): string[] {
  const s = schema as { properties?: Record<string, unknown>; allOf?: TSchema[] };
  if (s.allOf) return [...new Set(s.allOf.flatMap(propertyNames))];
  return Object.keys(s.properties ?? {});
}
