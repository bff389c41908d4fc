/**
 * Reconcile a host against the region's records.
 *
 * `diff` is pure. It looks only at objects that are provably ours: domains whose name has
 * our prefix AND that carry fibrix metadata, volumes named by our naming scheme. Anything
 * else on the host (the operator's own VMs, other regions' prefixes, base images) is
 * invisible to it, so a clean can never touch it. A prefixed domain without metadata is
 * reported as `unmanaged` and never cleaned.
 *
 * `reconcileHost` is the edge: it lists, diffs, optionally cleans orphans (domains first,
 * then volumes no remaining domain references), and reports an unreachable host as data.
 */
import { DEFAULT_VM_PREFIX, parseDomainName, parseVmVolumeName } from "./naming";
import { LibvirtError, isLibvirtError } from "./virsh";
import type { DomainSummary, VmHost, VolumeSummary } from "./vm-host";

export interface VmRecord {
  id: string;
  tenant: string;
  vcpus: number;
  memoryMiB: number;
  /** What the region wants: running or stopped. */
  powerState: "on" | "off";
  /** Expected size of disk 0, if the region tracks it. */
  diskBytes?: number;
}

export interface ActualState {
  domains: readonly DomainSummary[];
  volumes: readonly VolumeSummary[];
}

export type DriftField = "powerState" | "vcpus" | "memoryMiB" | "diskBytes" | "tenant";

export interface Drift {
  id: string;
  domain: string;
  field: DriftField;
  expected: string | number;
  actual: string | number;
}

export interface ReconcileDiff {
  orphanDomains: DomainSummary[];
  orphanVolumes: VolumeSummary[];
  missingDomains: VmRecord[];
  drifted: Drift[];
  /** Prefixed domains without fibrix metadata: reported, never cleaned. */
  unmanaged: string[];
}

function isOn(d: DomainSummary): boolean {
  return d.state === "running" || d.state === "blocked" || d.state === "paused" || d.state === "pmsuspended";
}

/** Volumes a domain refers to, by name (pool volumes) and by path (file disks). */
function references(d: DomainSummary): string[] {
  const out: string[] = [];
  for (const disk of d.disks) {
    if (disk.volume) out.push(disk.volume);
    if (disk.file) out.push(disk.file);
  }
  return out;
}

export function diff(
  expected: readonly VmRecord[],
  actual: ActualState,
  opts: { prefix?: string } = {},
): ReconcileDiff {
  const prefix = opts.prefix ?? DEFAULT_VM_PREFIX;
  const wanted = new Map(expected.map((r) => [r.id, r]));
  const ours = new Map<string, DomainSummary>();
  const orphanDomains: DomainSummary[] = [];
  const unmanaged: string[] = [];
  for (const d of actual.domains) {
    const idFromName = parseDomainName(prefix, d.name);
    if (idFromName === null) continue;
    if (!d.meta) {
      unmanaged.push(d.name);
      continue;
    }
    if (wanted.has(d.meta.id) && d.meta.id === idFromName) ours.set(d.meta.id, d);
    else orphanDomains.push(d);
  }

  // A volume still referenced by a domain we keep (or by anyone else's domain) is never an
  // orphan: a dir pool deletes files that are in use.
  const orphanNames = new Set(orphanDomains.map((d) => d.name));
  const inUse = new Set<string>();
  for (const d of actual.domains) if (!orphanNames.has(d.name)) for (const r of references(d)) inUse.add(r);

  const orphanVolumes = actual.volumes.filter((v) => {
    const p = parseVmVolumeName(prefix, v.name);
    return p !== null && !wanted.has(p.vmId) && !inUse.has(v.name) && !inUse.has(v.path);
  });

  const missingDomains = expected.filter((r) => !ours.has(r.id));

  const drifted: Drift[] = [];
  for (const r of expected) {
    const d = ours.get(r.id);
    if (!d) continue;
    const add = (field: DriftField, exp: string | number, act: string | number): void => {
      if (exp !== act) drifted.push({ id: r.id, domain: d.name, field, expected: exp, actual: act });
    };
    add("powerState", r.powerState, isOn(d) ? "on" : "off");
    add("vcpus", r.vcpus, d.vcpus);
    add("memoryMiB", r.memoryMiB, d.memoryMiB);
    add("tenant", r.tenant, d.meta?.tenant ?? "");
    if (r.diskBytes !== undefined) {
      const disk0 = actual.volumes.find((v) => {
        const p = parseVmVolumeName(prefix, v.name);
        return p?.vmId === r.id && p.kind === "disk" && p.index === 0;
      });
      if (disk0) add("diskBytes", r.diskBytes, disk0.capacityBytes);
    }
  }
  return { orphanDomains, orphanVolumes, missingDomains, drifted, unmanaged };
}

export interface CleanFailure {
  object: string;
  code: string;
  message: string;
}

export type ReconcileResult =
  | {
      unreachable: false;
      diff: ReconcileDiff;
      cleaned: { domains: string[]; volumes: string[] };
      failures: CleanFailure[];
    }
  | { unreachable: true; code: string; message: string };

function failureOf(object: string, e: unknown): CleanFailure {
  if (e instanceof LibvirtError) return { object, code: e.code, message: e.message };
  return { object, code: "FAILED", message: e instanceof Error ? e.message : String(e) };
}

export async function reconcileHost(
  host: VmHost,
  expected: readonly VmRecord[],
  opts: { clean?: boolean; prefix?: string } = {},
): Promise<ReconcileResult> {
  let actual: ActualState;
  try {
    const domains = await host.listDomains();
    // Refresh: files dropped into the pool directory behind libvirt's back count too.
    const volumes = await host.listVolumes({ refresh: true });
    actual = { domains, volumes };
  } catch (e) {
    if (isLibvirtError(e, "UNREACHABLE") || isLibvirtError(e, "TIMEOUT"))
      return { unreachable: true, code: e.code, message: e.message };
    throw e;
  }
  const d = diff(expected, actual, opts);
  const cleaned = { domains: [] as string[], volumes: [] as string[] };
  const failures: CleanFailure[] = [];
  if (!opts.clean) return { unreachable: false, diff: d, cleaned, failures };

  const kept = new Set<string>();
  for (const dom of d.orphanDomains) {
    try {
      await host.destroyDomain(dom.name);
      await host.undefineDomain(dom.name);
      cleaned.domains.push(dom.name);
    } catch (e) {
      if (isLibvirtError(e, "NOT_FOUND")) {
        cleaned.domains.push(dom.name);
        continue;
      }
      failures.push(failureOf(`domain ${dom.name}`, e));
      // Still defined: its disks stay.
      for (const r of references(dom)) kept.add(r);
    }
  }
  for (const v of d.orphanVolumes) {
    if (kept.has(v.name) || kept.has(v.path)) continue;
    try {
      await host.deleteVolume(v.name);
      cleaned.volumes.push(v.name);
    } catch (e) {
      if (isLibvirtError(e, "NOT_FOUND")) cleaned.volumes.push(v.name);
      else failures.push(failureOf(`volume ${v.name}`, e));
    }
  }
  return { unreachable: false, diff: d, cleaned, failures };
}
