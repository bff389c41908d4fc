/**
 * Builds the ephemeral commissioning/deploy environment from Debian packages, at setup or test
 * time (nothing is downloaded from anywhere else):
 * - the kernel: this machine's /boot/vmlinuz-* with its /lib/modules, or else Debian's
 *   `linux-image-cloud-amd64` fetched with `apt-get download` and unpacked with `dpkg-deb -x`
 *   into the cache (no install, no initramfs hooks run on the rack);
 * - an initramfs written here (cpio-newc.ts): static busybox (`busybox-static`), /init
 *   (ephemeral-init.ts) and the few modules a virtio or e1000 machine needs to reach the rack.
 * Artefacts are cached under `cacheDir/env-<hash of inputs>/`, so a second build is instant.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BootError } from "./boot-error";
import { type CpioEntry, cpioNewc } from "./cpio-newc";
import { INIT_SCRIPT, UDHCPC_SCRIPT } from "./ephemeral-init";
import { loadOrder, moduleDepends } from "./kernel-modules";

/** Drivers a PE860 (Broadcom tg3) or a lab VM (virtio, e1000) needs for its NIC and disk. */
export const WANTED_MODULES = [
  "virtio_pci",
  "virtio_net",
  "virtio_blk",
  "e1000",
  "tg3",
  "ata_piix",
  "sd_mod",
];
export const KERNEL_PACKAGE = "linux-image-cloud-amd64";

export interface EphemeralEnv {
  dir: string;
  kernel: string;
  initrd: string;
  kernelVersion: string;
  modules: string[];
}

export interface BuildOptions {
  cacheDir: string;
  busybox?: string;
  /** Use this kernel tree (a root with boot/vmlinuz-* and lib/modules/*) instead of looking. */
  kernelRoot?: string;
  log?: (msg: string) => void;
  /**
   * Another /init and module list on the same kernel and busybox: other small guests built the
   * same way (the tenant-network test's VMs). Default: the commissioning/deploy environment.
   */
  init?: string;
  modules?: readonly string[];
}

function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new BootError(
            "BOOT_ENV_BUILD_FAILED",
            `${cmd} ${args.join(" ")}: ${String(stderr || err.message)
              .trim()
              .slice(0, 2000)}`,
          ),
        );
      } else resolve(stdout);
    });
  });
}

interface KernelTree {
  vmlinuz: string;
  version: string;
  modulesDir: string;
}

function kernelIn(root: string): KernelTree | undefined {
  const boot = join(root, "boot");
  if (!existsSync(boot)) return undefined;
  const versions = readdirSync(boot)
    .filter((f) => f.startsWith("vmlinuz-"))
    .map((f) => f.slice("vmlinuz-".length))
    .filter((v) => existsSync(join(root, "lib/modules", v, "kernel")))
    .sort();
  const version = versions[versions.length - 1];
  if (!version) return undefined;
  return {
    vmlinuz: join(boot, `vmlinuz-${version}`),
    version,
    modulesDir: join(root, "lib/modules", version),
  };
}

