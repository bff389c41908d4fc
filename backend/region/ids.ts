import { randomBytes } from "node:crypto";
import type { EventInput } from "./events";

/** Object ids: a short kind prefix and 64 random bits, e.g. `mch_3f9a0c1d2e4b5a69`. */
export type IdPrefix =
  | "rgn"
  | "fab"
  | "rck"
  | "pol"
  | "mch"
  | "vm"
  | "ten"
  | "key"
  | "tsk"
  | "img"
  | "cns"
  | "snp"
  | "bkp"
  | "quo"
  | "usg"
  | "net"
  | "sg"
  | "pip";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

const OBJECT_TYPES: Partial<Record<IdPrefix, EventInput["objectType"]>> = {
  rgn: "region",
  fab: "fabric",
  rck: "rack",
  pol: "pool",
  mch: "machine",
  vm: "vm",
  ten: "tenant",
  key: "apikey",
  img: "image",
  snp: "snapshot",
  bkp: "backup",
  quo: "quota",
  net: "network",
  sg: "security-group",
  pip: "public-ip-pool",
};

/** The event object type of an id, from its prefix (a task's object: machine, VM, image…). */
export function objectTypeOfId(id: string): EventInput["objectType"] {
  const t = OBJECT_TYPES[id.slice(0, id.indexOf("_")) as IdPrefix];
  if (!t) throw new Error(`no event object type for id ${id}`);
  return t;
}
