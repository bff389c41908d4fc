/**
 * Typed readers for task payloads (sdk/schema/rack-agent.ts lists each kind's fields). The
 * region builds payloads, but a rack must not act on a malformed one: a missing or mistyped
 * field is a BAD_PAYLOAD failure, before anything is touched. Pure.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { VmHostConfig } from "../../../sdk/schema/machine";
import { HostNetwork, TenantNic, VmNics } from "../../../sdk/schema/tenant-network-payload";
import { schemaErrors } from "../../../sdk/model/input-check";
import { TaskError } from "../executor";

export type Payload = Record<string, unknown>;

function bad(kind: string, field: string, want: string): TaskError {
  return new TaskError("BAD_PAYLOAD", `${kind} task: ${field} must be ${want}`);
}

export function str(p: Payload, field: string, kind: string): string {
  const v = p[field];
  if (typeof v !== "string" || v.length === 0) throw bad(kind, field, "a non-empty string");
  return v;
}

export function optStr(p: Payload, field: string, kind: string): string | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw bad(kind, field, "a string");
  return v;
}

export function posInt(p: Payload, field: string, kind: string): number {
  const v = p[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw bad(kind, field, "a positive integer");
  return v;
}

export function optPowerState(p: Payload, kind: string): "on" | "off" | undefined {
  const v = p.powerState;
  if (v === undefined || v === null) return undefined;
  if (v !== "on" && v !== "off") throw bad(kind, "powerState", '"on" or "off"');
  return v;
}

export function strList(p: Payload, field: string, kind: string): string[] {
  const v = p[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw bad(kind, field, "a list of strings");
  return v as string[];
}

export function hostConfig(p: Payload, kind: string): VmHostConfig {
  const h = p.host;
  if (typeof h !== "object" || h === null) throw bad(kind, "host", "a VM host configuration");
  const o = h as Payload;
  const uri = str(o, "uri", kind);
  const storagePool = optStr(o, "storagePool", kind);
  const bridge = optStr(o, "bridge", kind);
  const netns = optStr(o, "netns", kind);
  const fabric =
    o.fabric === undefined || o.fabric === null
      ? undefined
      : checked(o, "fabric", kind, FABRIC, "host.fabric");
  return {
    uri,
    ...(storagePool ? { storagePool } : {}),
    ...(bridge ? { bridge } : {}),
    ...(fabric ? { fabric } : {}),
    ...(netns ? { netns } : {}),
  };
}

const FABRIC = VmHostConfig.properties.fabric;
const NICS = Type.Array(TenantNic);
const NETWORKS = Type.Array(HostNetwork);
const VM_NICS = Type.Array(VmNics);

function checked<S extends TSchema>(
  p: Payload,
  field: string,
  kind: string,
  schema: S,
  name = field,
): Static<S> {
  const v = p[field];
  // ajv, as the region validates (TypeBox's own checker does not know the schemas' enums).
  const first = schemaErrors(schema, v, { unknown: () => false })[0];
  if (first) throw new TaskError("BAD_PAYLOAD", `${kind} task: ${name}${first.field}: ${first.reason}`);
  return v as Static<S>;
}

/** The VM's tenant NICs, or undefined when the payload has none (a VM on host.bridge, as before). */
export function optNics(p: Payload, kind: string): TenantNic[] | undefined {
  if (p.nics === undefined || p.nics === null) return undefined;
  const nics = checked(p, "nics", kind, NICS);
  // None: the VM's one NIC is on the host bridge, as before tenant networks (rack-agent.ts).
  return nics.length > 0 ? nics : undefined;
}

/** The tenant networks the host must carry, or undefined when the payload names none. */
export function optNetworks(p: Payload, kind: string): HostNetwork[] | undefined {
  return p.networks === undefined || p.networks === null ? undefined : checked(p, "networks", kind, NETWORKS);
}

/** The tenant NICs of the host's settled VMs (host.reconcile), or [] when the payload names none. */
export function optVmNics(p: Payload, kind: string): VmNics[] {
  return p.vmNics === undefined || p.vmNics === null ? [] : checked(p, "vmNics", kind, VM_NICS);
}