/** This machine's kernel, or a cached unpacked Debian kernel package, or fetch one with apt. */
export async function locateKernel(
  cacheDir: string,
  log: (m: string) => void = () => {},
): Promise<KernelTree> {
  const local = kernelIn("/");
  if (local) {
    try {
      readFileSync(local.vmlinuz, { flag: "r" }).subarray(0, 1);
      return local;
    } catch {
      /* unreadable (not root): fall through to the package */
    }
  }
  const root = join(cacheDir, "kernel-root");
  const cached = kernelIn(root);
  if (cached) return cached;
  log(`fetching the ${KERNEL_PACKAGE} package with apt-get download`);
  const deps = await run("apt-cache", ["depends", KERNEL_PACKAGE]).catch(() => "");
  const pkg = /Depends:\s*(linux-image-[0-9][^\s]*)/.exec(deps)?.[1];
  if (!pkg) {
    throw new BootError(
      "BOOT_KERNEL_MISSING",
      `no kernel on this machine and apt knows no ${KERNEL_PACKAGE} (run apt-get update, or install linux-image-amd64)`,
    );
  }
  const debs = join(cacheDir, "debs");
  mkdirSync(debs, { recursive: true });
  chmodSync(debs, 0o777); // apt-get download drops to the _apt user when it can
  await run("apt-get", ["download", pkg], debs);
  const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (!deb) throw new BootError("BOOT_KERNEL_MISSING", `apt-get download ${pkg} left no .deb`);
  const tmp = `${root}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await run("dpkg-deb", ["-x", join(debs, deb), tmp]);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  const tree = kernelIn(root);
  if (!tree) throw new BootError("BOOT_KERNEL_MISSING", `${deb} holds no kernel`);
  return tree;
}

/** True when the ELF file has no program interpreter (PT_INTERP), i.e. runs without a libc. */
export function isStaticElf(bin: Uint8Array): boolean {
  const b = Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false; // ELF64 only
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (b.readUInt32LE(at) === 3) return false; // PT_INTERP
  }
  return true;
}

function indexModules(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) indexModules(p, out);
    else if (e.name.endsWith(".ko")) out.set(e.name.slice(0, -3).replace(/-/g, "_"), p);
  }
  return out;
}

export async function buildEphemeralEnv(o: BuildOptions): Promise<EphemeralEnv> {
  const log = o.log ?? (() => {});
  mkdirSync(o.cacheDir, { recursive: true });
  const kernel = o.kernelRoot ? kernelIn(o.kernelRoot) : await locateKernel(o.cacheDir, log);
  if (!kernel) throw new BootError("BOOT_KERNEL_MISSING", `no kernel under ${o.kernelRoot}`);
  const busyboxPath = o.busybox ?? "/bin/busybox";
  if (!existsSync(busyboxPath)) {
    throw new BootError("BOOT_ENV_BUILD_FAILED", `${busyboxPath} is missing: install busybox-static`);
  }
  const busybox = readFileSync(busyboxPath);
  if (!isStaticElf(busybox)) {
    throw new BootError("BOOT_ENV_BUILD_FAILED", `${busyboxPath} is not static: install busybox-static`);
  }
  const index = indexModules(join(kernel.modulesDir, "kernel"));
  const init = o.init ?? INIT_SCRIPT;
  const present = (o.modules ?? WANTED_MODULES).filter((m) => index.has(m));
  const order = loadOrder(present, (name) => {
    const p = index.get(name);
    return p ? moduleDepends(readFileSync(p)) : [];
  }).filter((m) => index.has(m));

  const hash = createHash("sha256")
    .update(init)
    .update(UDHCPC_SCRIPT)
    .update(busybox)
    .update(`${kernel.vmlinuz}:${statSync(kernel.vmlinuz).size}:${order.join(",")}`)
    .digest("hex")
    .slice(0, 16);
  const dir = join(o.cacheDir, `env-${hash}`);
  const env: EphemeralEnv = {
    dir,
    kernel: join(dir, "kernel"),
    initrd: join(dir, "initrd"),
    kernelVersion: kernel.version,
    modules: order,
  };
  if (existsSync(env.kernel) && existsSync(env.initrd)) return env;

  log(`building the ephemeral environment (kernel ${kernel.version}, modules ${order.join(" ")})`);
  const entries: CpioEntry[] = [
    ...["bin", "dev", "proc", "sys", "tmp", "run", "etc", "lib", "lib/modules"].map(
      (name) => ({ type: "dir", name }) satisfies CpioEntry,
    ),
    { type: "chardev", name: "dev/console", major: 5, minor: 1 },
    { type: "file", name: "bin/busybox", data: busybox, mode: 0o755 },
    { type: "symlink", name: "bin/sh", target: "busybox" },
    { type: "file", name: "init", data: Buffer.from(init), mode: 0o755 },
    { type: "file", name: "etc/udhcpc.script", data: Buffer.from(UDHCPC_SCRIPT), mode: 0o755 },
    ...order.map(
      (m) =>
        ({
          type: "file",
          name: `lib/modules/${m}.ko`,
          data: readFileSync(index.get(m)!),
        }) satisfies CpioEntry,
    ),
    { type: "file", name: "lib/modules/order", data: Buffer.from(`${order.join("\n")}\n`) },
  ];
  const tmp = `${dir}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "initrd"), gzipSync(cpioNewc(entries), { level: 6 }));
  copyFileSync(kernel.vmlinuz, join(tmp, "kernel"));
  for (const f of ["initrd", "kernel"]) chmodSync(join(tmp, f), 0o644);
  chmodSync(tmp, 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return env;
}

/** `node dist/backend/rack/boot/ephemeral-env.js [cacheDir]` (scripts/build-ephemeral.sh). */
if (require.main === module) {
  const cacheDir = process.argv[2] ?? join(process.cwd(), ".data/boot");
  buildEphemeralEnv({ cacheDir, log: (m) => console.log(`build-ephemeral: ${m}`) }).then(
    (env) => console.log(`build-ephemeral: kernel ${env.kernel}\nbuild-ephemeral: initrd ${env.initrd}`),
    (e: unknown) => {
      console.error(`build-ephemeral: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
