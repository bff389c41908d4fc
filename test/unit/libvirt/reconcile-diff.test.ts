import { type VmRecord, diff } from "../../../backend/libvirt/reconcile";
import type { DomainSummary, VolumeSummary } from "../../../backend/libvirt/vm-host";

const P = "t1-";

function dom(name: string, over: Partial<DomainSummary> = {}): DomainSummary {
  const id = name.slice(P.length);
  return {
    name,
    uuid: `uuid-${name}`,
    state: "running",
    vcpus: 1,
    maxVcpus: 2,
    memoryMiB: 128,
    maxMemoryMiB: 256,
    disks: [
      { device: "disk", type: "volume", pool: "p", volume: `${name}-disk0.qcow2` },
      { device: "cdrom", type: "volume", pool: "p", volume: `${name}-seed.iso` },
    ],
    meta: { id, tenant: "acme" },
    ...over,
  };
}

function vol(name: string, capacityBytes = 1 << 30): VolumeSummary {
  return { name, path: `/pool/${name}`, format: "qcow2", capacityBytes, allocationBytes: 0 };
}

function rec(id: string, over: Partial<VmRecord> = {}): VmRecord {
  return { id, tenant: "acme", vcpus: 1, memoryMiB: 128, powerState: "on", ...over };
}

describe("reconcile diff", () => {
  test("in sync: nothing to report", () => {
    const d = diff(
      [rec("a")],
      { domains: [dom("t1-a")], volumes: [vol("t1-a-disk0.qcow2"), vol("t1-a-seed.iso")] },
      { prefix: P },
    );
    expect(d).toEqual({
      orphanDomains: [],
      orphanVolumes: [],
      missingDomains: [],
      drifted: [],
      unmanaged: [],
    });
  });

  test("orphans, missing and drift", () => {
    const d = diff(
      [rec("a", { vcpus: 2, diskBytes: 2 << 30 }), rec("b"), rec("c", { powerState: "off" })],
      {
        domains: [dom("t1-a"), dom("t1-c"), dom("t1-x")],
        volumes: [
          vol("t1-a-disk0.qcow2"),
          vol("t1-x-disk0.qcow2"),
          vol("t1-y-seed.iso"),
          vol("t1-c-disk0.qcow2"),
        ],
      },
      { prefix: P },
    );
    expect(d.orphanDomains.map((x) => x.name)).toEqual(["t1-x"]);
    // t1-x's disk belongs to an orphan domain; t1-y's seed to nobody.
    expect(d.orphanVolumes.map((v) => v.name)).toEqual(["t1-x-disk0.qcow2", "t1-y-seed.iso"]);
    expect(d.missingDomains.map((r) => r.id)).toEqual(["b"]);
    expect(d.drifted).toEqual([
      { id: "a", domain: "t1-a", field: "vcpus", expected: 2, actual: 1 },
      { id: "a", domain: "t1-a", field: "diskBytes", expected: 2 << 30, actual: 1 << 30 },
      { id: "c", domain: "t1-c", field: "powerState", expected: "off", actual: "on" },
    ]);
  });

  test("only objects with our prefix and metadata count", () => {
    const d = diff(
      [],
      {
        domains: [
          dom("t2-z"), // another prefix (another test, another region)
          { ...dom("t1-nometa"), meta: undefined }, // our prefix, not our metadata
          { ...dom("windows-dc"), meta: undefined }, // the operator's own VM
        ],
        volumes: [
          vol("t2-z-disk0.qcow2"),
          vol("fibrix-image.ubuntu.jammy.qcow2"),
          vol("t1-nometa-disk0.qcow2"),
        ],
      },
      { prefix: P },
    );
    expect(d.orphanDomains).toEqual([]);
    expect(d.unmanaged).toEqual(["t1-nometa"]);
    // Named like ours but in use by a domain we do not manage: never an orphan.
    expect(d.orphanVolumes).toEqual([]);
  });

  test("a volume used by any kept domain is not an orphan, even by path", () => {
    const user = {
      ...dom("other"),
      meta: undefined,
      disks: [{ device: "disk", type: "file", file: "/pool/t1-q-disk0.qcow2" }],
    };
    const d = diff([], { domains: [user], volumes: [vol("t1-q-disk0.qcow2")] }, { prefix: P });
    expect(d.orphanVolumes).toEqual([]);
  });
});
