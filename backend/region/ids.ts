import { randomBytes } from "node:crypto";

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
