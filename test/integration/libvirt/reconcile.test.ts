/**
 * The reconciler against a real libvirtd: objects made out of band (an orphan volume, an
 * orphan domain with our metadata) are found and cleaned; a domain of someone else's is
 * never touched; an unreachable host is reported, not thrown.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeVm } from "../../../backend/libvirt/compose";
import { buildDomainXml } from "../../../backend/libvirt/domain-xml";
import { importImage } from "../../../backend/libvirt/images";
import { reconcileHost } from "../../../backend/libvirt/reconcile";
import { VirshVmHost } from "../../../backend/libvirt/vm-host";
import {
  type LibvirtdHandle,
  type TestPool,
  acquireLibvirtd,
  createTestPool,
  leftovers,
  virshSys,
} from "../../helpers/libvirtd";

jest.setTimeout(180_000);

const PREFIX = `fbxr${randomBytes(3).toString("hex")}-`;
let daemon: LibvirtdHandle;
let pool: TestPool;
let host: VirshVmHost;
let work: string;

beforeAll(async () => {
  daemon = await acquireLibvirtd();
  pool = await createTestPool(PREFIX);
  host = new VirshVmHost({ uri: daemon.uri, pool: pool.name });
  work = mkdtempSync(join(tmpdir(), `${PREFIX}work-`));
  const img = join(work, "tiny.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", img, "64M"]);
  await importImage(host, { name: "tiny", os: "other", path: img });
});

afterAll(async () => {
  await pool?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("finds and cleans orphans made out of band, keeps what is expected and what is not ours", async () => {
  // Expected: a VM the region knows about.
  await composeVm(
    host,
    { id: "keep", tenant: "acme", hostname: "keep", image: "tiny", vcpus: 1, memoryMiB: 128 },
    { prefix: PREFIX },
  );
  // Out of band: a volume named like ours for a VM the region does not know …
  await virshSys(["vol-create-as", pool.name, `${PREFIX}ghost-disk0.qcow2`, "16M", "--format", "qcow2"]);
  // … a domain with our metadata and prefix, defined but never in the region …
  const orphanXml = join(work, "orphan.xml");
  writeFileSync(
    orphanXml,
    buildDomainXml({
      name: `${PREFIX}lost`,
      vcpus: 1,
      memoryMiB: 128,
      disk: { pool: pool.name, volume: `${PREFIX}lost-disk0.qcow2`, format: "qcow2" },
      meta: { id: "lost", tenant: "acme" },
    }),
  );
  await virshSys(["vol-create-as", pool.name, `${PREFIX}lost-disk0.qcow2`, "16M", "--format", "qcow2"]);
  await virshSys(["define", orphanXml]);
  // … and an operator's domain with our prefix but no fibrix metadata: never ours to clean.
  const foreignXml = join(work, "foreign.xml");
  writeFileSync(
    foreignXml,
    `<domain type='qemu'><name>${PREFIX}operator</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`,
  );
  await virshSys(["define", foreignXml]);

  const expected = [{ id: "keep", tenant: "acme", vcpus: 2, memoryMiB: 128, powerState: "on" as const }];

  const t0 = Date.now();
  const report = await reconcileHost(host, expected, { prefix: PREFIX });
  console.log(`reconcileHost (report only, 3 domains, 5 volumes): ${Date.now() - t0} ms`);
  if (report.unreachable) throw new Error("host unexpectedly unreachable");
  expect(report.diff.orphanDomains.map((d) => d.name)).toEqual([`${PREFIX}lost`]);
  expect(report.diff.orphanVolumes.map((v) => v.name).sort()).toEqual([
    `${PREFIX}ghost-disk0.qcow2`,
    `${PREFIX}lost-disk0.qcow2`,
  ]);
  expect(report.diff.missingDomains).toEqual([]);
  expect(report.diff.drifted).toEqual([
    { id: "keep", domain: `${PREFIX}keep`, field: "vcpus", expected: 2, actual: 1 },
  ]);
  expect(report.diff.unmanaged).toEqual([`${PREFIX}operator`]);
  expect(report.cleaned).toEqual({ domains: [], volumes: [] });
  // Report only: everything still there.
  expect((await leftovers(PREFIX, pool.name)).length).toBe(7);

  const cleaned = await reconcileHost(host, expected, { prefix: PREFIX, clean: true });
  if (cleaned.unreachable) throw new Error("host unexpectedly unreachable");
  expect(cleaned.failures).toEqual([]);
  expect(cleaned.cleaned.domains).toEqual([`${PREFIX}lost`]);
  expect(cleaned.cleaned.volumes.sort()).toEqual([`${PREFIX}ghost-disk0.qcow2`, `${PREFIX}lost-disk0.qcow2`]);
  expect((await leftovers(PREFIX, pool.name)).sort()).toEqual(
    [`${PREFIX}keep`, `${PREFIX}keep-disk0.qcow2`, `${PREFIX}keep-seed.iso`, `${PREFIX}operator`].sort(),
  );

  // A VM the region expects but the host lost is reported missing.
  const again = await reconcileHost(host, [...expected, { ...expected[0]!, id: "gone" }], { prefix: PREFIX });
  if (again.unreachable) throw new Error("host unexpectedly unreachable");
  expect(again.diff.missingDomains.map((r) => r.id)).toEqual(["gone"]);
  expect(again.diff.orphanDomains).toEqual([]);
  expect(again.diff.orphanVolumes).toEqual([]);
});

test("an unreachable host is a result, not a throw", async () => {
  const dead = new VirshVmHost({
    uri: "qemu+unix:///system?socket=/nonexistent/fibrix-libvirt.sock",
    pool: "x",
  });
  const r = await reconcileHost(dead, [], { clean: true });
  expect(r).toMatchObject({ unreachable: true, code: "UNREACHABLE" });
});
