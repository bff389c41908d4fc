/**
 * The Machine model: a physical machine (a PE860) enlisted with its MACs and BMC, commissioned
 * to Ready, optionally deployed or made a KVM host (design.md, Resources and "Machine
 * lifecycle"). Pure: fields, rules and the deploy steps an update needs; the SDK calls that
 * carry them out are in machine-steps.ts.
 */
import type { FieldError } from "../errors";
import {
  Machine,
  MachineCreate,
  type MachineStatus,
  MachineUpdate,
  type PowerParameters,
} from "../schema/machine";
import { holdsUnknown } from "./input-check";
import { checkPowerParameters } from "./power-check";
import { META_FIELDS, type ResourceModel, type RuleContext, type Values } from "./resource-model";

/** Whether a desired state asks for a deployed machine (an OS image, or a KVM host). */
export function wantsDeploy(d: Values): boolean {
  return (d.deploy !== undefined && d.deploy !== null) || d.vmHost === true;
}

/** The status a create waits for. */
export function targetStatus(d: Values): MachineStatus {
  if (d.commission === false) return "New";
  return wantsDeploy(d) ? "Deployed" : "Ready";
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Lifecycle actions an update needs after its PATCH: deploy a Ready machine that should now be
 * deployed, release one that should not be, redeploy (release, then deploy) one whose target
 * changed. Other states are left alone (an operator is working on the machine).
 */
export function deploySteps(
  status: MachineStatus,
  current: Values,
  desired: Values,
): ("release" | "deploy")[] {
  const want = wantsDeploy(desired);
  const targetChanged =
    (desired.deploy !== undefined && !same(current.deploy, desired.deploy)) ||
    (desired.vmHost !== undefined && (current.vmHost ?? false) !== desired.vmHost);
  if (status === "Ready") return want ? ["deploy"] : [];
  if (status === "Deployed") {
    if (!want) return ["release"];
    return targetChanged ? ["release", "deploy"] : [];
  }
  return [];
}

function machineRules(d: Values, ctx: RuleContext): FieldError[] {
  const out: FieldError[] = [];
  const power = d.power as PowerParameters | undefined;
  const macs = d.macs;
  if (
    power !== undefined &&
    typeof power?.type === "string" &&
    Array.isArray(macs) &&
    !holdsUnknown(power, ctx.unknown) &&
    !holdsUnknown(macs, ctx.unknown)
  ) {
    out.push(...checkPowerParameters(power, macs as string[], ctx.passwordStored === true));
  }
  if (d.vmHost === true && (d.poolId === undefined || d.poolId === null)) {
    out.push({ field: "/poolId", reason: "is required when vmHost is true (the pool the host joins)" });
  }
  return out;
}

function declarationRules(d: Values): FieldError[] {
  if (d.commission === false && wantsDeploy(d)) {
    return [
      {
        field: "/commission",
        reason: "cannot be false with deploy or vmHost: a machine deploys from Ready, after commissioning",
      },
    ];
  }
  return [];
}

export const machineModel: ResourceModel = {
  name: "Machine",
  description:
    "A physical machine: enlisted with its MACs and BMC, commissioned to Ready, optionally deployed (or made a KVM host).",
  create: MachineCreate,
  update: MachineUpdate,
  output: Machine,
  fields: {
    id: { stable: true, description: "Machine id (mch_…)." },
    hostname: {
      replaceOnChange: true,
      description: "Hostname, a DNS label. Changing it replaces the machine.",
    },
    rackId: {
      replaceOnChange: true,
      description: "Rack whose subnet the machine boots on. Changing it replaces the machine.",
    },
    macs: {
      replaceOnChange: true,
      description: "MAC addresses of the machine's NICs. Changing them replaces the machine.",
    },
    power: {
      description: "How the rack reaches the machine's power control (ipmi: address, user, password…).",
    },
    "power.password": { secret: true, writeOnly: true, description: "BMC password (never returned)." },
    poolId: { description: "Pool the machine joins as a VM host." },
    tags: { description: "Tags, for filters and placement." },
    description: { description: "Free text." },
    deploy: { description: "Deploy target: image and user data." },
    "deploy.userData": { writeOnly: true, description: "cloud-init user data (never returned)." },
    vmHost: { description: "Deploy the machine as a KVM host of poolId." },
    vmHostConfig: { description: "The libvirt side of the VM host (URI, storage pool, bridge)." },
    commission: {
      createOnly: true,
      description: "Commission right after enlisting (default true); create then waits for Ready.",
    },
    fqdn: { stable: true, description: "FQDN of the machine in its region's zone." },
    regionId: { stable: true, description: "Region of the machine's rack." },
    inventory: { stable: true, description: "Hardware found by commissioning." },
    status: { description: "Lifecycle status (New, Commissioning, Ready, Deployed, …)." },
    powerState: { description: "Last known power state." },
    ip: { description: "Address of the deployed machine." },
    ...META_FIELDS,
  },
  unique: ["hostname"],
  rules: machineRules,
  declarationRules,
  // A MAC belongs to one machine: any overlap means the old machine must go first.
  clashes(current, desired, ctx) {
    const a = Array.isArray(current.macs)
      ? (current.macs as unknown[]).map((m) => String(m).toLowerCase())
      : [];
    const b = Array.isArray(desired.macs) ? (desired.macs as unknown[]) : [];
    return b.some((m) => ctx.unknown(m) || a.includes(String(m).toLowerCase()));
  },
};
