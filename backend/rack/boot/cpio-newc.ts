/**
 * A writer for the "newc" cpio format, the only one the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header per
 * entry (magic 070701 and 13 eight-digit hex fields), the NUL-terminated name padded to 4
 * bytes, the data padded to 4 bytes, and a final "TRAILER!!!" entry. Pure, no `cpio` binary.
 */

export type CpioEntry =
  | { type: "dir"; name: string; mode?: number }
  | { type: "file"; name: string; data: Uint8Array; mode?: number }
  | { type: "symlink"; name: string; target: string }
  | { type: "chardev"; name: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(o: {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  devMajor?: number;
  devMinor?: number;
  name: string;
}): Buffer {
  const nameBytes = Buffer.from(`${o.name}\0`, "utf8");
  const fields = [
    "070701",
    hex8(o.ino),
    hex8(o.mode),
    hex8(0), // uid root
    hex8(0), // gid root
    hex8(o.nlink),
    hex8(0), // mtime: fixed, so the archive is reproducible
    hex8(o.size),
    hex8(0), // devmajor of the archive's filesystem
    hex8(0),
    hex8(o.devMajor ?? 0), // rdevmajor
    hex8(o.devMinor ?? 0),
    hex8(nameBytes.length),
    hex8(0), // check (unused by newc)
  ].join("");
  const h = Buffer.concat([Buffer.from(fields, "ascii"), nameBytes]);
  return Buffer.concat([h, Buffer.alloc(pad4(h.length))]);
}

export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, "");
    if (!name || name.includes("\0")) throw new Error(`bad cpio entry name ${JSON.stringify(e.name)}`);
    switch (e.type) {
      case "dir":
        parts.push(header({ ino: ino++, mode: S_IFDIR | (e.mode ?? 0o755), nlink: 2, size: 0, name }));
        break;
      case "file": {
        parts.push(
          header({ ino: ino++, mode: S_IFREG | (e.mode ?? 0o644), nlink: 1, size: e.data.length, name }),
        );
        parts.push(Buffer.from(e.data), Buffer.alloc(pad4(e.data.length)));
        break;
      }
      case "symlink": {
        const t = Buffer.from(e.target, "utf8");
        parts.push(header({ ino: ino++, mode: S_IFLNK | 0o777, nlink: 1, size: t.length, name }));
        parts.push(t, Buffer.alloc(pad4(t.length)));
        break;
      }
      case "chardev":
        parts.push(
          header({
            ino: ino++,
            mode: S_IFCHR | (e.mode ?? 0o600),
            nlink: 1,
            size: 0,
            devMajor: e.major,
            devMinor: e.minor,
            name,
          }),
        );
        break;
    }
  }
  parts.push(header({ ino: 0, mode: 0, nlink: 1, size: 0, name: "TRAILER!!!" }));
  return Buffer.concat(parts);
}
