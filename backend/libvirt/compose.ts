/**
 * Compose a VM on a host, and take it apart again.
 *
 * compose: clone a disk on the base image (qcow2 backed by the image volume) → seed ISO
 * uploaded as a volume → define → start. Each step pushes its undo; if a later step fails,
 * the undos run in reverse order, so a failed compose has created nothing (the Pulumi
 * contract for a failed create). destroyVm is idempotent: missing pieces are fine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DiskBus, buildDomainXml } from "./domain-xml";
import { type ImageOs, findImage } from "./images";
import {
  DEFAULT_VM_PREFIX,
  IMAGE_PREFIX,
  diskVolumeName,
  domainName,
  parseVmVolumeName,
  seedVolumeName,
} from "./naming";
import { type NetworkSpec, type SeedFiles, buildSeedFiles, writeSeedIso } from "./seed-iso";
import { isLibvirtError } from "./virsh";
import type { VmHost } from "./vm-host";

/** Where a domain's serial console socket lives under a console directory. */
export function consoleSocketPath(dir: string, domain: string): string {
  return `${dir.replace(/\/+$/, "")}/${domain}.console.sock`;
}

export interface VmSpec {
  /** The region's VirtualMachine id; names every libvirt object of the VM. */
  id: string;
  tenant: string;
  hostname: string;
  /** Base image name (see images.ts). */
  image: string;
  vcpus: number;
  memoryMiB: number;
  /** Headroom for live growth; default: vcpus / memoryMiB (no live growth). */
  maxVcpus?: number;
  maxMemoryMiB?: number;
  /** Disk size; default and minimum: the image's virtual size. */
  diskBytes?: number;
  /** Host bridge for the one NIC; omit for a VM without network. */
  bridge?: string;
  mac?: string;
  network?: NetworkSpec;
  /** NICs on tenant networks: bridge, MAC, tap name and the static addressing of the seed. */
  tenantNics?: TenantNicSpec[];
  userData?: string;
  sshAuthorizedKeys?: string[];
  /** Windows images only; else read from `userData`. */
  adminPassword?: string;
  diskBus?: DiskBus;
  /** `qemu` (TCG, default) or `kvm`. */
  virtType?: "qemu" | "kvm";
  machine?: "pc" | "q35";
  /** Start after define (default true). */
  start?: boolean;
  /**
   * The disk is this self-contained qcow2 file (a backup, uploaded as the disk volume) instead
   * of a clone of `image`; `os` stands for the image's (the host need not hold the image).
   */
  restoreFrom?: { file: string; sizeBytes: number; os: ImageOs };
}

export interface TenantNicSpec {
  bridge: string;
  mac: string;
  tap: string;
  network: NetworkSpec;
}

export interface ComposeOptions {
  /** Name prefix of every object (default `fibrix-vm-`). */
  prefix?: string;
  /**
   * Directory (on the VM host, as its libvirtd sees it) of the serial console sockets:
   * `DIR/<domain>.console.sock` (see consoleSocketPath). Omitted: a pty console, which the rack
   * cannot open.
   */
  consoleDir?: string;
  /** Where the seed ISO is built before upload (default: os.tmpdir()). */
  tmpDir?: string;
  /** Edge for the ISO writer, swappable in tests. */
  writeIso?: (files: SeedFiles, outPath: string) => Promise<{ path: string; sizeBytes: number }>;
}

export interface ComposedVm {
  domain: string;
  uuid: string;
  volumes: string[];
  started: boolean;
}

export type ComposeStep = "image" | "disk" | "seed" | "define" | "start";

/**
 * A failed compose. `code`/`retryable` are the cause's (e.g. NOT_FOUND for a missing image,
 * FAILED for a bridge that does not exist); `leaked` lists what the undo could not remove
 * (empty in the normal case).
 */
