import { type Static, Type } from "@sinclair/typebox";
import { Description, Id, Meta, Strict, StringEnum, Timestamp } from "./common";

export const ImageOs = StringEnum(["ubuntu", "debian", "centos", "windows", "other"] as const);
export const ImageFormat = StringEnum(["qcow2", "raw"] as const);
/** Per VM host: queued or importing, present in the host's storage pool, or failed (see reason). */
export const ImageHostStatus = StringEnum(["pending", "ready", "failed"] as const);

/** The same pattern as VmCreate.image: what a VM names is what the catalogue holds. */
export const ImageName = Type.String({
  pattern: "^[a-z0-9][a-z0-9._-]{0,63}$",
  description: "base image name, e.g. ubuntu-24.04",
});

/** Absolute, no `..` segment: the rack reads it as given, never relative to its working directory. */
export const ImagePath = Type.String({
  pattern: "^(?!.*/\\.\\.(/|$))/[^\\u0000]*$",
  minLength: 2,
  maxLength: 4096,
  description: "absolute path of a qcow2 or raw file on the rack controllers, e.g. /srv/images/noble.qcow2",
});

export const ImageSource = Type.Object({ path: ImagePath }, Strict);

/** A base image registered by the operator; every VM host of the region imports it. */
export const ImageCreate = Type.Object(
  {
    name: ImageName,
    os: ImageOs,
    format: Type.Optional(ImageFormat),
    source: ImageSource,
    description: Type.Optional(Description),
  },
  Strict,
);

export const ImageHost = Type.Object({
  hostId: Id,
  status: ImageHostStatus,
  reason: Type.String(),
  updatedAt: Timestamp,
});

export const Image = Type.Object({
  ...Meta,
  name: Type.String(),
  os: ImageOs,
  format: ImageFormat,
  source: Type.Object({ path: Type.String() }),
  description: Type.String(),
  /** ready: on every VM host (at least one); failed: on some host; pending otherwise. */
  status: ImageHostStatus,
  /** Why: the failed hosts' reasons, or how many hosts are ready. */
  statusReason: Type.String(),
  hosts: Type.Array(ImageHost),
});

export type ImageOs = Static<typeof ImageOs>;
export type ImageFormat = Static<typeof ImageFormat>;
export type ImageHostStatus = Static<typeof ImageHostStatus>;
export type ImageCreate = Static<typeof ImageCreate>;
export type ImageHost = Static<typeof ImageHost>;
export type Image = Static<typeof Image>;
