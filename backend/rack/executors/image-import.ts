/**
 * image.import (payload { imageId, machineId, host, name, os, format, path }): import a catalogue
 * image from a file on this rack into the VM host's storage pool (backend/libvirt/images.ts).
 * Idempotent, because the region hands the task out again when a rack died holding it: the
 * host already holding an image of that name, os and format is success. A file whose real
 * format is not the registered one is refused before anything is created on the host.
 * Result: { volume, existed }.
 */
import {
  type BaseImage,
  type ImageFileInfo,
  type ImageFormat,
  type ImageOs,
  ImageError,
  importImage,
  listImages,
  qemuImgProbe,
} from "../../libvirt/images";
import type { VmHost } from "../../libvirt/vm-host";
import { type Executor, TaskError } from "../executor";
import type { ExecutorDeps } from "./deps";
import { type Payload, hostConfig, str } from "./payload";

const KIND = "image.import";
const OSES: readonly string[] = ["ubuntu", "debian", "centos", "windows", "other"];
const FORMATS: readonly string[] = ["qcow2", "raw"];

function oneOf<T extends string>(p: Payload, field: string, allowed: readonly string[]): T {
  const v = str(p, field, KIND);
  if (!allowed.includes(v))
    throw new TaskError("BAD_PAYLOAD", `${KIND} task: ${field} must be one of ${allowed.join(", ")}`);
  return v as T;
}

/** Pure: whether an image already on the host is the one asked for. */
export function sameImage(found: BaseImage, os: ImageOs, format: ImageFormat): boolean {
  return found.os === os && found.format === format;
}

export interface ImageSource {
  name: string;
  os: ImageOs;
  format: ImageFormat;
  /** Absolute path of the image file on this rack. */
  path: string;
}

/** Pure: an image source (name, os, format, path) from a task payload, checked. */
export function imageSourceOf(raw: unknown, kind: string): ImageSource {
  if (typeof raw !== "object" || raw === null)
    throw new TaskError("BAD_PAYLOAD", `${kind} task: no image source`);
  const src = raw as Payload;
  const path = str(src, "path", kind);
  if (!path.startsWith("/")) throw new TaskError("BAD_PAYLOAD", `${kind} task: path must be absolute`);
  return {
    name: str(src, "name", kind),
    os: oneOf<ImageOs>(src, "os", OSES),
    format: oneOf<ImageFormat>(src, "format", FORMATS),
    path,
  };
}

/**
 * The base image on the host, imported from the rack's file when missing. Idempotent, and one
 * at a time per host and image (deps.imageLocks): a VM create waits for an import under way.
 */
export function ensureImage(
  deps: ExecutorDeps,
  host: VmHost,
  { name, os, format, path }: ImageSource,
  progress: (message: string) => Promise<void>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  return deps.imageLocks.run(`${host.uri}|${host.pool}|${name}`, async () => {
    const existing = (await listImages(host, { refresh: true })).find((i) => i.name === name);
    if (existing) {
      if (!sameImage(existing, os, format)) {
        throw new TaskError(
          "IMAGE_EXISTS",
          `the host already has an image ${name} as ${existing.os}/${existing.format} (${existing.volume}), not ${os}/${format}`,
        );
      }
      return { volume: existing.volume, existed: true, sizeBytes: existing.sizeBytes };
    }
    let info: ImageFileInfo;
    try {
      info = await qemuImgProbe(path);
    } catch (e) {
      throw new TaskError("INVALID_IMAGE", e instanceof Error ? e.message : String(e));
    }
    if (info.format !== format) {
      throw new TaskError(
        "INVALID_IMAGE",
        `${path} is a ${info.format} file; the image is registered as ${format}`,
      );
    }
    signal.throwIfAborted();
    await progress(`importing ${path} into ${host.uri} (pool ${host.pool})`);
    try {
      const img = await importImage(host, { name, os, path }, async () => info);
      return { volume: img.volume, existed: false, sizeBytes: img.sizeBytes };
    } catch (e) {
      // Another attempt (or the operator) got there first: same image, same answer as above.
      if (e instanceof ImageError && e.code === "IMAGE_EXISTS") {
        const now = (await listImages(host, { refresh: true })).find((i) => i.name === name);
        if (now && sameImage(now, os, format))
          return { volume: now.volume, existed: true, sizeBytes: now.sizeBytes };
      }
      if (e instanceof ImageError) throw new TaskError(e.code, e.message, e.retryable);
      throw e;
    }
  });
}

export function imageImportExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    run: ({ task, progress, signal }) =>
      ensureImage(
        deps,
        deps.vmHost(hostConfig(task.payload, KIND)),
        imageSourceOf(task.payload, KIND),
        progress,
        signal,
      ),
  };
}