export class ComposeError extends Error {
  override readonly name = "ComposeError";
  constructor(
    readonly code: string,
    readonly step: ComposeStep,
    message: string,
    readonly retryable: boolean,
    readonly leaked: string[],
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

function codeOf(e: unknown): { code: string; retryable: boolean } {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "string") {
    const retryable = "retryable" in e && typeof e.retryable === "boolean" ? e.retryable : false;
    return { code: e.code, retryable };
  }
  return { code: "FAILED", retryable: false };
}

export async function composeVm(host: VmHost, spec: VmSpec, opts: ComposeOptions = {}): Promise<ComposedVm> {
  const prefix = opts.prefix ?? DEFAULT_VM_PREFIX;
  const name = domainName(prefix, spec.id);
  const diskVol = diskVolumeName(prefix, spec.id, 0);
  const seedVol = seedVolumeName(prefix, spec.id);
  const writeIso = opts.writeIso ?? writeSeedIso;
  const undo: { what: string; run: () => Promise<void> }[] = [];
  let step: ComposeStep = "image";
  try {
    const image = spec.restoreFrom
      ? { os: spec.restoreFrom.os, sizeBytes: 0, volume: "", format: "qcow2" as const }
      : await findImage(host, spec.image);
    // Validate everything pure before touching the host.
    const files = buildSeedFiles({
      os: image.os,
      instanceId: spec.id,
      hostname: spec.hostname,
      userData: spec.userData,
      sshAuthorizedKeys: spec.sshAuthorizedKeys,
      network: spec.network,
      ...(spec.tenantNics?.length ? { networks: spec.tenantNics.map((n) => n.network) } : {}),
      adminPassword: spec.adminPassword,
    });
    const xml = buildDomainXml({
      name,
      virtType: spec.virtType,
      machine: spec.machine,
      vcpus: spec.vcpus,
      maxVcpus: spec.maxVcpus,
      memoryMiB: spec.memoryMiB,
      maxMemoryMiB: spec.maxMemoryMiB,
      disk: { pool: host.pool, volume: diskVol, format: "qcow2", bus: spec.diskBus },
      seed: { pool: host.pool, volume: seedVol },
      nic: spec.bridge !== undefined ? { bridge: spec.bridge, mac: spec.mac } : undefined,
      ...(spec.tenantNics?.length
        ? { tenantNics: spec.tenantNics.map(({ bridge, mac, tap }) => ({ bridge, mac, tap })) }
        : {}),
      guestAgent: true,
      ...(opts.consoleDir ? { serialSocket: consoleSocketPath(opts.consoleDir, name) } : {}),
      meta: { id: spec.id, tenant: spec.tenant },
    });

    step = "disk";
    if (spec.restoreFrom) {
      // Raw and exactly the file's size: the upload fills it byte for byte (the qcow2 inside is the disk).
      await host.createVolume({ name: diskVol, capacityBytes: spec.restoreFrom.sizeBytes, format: "raw" });
      undo.push({ what: `volume ${diskVol}`, run: () => host.deleteVolume(diskVol) });
      await host.uploadVolume(diskVol, spec.restoreFrom.file);
    } else
      await host.createVolume({
        name: diskVol,
        capacityBytes: Math.max(spec.diskBytes ?? 0, image.sizeBytes),
        format: "qcow2",
        backingVolume: image.volume,
        backingFormat: image.format,
      });
    if (!spec.restoreFrom) undo.push({ what: `volume ${diskVol}`, run: () => host.deleteVolume(diskVol) });

    step = "seed";
    const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "fibrix-iso-"));
    try {
      const iso = await writeIso(files, join(dir, "seed.iso"));
      await host.createVolume({ name: seedVol, capacityBytes: iso.sizeBytes, format: "raw" });
      undo.push({ what: `volume ${seedVol}`, run: () => host.deleteVolume(seedVol) });
      await host.uploadVolume(seedVol, iso.path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    step = "define";
    await host.defineDomain(xml);
    undo.push({ what: `domain ${name}`, run: () => host.undefineDomain(name) });

    const start = spec.start ?? true;
    if (start) {
      step = "start";
      await host.startDomain(name);
      undo.push({ what: `running domain ${name}`, run: () => host.destroyDomain(name) });
    }
    const d = await host.getDomain(name);
    return { domain: name, uuid: d.uuid, volumes: [diskVol, seedVol], started: start };
  } catch (cause) {
    const leaked: string[] = [];
    for (const u of undo.reverse()) {
      try {
        await u.run();
      } catch (e) {
        if (!isLibvirtError(e, "NOT_FOUND")) leaked.push(u.what);
      }
    }
    const { code, retryable } = codeOf(cause);
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new ComposeError(code, step, `compose ${name} failed at ${step}: ${msg}`, retryable, leaked, cause);
  }
}

export interface DestroyResult {
  domainRemoved: boolean;
  volumesRemoved: string[];
}

/**
 * destroy → undefine → delete the VM's volumes: those its definition references in our pool
 * and those named after it (a half-composed VM has volumes but no domain).
 */
export async function destroyVm(
  host: VmHost,
  vmId: string,
  opts: { prefix?: string } = {},
): Promise<DestroyResult> {
  const prefix = opts.prefix ?? DEFAULT_VM_PREFIX;
  const name = domainName(prefix, vmId);
  const volumes = new Set<string>();
  let domainRemoved = false;
  try {
    const d = await host.getDomain(name);
    for (const disk of d.disks) {
      // Never a base image, even if someone attached one directly.
      if (disk.pool === host.pool && disk.volume && !disk.volume.startsWith(IMAGE_PREFIX))
        volumes.add(disk.volume);
    }
    await host.destroyDomain(name);
    await host.undefineDomain(name);
    domainRemoved = true;
  } catch (e) {
    if (!isLibvirtError(e, "NOT_FOUND")) throw e;
  }
  for (const v of await host.listVolumes()) {
    if (parseVmVolumeName(prefix, v.name)?.vmId === vmId) volumes.add(v.name);
  }
  const volumesRemoved: string[] = [];
  for (const v of volumes) {
    try {
      await host.deleteVolume(v);
      volumesRemoved.push(v);
    } catch (e) {
      if (!isLibvirtError(e, "NOT_FOUND")) throw e;
    }
  }
  return { domainRemoved, volumesRemoved };
}
