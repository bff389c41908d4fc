import { cpioNewc } from "../../../backend/rack/boot/cpio-newc";
import { isStaticElf } from "../../../backend/rack/boot/ephemeral-env";
import { loadOrder, moduleDepends } from "../../../backend/rack/boot/kernel-modules";

/** Reads a newc archive back (the format of Documentation/driver-api/early-userspace/buffer-format.rst). */
function readNewc(buf: Buffer) {
  const out: { name: string; mode: number; data: Buffer; rdev: [number, number] }[] = [];
  let at = 0;
  const pad = (n: number) => (n + 3) & ~3;
  for (;;) {
    expect(buf.toString("ascii", at, at + 6)).toBe("070701");
    const f = (i: number) => Number.parseInt(buf.toString("ascii", at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = f(1);
    const size = f(6);
    const nameSize = f(11);
    const name = buf.toString("utf8", at + 110, at + 110 + nameSize - 1);
    const dataAt = pad(at + 110 + nameSize);
    if (name === "TRAILER!!!") return { entries: out, end: dataAt };
    out.push({ name, mode, data: buf.subarray(dataAt, dataAt + size), rdev: [f(9), f(10)] });
    at = pad(dataAt + size);
  }
}

test("a newc archive holds directories, files, symlinks and device nodes, 4-byte aligned, with a trailer", () => {
  const buf = cpioNewc([
    { type: "dir", name: "bin" },
    { type: "file", name: "/init", data: Buffer.from("#!/bin/sh\n"), mode: 0o755 },
    { type: "symlink", name: "bin/sh", target: "busybox" },
    { type: "chardev", name: "dev/console", major: 5, minor: 1 },
    { type: "file", name: "odd", data: Buffer.from("abcde") },
  ]);
  const { entries, end } = readNewc(buf);
  expect(end).toBe(buf.length);
  expect(buf.length % 4).toBe(0);
  expect(entries.map((e) => [e.name, e.mode.toString(8)])).toEqual([
    ["bin", "40755"],
    ["init", "100755"],
    ["bin/sh", "120777"],
    ["dev/console", "20600"],
    ["odd", "100644"],
  ]);
  expect(entries[1]!.data.toString()).toBe("#!/bin/sh\n");
  expect(entries[2]!.data.toString()).toBe("busybox");
  expect(entries[3]!.rdev).toEqual([5, 1]);
  expect(entries[4]!.data.toString()).toBe("abcde");
  expect(() => cpioNewc([{ type: "dir", name: "/" }])).toThrow(/bad cpio entry name/);
});

test("module dependencies come from the .modinfo depends= string", () => {
  const ko = Buffer.concat([
    Buffer.from("\x7fELF...license=GPL\0depends=virtio,virtio_ring\0vermagic=6.1\0"),
  ]);
  expect(moduleDepends(ko)).toEqual(["virtio", "virtio_ring"]);
  expect(moduleDepends(Buffer.from("\0depends=\0"))).toEqual([]);
  expect(moduleDepends(Buffer.from("no modinfo"))).toEqual([]);
});

test("load order puts every module after its dependencies, once; a cycle is an error", () => {
  const deps: Record<string, string[]> = {
    virtio_net: ["net_failover", "virtio", "virtio_ring"],
    net_failover: ["failover"],
    virtio_blk: ["virtio", "virtio_ring"],
    virtio_pci: ["virtio_pci_modern_dev", "virtio", "virtio_ring"],
  };
  const order = loadOrder(["virtio_pci", "virtio-net", "virtio_blk"], (n) => deps[n] ?? []);
  expect(new Set(order).size).toBe(order.length);
  for (const [m, ds] of Object.entries(deps))
    for (const d of ds) expect(order.indexOf(d)).toBeLessThan(order.indexOf(m));
  expect(() => loadOrder(["a"], (n) => (n === "a" ? ["b"] : ["a"]))).toThrow(/cycle: a → b → a/);
});

test("a static ELF has no PT_INTERP program header", () => {
  const elf = (types: number[]) => {
    const b = Buffer.alloc(64 + types.length * 56);
    b.writeUInt32BE(0x7f454c46, 0);
    b[4] = 2;
    b.writeBigUInt64LE(64n, 0x20);
    b.writeUInt16LE(56, 0x36);
    b.writeUInt16LE(types.length, 0x38);
    for (const [i, t] of types.entries()) b.writeUInt32LE(t, 64 + i * 56);
    return b;
  };
  expect(isStaticElf(elf([1, 1, 4]))).toBe(true);
  expect(isStaticElf(elf([6, 3, 1]))).toBe(false);
  expect(isStaticElf(Buffer.from("#!/bin/sh"))).toBe(false);
});
