/**
 * `fibrix lab libvirtd` as a process: a private libvirtd in the directory given, answering on
 * its own socket (with /dev/kvm hidden where unusable, later calls take ~10 ms, not the 4 s of
 * libvirt's re-probing), keeping what was defined across restarts, and stopped by its pid on
 * SIGINT. The default libvirtd socket is never touched.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, removePrivateLibvirtd } from "../../../backend/lab/private-libvirtd";

const ROOT = join(__dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "fibrix-lab-libvirtd-"));

function virsh(uri: string, ...args: string[]): Promise<{ ok: boolean; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) =>
    execFile("virsh", ["-c", uri, ...args], { timeout: 120_000, encoding: "utf8" }, (err, stdout, stderr) =>
      resolve({ ok: !err, out: err ? stderr : stdout, ms: Date.now() - t0 }),
    ),
  );
}

/** Starts the command; resolves with its URI and a stop() that sends SIGINT and waits for exit. */
async function startLab(): Promise<{ uri: string; pid: number; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/fibrix.js"), "lab", "libvirtd", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let out = "";
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URI within 10 min: ${out}`)), 600_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /virsh -c '([^']+)'/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const pid = Number(/libvirtd (\d+) up/.exec(out)?.[1]);
  return {
    uri,
    pid,
    stop: async () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}

afterAll(async () => {
  await removePrivateLibvirtd(dir);
});

test("serves its own socket, keeps definitions across restarts, stops its daemon on SIGINT", async () => {
  const first = await startLab();
  expect(first.uri).toBe(`qemu:///system?socket=${dir}/run/libvirt-sock`);
  const calls = [];
  for (let i = 0; i < 3; i++) calls.push(await virsh(first.uri, "version"));
  expect(calls.every((c) => c.ok)).toBe(true);
  console.log(`private libvirtd: virsh version ${calls.map((c) => `${c.ms} ms`).join(", ")}`);
  const xml = join(dir, "d.xml");
  writeFileSync(
    xml,
    "<domain type='qemu'><name>fibrix-lab-keep</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>" +
      "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
  );
  expect((await virsh(first.uri, "define", xml)).ok).toBe(true);
  expect(await first.stop()).toBe(0);
  expect(alive(first.pid)).toBe(false);

  const second = await startLab();
  expect((await virsh(second.uri, "list", "--all", "--name")).out).toContain("fibrix-lab-keep");
  expect(await second.stop()).toBe(0);
  expect(alive(second.pid)).toBe(false);
}, 900_000);
