/**
 * How fibrix names the libvirt objects it owns, and how it recognises them again. Pure.
 *
 * A VM `id` owns: the domain `${prefix}${id}`, its disks `${prefix}${id}-disk${n}.qcow2` and its
 * seed ISO `${prefix}${id}-seed.iso`. Base images live under a separate prefix
 * (`fibrix-image.`) so that no VM prefix pattern can ever match them. The prefix is a
 * parameter so each test (or each region sharing a host) sees only its own objects.
 */

export const DEFAULT_VM_PREFIX = "fibrix-vm-";
export const IMAGE_PREFIX = "fibrix-image.";

/** VM ids end up in domain and file names: keep them to a safe alphabet, no dots. */
const VM_ID_RE = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/i;
/** A name prefix: safe alphabet, non-empty, short enough to leave room for the id. */
const PREFIX_RE = /^[a-z0-9][a-z0-9_.-]{0,31}$/i;

export class NamingError extends Error {
  override readonly name = "NamingError";
  readonly code = "INVALID_NAME";
  readonly retryable = false;
}

export function assertVmId(id: string): void {
  if (!VM_ID_RE.test(id))
    throw new NamingError(`invalid VM id ${JSON.stringify(id)}: use [A-Za-z0-9_-], ≤ 63 chars`);
}

export function assertPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) throw new NamingError(`invalid name prefix ${JSON.stringify(prefix)}`);
}

export function domainName(prefix: string, vmId: string): string {
  assertPrefix(prefix);
  assertVmId(vmId);
  return `${prefix}${vmId}`;
}

export function diskVolumeName(prefix: string, vmId: string, index = 0): string {
  return `${domainName(prefix, vmId)}-disk${index}.qcow2`;
}

export function seedVolumeName(prefix: string, vmId: string): string {
  return `${domainName(prefix, vmId)}-seed.iso`;
}

export type VmVolumeKind = "disk" | "seed";

export interface ParsedVmVolume {
  vmId: string;
  kind: VmVolumeKind;
  /** Disk index for `disk`, 0 for `seed`. */
  index: number;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The VM id and role of a volume named by `diskVolumeName`/`seedVolumeName`, else null. */
export function parseVmVolumeName(prefix: string, volume: string): ParsedVmVolume | null {
  const m = new RegExp(`^${escapeRe(prefix)}(.+)-(?:disk(\\d+)\\.qcow2|(seed)\\.iso)$`).exec(volume);
  if (!m) return null;
  const vmId = m[1] ?? "";
  if (!VM_ID_RE.test(vmId)) return null;
  if (m[3] === "seed") return { vmId, kind: "seed", index: 0 };
  return { vmId, kind: "disk", index: Number(m[2]) };
}

/** The VM id of a domain named by `domainName`, else null. */
export function parseDomainName(prefix: string, name: string): string | null {
  if (!name.startsWith(prefix)) return null;
  const id = name.slice(prefix.length);
  return VM_ID_RE.test(id) ? id : null;
}
