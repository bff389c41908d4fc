/**
 * `fibrix_virtual_machine`: a customer VM placed by the allocator on a VM host of a pool.
 * Create waits until the rack has built and started it (Running, or Stopped when
 * `power_state = "off"`); cores, memory, disk growth, description and power state change in
 * place; pool, image, name, placement hints and cloud-init data replace it, and so does a
 * smaller disk (a volume cannot shrink). Destroy waits until the rack has removed the domain,
 * its volumes and its DNS record.
 */
import { Vm, VmCreate, VmUpdate } from "../../../sdk/schema/vm";
import type { TfObject } from "../dynamic-value";
import {
  apiResource,
  type CrudClient,
  type ResourceContext,
  type TfResource,
  waitOptions,
} from "../resource";
import type { ApiObject } from "../state-mapping";

async function waitSettled(ctx: ResourceContext, id: string, planned: TfObject): Promise<ApiObject> {
  const target = planned.power_state === "off" ? "Stopped" : "Running";
  return (await ctx.client.vms.waitForStatus(id, target, {
    ...waitOptions(ctx),
    failOn: ["Failed"],
  })) as unknown as ApiObject;
}

/** A disk may grow in place; a smaller one needs a new VM (design.md: replace on disk shrink). */
export function diskShrinks(prior: TfObject, planned: TfObject): boolean {
  const was = prior.disk_gib;
  const now = planned.disk_gib;
  return typeof was === "number" && typeof now === "number" && now < was;
}

export const virtualMachineResource: TfResource = apiResource({
  typeName: "fibrix_virtual_machine",
  source: {
    description:
      "A virtual machine placed by the allocator on a VM host of a pool, with its disk cloned from an image and a DNS record.",
    create: VmCreate,
    update: VmUpdate,
    output: Vm,
    descriptions: {
      id: "VM id (vm_…).",
      name: "VM name, a DNS label (its FQDN is name.<region domain>). Changing it replaces the VM.",
      poolId: "Pool to place the VM in. Changing it replaces the VM.",
      image: "Base image, e.g. ubuntu-24.04. Changing it replaces the VM.",
      cores: "vCPUs.",
      memoryMiB: "Memory in MiB.",
      diskGiB: "Root disk in GiB; it can grow in place, shrinking replaces the VM.",
      antiAffinityGroup: "VMs of one group are spread over distinct hosts, racks or regions.",
      spread: "Spread level of the anti-affinity group: host, rack or region.",
      regionId: "Pin the VM to a region; otherwise the region it was placed in.",
      userData: "cloud-init user data (write-only: kept in the state, never returned by the API).",
      sshKeys: "SSH public keys for the default user (write-only).",
      powerState: "Desired power state: on (default) or off.",
      hostId: "VM host the allocator placed the VM on.",
      ip: "IP address of the VM.",
      fqdn: "FQDN of the VM in its region's DNS zone.",
      status: "Pending, Creating, Running, Stopped, Updating, Deleting or Failed.",
    },
  },
  client: (c) => c.vms as unknown as CrudClient,
  stableComputed: ["tenant_id", "fqdn"],
  replaceWhen: (prior, planned) => (diskShrinks(prior, planned) ? ["disk_gib"] : []),
  afterCreate: (ctx, obj, planned) => waitSettled(ctx, String(obj.id), planned),
  afterUpdate: (ctx, obj, planned) => waitSettled(ctx, String(obj.id), planned),
});
