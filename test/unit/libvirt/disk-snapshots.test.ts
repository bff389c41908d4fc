import { backupXml, parseJobStats } from "../../../backend/libvirt/disk-backup";
import {
  assertSnapshotTag,
  blockNodeOf,
  isMissingSnapshot,
  redefineXml,
  vmDisk,
} from "../../../backend/libvirt/disk-snapshots";

// query-block as QEMU 7.2 answered it under libvirt 9.0 (captured here: a VM disk and its seed cdrom).
const QUERY_BLOCK = JSON.stringify({
  return: [
    {
      device: "",
      qdev: "/machine/peripheral/virtio-disk0/virtio-backend",
      inserted: {
        file: "/pool/vm-disk0.qcow2",
        "node-name": "libvirt-2-format",
        drv: "qcow2",
        image: { snapshots: [{ id: "1", name: "snp_0123456789abcdef" }] },
      },
    },
    {
      device: "",
      qdev: "ide0-1-0",
      inserted: { file: "/pool/vm-seed.iso", "node-name": "libvirt-1-format", drv: "raw", image: {} },
    },
    { device: "", qdev: "floppy" },
  ],
});

test("the block node of a disk, and its internal snapshots, from query-block", () => {
  expect(blockNodeOf(QUERY_BLOCK, "/pool/vm-disk0.qcow2")).toEqual({
    node: "libvirt-2-format",
    snapshots: ["snp_0123456789abcdef"],
  });
  expect(blockNodeOf(QUERY_BLOCK, "/pool/vm-seed.iso")).toEqual({ node: "libvirt-1-format", snapshots: [] });
  expect(blockNodeOf(QUERY_BLOCK, "/elsewhere.qcow2")).toBeNull();
  expect(blockNodeOf('{"return":[]}', "/x")).toBeNull();
});

test("snapshot tags are region ids only (they reach virsh and QMP)", () => {
  expect(() => assertSnapshotTag("snp_0123456789abcdef")).not.toThrow();
  for (const bad of [
    "",
    "x",
    "snp_0123",
    "snp_0123456789abcdef;rm",
    "../snp_0123456789abcdef",
    "SNP_0123456789ABCDEF",
  ])
    expect(() => assertSnapshotTag(bad)).toThrow(/invalid snapshot tag/);
});

test("the VM disk is the first pool-volume disk, not the cdrom", () => {
  const d = {
    name: "vm",
    disks: [
      { device: "cdrom", type: "volume", pool: "p", volume: "seed.iso", target: "hdc" },
      { device: "disk", type: "volume", pool: "p", volume: "disk0.qcow2", target: "vda" },
    ],
  };
  expect(vmDisk(d)).toEqual({ target: "vda", pool: "p", volume: "disk0.qcow2" });
  expect(() => vmDisk({ name: "vm", disks: [d.disks[0]!] })).toThrow(/no pool volume disk/);
});

test("redefine XML: shut off, the disk internal, other targets left out, the domain inside", () => {
  const dom =
    "<domain type='qemu'><name>vm</name><devices><disk><target dev='vda' bus='virtio'/></disk><disk><target dev='hdc' bus='ide'/></disk></devices></domain>";
  const xml = redefineXml("snp_0123456789abcdef", "vda", dom, new Date("2026-12-03T00:00:00Z"));
  expect(xml).toContain("<name>snp_0123456789abcdef</name>");
  expect(xml).toContain("<creationTime>1796256000</creationTime>");
  expect(xml).toContain("<state>shutoff</state>");
  expect(xml).toContain(
    "<disks><disk name='vda' snapshot='internal'/><disk name='hdc' snapshot='no'/></disks>",
  );
  expect(xml).toContain(dom);
  expect(() => redefineXml("bad tag", "vda", dom, new Date())).toThrow();
});

test("missing-snapshot messages of qemu-img and libvirt", () => {
  expect(isMissingSnapshot("qemu-img: Could not delete snapshot 'x': Can't find the snapshot")).toBe(true);
  expect(isMissingSnapshot("Domain snapshot not found: no domain snapshot with matching name 'x'")).toBe(
    true,
  );
  expect(isMissingSnapshot("Permission denied")).toBe(false);
});

test("domjobinfo --rawstats of a backup job (libvirt 9.0, captured here)", () => {
  expect(
    parseJobStats("Job type: 2\n\noperation: 9\ndisk_total: 134217728\ndisk_processed: 65536\n"),
  ).toEqual({ type: 2, processed: 65536, total: 134217728 });
  expect(
    parseJobStats(
      "Job type: 3\n\noperation: 9\ntime_elapsed: 27\ndisk_total: 134217728\ndisk_processed: 134217728\ndisk_remaining: 0\nsuccess: 1\n",
    ),
  ).toEqual({
    type: 3,
    processed: 134217728,
    total: 134217728,
  });
  expect(parseJobStats("Job type: 4\nerrmsg: No space left on device\n")).toEqual({
    type: 4,
    processed: 0,
    total: 0,
    error: "No space left on device",
  });
  expect(parseJobStats("Job type: 0\n\n").type).toBe(0);
});

test("push-mode backup XML: one disk, the others left out, the path escaped", () => {
  expect(backupXml("vda", "/p/a'b.qcow2", ["hdc"])).toBe(
    "<domainbackup mode='push'><disks><disk name='vda' type='file'><target file='/p/a&apos;b.qcow2'/><driver type='qcow2'/></disk><disk name='hdc' backup='no'/></disks></domainbackup>",
  );
});
