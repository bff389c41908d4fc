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

export function imageImportExecutor(deps: ExecutorDeps): Executor {
  return {
    kind: KIND,
    async run({ task, progress, signal }) {
      const p = task.payload;
      const name = str(p, "name", KIND);
      const os = oneOf<ImageOs>(p, "os", OSES);
      const format = oneOf<ImageFormat>(p, "format", FORMATS);
      const path = str(p, "path", KIND);
      if (!path.startsWith("/")) throw new TaskError("BAD_PAYLOAD", `${KIND} task: path must be absolute`);
      const host = deps.vmHost(hostConfig(p, KIND));
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
    },
  };
}
