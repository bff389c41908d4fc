/**
 * The VirtualMachine model: a customer VM placed by the allocator on a VM host of a pool.
 * Cores, memory, a bigger disk, description and power state change in place; pool, image,
 * name, placement hints and cloud-init data replace it, and so does a smaller disk (a volume
 * cannot shrink; design.md).
 */
import type { FieldError } from "../errors";
import { Vm, VmCreate, type VmStatus, VmUpdate } from "../schema/vm";
import { META_FIELDS, type ResourceModel, type Values } from "./resource-model";

/** The status a create or update waits for. */
export function settledStatus(d: Values): VmStatus {
  return d.powerState === "off" ? "Stopped" : "Running";
}

export const virtualMachineModel: ResourceModel = {
  name: "VirtualMachine",
  description:
    "A virtual machine placed by the allocator on a VM host of a pool, with its disk cloned from an image and a DNS record.",
  create: VmCreate,
  update: VmUpdate,
  output: Vm,
  fields: {
    id: { stable: true, description: "VM id (vm_…)." },
    name: {
      replaceOnChange: true,
      description: "VM name, a DNS label (its FQDN is name.<region domain>). Changing it replaces the VM.",
    },
    poolId: { replaceOnChange: true, description: "Pool to place the VM in. Changing it replaces the VM." },
    image: {
      replaceOnChange: true,
      description: "Base image, e.g. ubuntu-24.04. Changing it replaces the VM.",
    },
    cores: { description: "vCPUs." },
    memoryMiB: { description: "Memory in MiB." },
    diskGiB: { description: "Root disk in GiB; it can grow in place, shrinking replaces the VM." },
    antiAffinityGroup: {
      replaceOnChange: true,
      description: "VMs of one group are spread over distinct hosts, racks or regions.",
    },
    spread: {
      replaceOnChange: true,
      description: "Spread level of the anti-affinity group: host, rack or region.",
    },
    regionId: {
      replaceOnChange: true,
      description: "Pin the VM to a region; otherwise the region it was placed in.",
    },
    userData: {
      replaceOnChange: true,
      writeOnly: true,
      description: "cloud-init user data (write-only: kept in the state, never returned by the API).",
    },
    sshKeys: {
      replaceOnChange: true,
      writeOnly: true,
      description: "SSH public keys for the default user (write-only).",
    },
    restoreFrom: {
      replaceOnChange: true,
      description:
        "A backup (bkp_…) whose disk the VM gets instead of a clone of the image. Changing it replaces the VM.",
    },
    description: { description: "Free text." },
    powerState: { description: "Desired power state: on (default) or off." },
    tenantId: {
      replaceOnChange: true,
      stable: true,
      description: "Tenant that owns the VM (operators may create on its behalf).",
    },
    hostId: { description: "VM host the allocator placed the VM on." },
    networks: {
      replaceOnChange: true,
      description:
        "Tenant networks, one NIC each (first = primary), with their security groups. Changing them replaces the VM.",
    },
    publicIp: {
      replaceOnChange: true,
      description:
        "Attach a public address of the VM's region 1:1 to the primary NIC. Changing it replaces the VM.",
    },
    nics: { description: "The NICs as assigned: network, MAC, IPv4 address from IPAM, public address." },
    publicIpv4: { description: "The public address attached to the primary NIC, if any." },
    ip: { description: "IP address of the VM (the primary NIC's IPAM address on a tenant network)." },
    fqdn: { stable: true, description: "FQDN of the VM in its region's DNS zone." },
    status: { description: "Pending, Creating, Running, Stopped, Updating, Deleting or Failed." },
    ...META_FIELDS,
  },
  unique: ["name"],
  replaceReasons(current, desired): FieldError[] {
    const was = current.diskGiB;
    const now = desired.diskGiB;
    if (typeof was === "number" && typeof now === "number" && now < was) {
      return [{ field: "/diskGiB", reason: `cannot shrink a disk (${was} → ${now} GiB); replace the VM` }];
    }
    return [];
  },
};
