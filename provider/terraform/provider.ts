/**
 * The provider's catalogue: its name and version, and the explicit list of its resources and
 * data sources (like MAAS's driver registry: a list, not discovery).
 */
import type { TfDataSource } from "./data-source";
import { imagesDataSource } from "./data-sources/images";
import { poolsDataSource } from "./data-sources/pools";
import { regionsDataSource } from "./data-sources/regions";
import type { TfResource } from "./resource";
import { machineResource } from "./resources/machine";
import { networkResource, publicIpPoolResource, securityGroupResource } from "./resources/network";
import { poolResource } from "./resources/pool";
import { quotaResource } from "./resources/quota";
import { rackResource } from "./resources/rack";
import { regionResource } from "./resources/region";
import { virtualMachineResource } from "./resources/virtual_machine";
import { backupResource, vmSnapshotResource } from "./resources/disk_objects";

export const PROVIDER_ADDRESS = "registry.terraform.io/fibrix/fibrix";
export const PROVIDER_VERSION = "0.1.0";

export const RESOURCES: readonly TfResource[] = [
  regionResource,
  rackResource,
  machineResource,
  virtualMachineResource,
  poolResource,
  vmSnapshotResource,
  backupResource,
  quotaResource,
  networkResource,
  securityGroupResource,
  publicIpPoolResource,
];
export const DATA_SOURCES: readonly TfDataSource[] = [regionsDataSource, poolsDataSource, imagesDataSource];

export function findResource(typeName: string): TfResource | undefined {
  return RESOURCES.find((r) => r.typeName === typeName);
}
export function findDataSource(typeName: string): TfDataSource | undefined {
  return DATA_SOURCES.find((d) => d.typeName === typeName);
}
