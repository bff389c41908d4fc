/**
 * Base images per OS, registered by the operator: a local file imported as a volume in the
 * host's pool (`vol-create-as` then `vol-upload`, which streams over any URI transport), so
 * VM disks can be thin qcow2 clones backed by it.
 *
 * The registry is the pool itself: the volume name `fibrix-image.<os>.<name>.<format>`
 * carries what a `BaseImage` needs, so the host stays the single source of truth.
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { IMAGE_PREFIX } from "./naming";
import { LibvirtError, isLibvirtError } from "./virsh";
import type { VmHost, VolumeSummary } from "./vm-host";

export type ImageOs = "ubuntu" | "debian" | "centos" | "windows" | "other";
export type ImageFormat = "qcow2" | "raw";

export interface BaseImage {
  name: string;
  os: ImageOs;
  format: ImageFormat;
  /** Virtual size: the smallest disk a clone can have. */
  sizeBytes: number;
  /** The volume in the host's pool. */
  volume: string;
}

export class ImageError extends Error {
  override readonly name = "ImageError";
  constructor(
    readonly code: "INVALID_IMAGE" | "IMAGE_NOT_FOUND" | "IMAGE_IN_USE" | "IMAGE_EXISTS",
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const OSES: readonly ImageOs[] = ["ubuntu", "debian", "centos", "windows", "other"];
const FORMATS: readonly ImageFormat[] = ["qcow2", "raw"];
/**
 * The region's image name (sdk/schema/image.ts), dots included ("ubuntu-24.04"): os and format,
 * the first and last fields of the volume name, never hold a dot, so the middle round-trips.
 */
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export function imageVolumeName(name: string, os: ImageOs, format: ImageFormat): string {
  if (!NAME_RE.test(name) || name.length > 64)
    throw new ImageError("INVALID_IMAGE", `invalid image name ${JSON.stringify(name)}`);
  if (!OSES.includes(os)) throw new ImageError("INVALID_IMAGE", `unknown os ${String(os)}`);
  if (!FORMATS.includes(format))
    throw new ImageError("INVALID_IMAGE", `unsupported format ${String(format)}`);
  return `${IMAGE_PREFIX}${os}.${name}.${format}`;
}

/** Pure: a `BaseImage` from one of our volumes, or null for any other volume. */
export function imageFromVolume(v: Pick<VolumeSummary, "name" | "capacityBytes">): BaseImage | null {
  if (!v.name.startsWith(IMAGE_PREFIX)) return null;
  const parts = v.name.slice(IMAGE_PREFIX.length).split(".");
  if (parts.length < 3) return null;
  const os = parts[0]!;
  const format = parts[parts.length - 1]!;
  const name = parts.slice(1, -1).join(".");
  if (!OSES.includes(os as ImageOs) || !FORMATS.includes(format as ImageFormat) || !NAME_RE.test(name))
    return null;
  return {
    name,
    os: os as ImageOs,
    format: format as ImageFormat,
    sizeBytes: v.capacityBytes,
    volume: v.name,
  };
}

export interface ImageFileInfo {
  format: ImageFormat;
  virtualSizeBytes: number;
  fileSizeBytes: number;
}

/** The edge that reads a local image file; `qemu-img info` by default. */
export type ImageProbe = (path: string) => Promise<ImageFileInfo>;

export const qemuImgProbe: ImageProbe = async (path) => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      "qemu-img",
      ["info", "--output=json", "--", path],
      { timeout: 60_000, killSignal: "SIGKILL", encoding: "utf8" },
      (err, out, stderr) => {
        if (err)
          reject(new ImageError("INVALID_IMAGE", `qemu-img info ${path}: ${stderr.trim() || err.message}`));
        else resolve(out);
      },
    );
  });
  const info = JSON.parse(stdout) as { format?: string; "virtual-size"?: number };
  const format = info.format;
  if (format !== "qcow2" && format !== "raw")
    throw new ImageError(
      "INVALID_IMAGE",
      `unsupported image format ${String(format)}: convert to qcow2 first`,
    );
  const { size } = await stat(path);
  return { format, virtualSizeBytes: info["virtual-size"] ?? size, fileSizeBytes: size };
};

export interface ImportImageInput {
  name: string;
  os: ImageOs;
  /** A local qcow2 or raw file. */
  path: string;
}

/** Imports `path` into the host's pool. On any failure no volume is left behind. */
export async function importImage(
  host: VmHost,
  input: ImportImageInput,
  probe: ImageProbe = qemuImgProbe,
): Promise<BaseImage> {
  const info = await probe(input.path);
  const volume = imageVolumeName(input.name, input.os, info.format);
  const existing = (await listImages(host)).find((i) => i.name === input.name);
  if (existing)
    throw new ImageError("IMAGE_EXISTS", `image ${input.name} already exists (${existing.volume})`);
  // The upload replaces the file wholesale, so capacity only has to hold the file's bytes;
  // libvirt then reads the real virtual size from the qcow2 header.
  await host.createVolume({
    name: volume,
    capacityBytes: Math.max(info.virtualSizeBytes, info.fileSizeBytes),
    format: info.format,
  });
  try {
    await host.uploadVolume(volume, input.path);
  } catch (e) {
    await host.deleteVolume(volume).catch(() => {});
    throw e;
  }
  const found = (await listImages(host, { refresh: true })).find((i) => i.volume === volume);
  if (!found) throw new LibvirtError("FAILED", `volume ${volume} vanished after upload`, true);
  return found;
}

export async function listImages(host: VmHost, opts: { refresh?: boolean } = {}): Promise<BaseImage[]> {
  return (await host.listVolumes(opts))
    .map(imageFromVolume)
    .filter((i): i is BaseImage => i !== null)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function findImage(host: VmHost, name: string): Promise<BaseImage> {
  const img = (await listImages(host)).find((i) => i.name === name);
  if (!img) throw new ImageError("IMAGE_NOT_FOUND", `no image ${name} in pool ${host.pool}`);
  return img;
}

/**
 * Deletes an image unless a volume still uses it as its backing file: a dir pool would
 * delete it anyway and break every clone.
 */
export async function deleteImage(host: VmHost, name: string): Promise<void> {
  const vols = await host.listVolumes();
  const img = vols.map((v) => ({ v, i: imageFromVolume(v) })).find((x) => x.i?.name === name);
  if (!img) return;
  const users = vols
    .filter((v) => v.backingPath !== undefined && v.backingPath === img.v.path)
    .map((v) => v.name);
  if (users.length > 0) throw new ImageError("IMAGE_IN_USE", `image ${name} backs ${users.join(", ")}`);
  try {
    await host.deleteVolume(img.v.name);
  } catch (e) {
    if (!isLibvirtError(e, "NOT_FOUND")) throw e;
  }
}
