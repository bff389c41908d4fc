import { imageFromVolume, imageVolumeName } from "../../../backend/libvirt/images";
import {
  DEFAULT_VM_PREFIX,
  diskVolumeName,
  domainName,
  parseDomainName,
  parseVmVolumeName,
  seedVolumeName,
} from "../../../backend/libvirt/naming";
import fc from "fast-check";

describe("VM object names", () => {
  test("round trip for disks and seeds", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,30}$/), fc.nat({ max: 9 }), (id, n) => {
        expect(parseVmVolumeName("p-", diskVolumeName("p-", id, n))).toEqual({
          vmId: id,
          kind: "disk",
          index: n,
        });
        expect(parseVmVolumeName("p-", seedVolumeName("p-", id))).toEqual({
          vmId: id,
          kind: "seed",
          index: 0,
        });
        expect(parseDomainName("p-", domainName("p-", id))).toBe(id);
      }),
    );
  });

  test("other prefixes, base images and foreign names are not ours", () => {
    expect(parseVmVolumeName("p-", "q-vm1-disk0.qcow2")).toBeNull();
    expect(parseVmVolumeName("p-", "p-vm1.qcow2")).toBeNull();
    expect(parseVmVolumeName(DEFAULT_VM_PREFIX, imageVolumeName("jammy", "ubuntu", "qcow2"))).toBeNull();
    expect(parseDomainName("p-", "windows-dc")).toBeNull();
    expect(() => domainName("p-", "a.b")).toThrow(expect.objectContaining({ code: "INVALID_NAME" }));
  });
});

describe("base image volume names", () => {
  test("carry name, os and format", () => {
    const v = imageVolumeName("win2022-std", "windows", "qcow2");
    expect(v).toBe("fibrix-image.windows.win2022-std.qcow2");
    expect(imageFromVolume({ name: v, capacityBytes: 42 })).toEqual({
      name: "win2022-std",
      os: "windows",
      format: "qcow2",
      sizeBytes: 42,
      volume: v,
    });
  });

  test("names with dots round trip (os and format never hold one)", () => {
    const v = imageVolumeName("ubuntu-24.04", "ubuntu", "qcow2");
    expect(v).toBe("fibrix-image.ubuntu.ubuntu-24.04.qcow2");
    expect(imageFromVolume({ name: v, capacityBytes: 7 })).toMatchObject({
      name: "ubuntu-24.04",
      os: "ubuntu",
      format: "qcow2",
    });
    expect(
      imageFromVolume({ name: imageVolumeName("bookworm", "debian", "raw"), capacityBytes: 1 }),
    ).toMatchObject({ name: "bookworm", os: "debian", format: "raw" });
  });

  test("reject what would not round trip", () => {
    for (const bad of ["a/b", ".hidden", "", "x".repeat(65), "sp ace"]) {
      expect(() => imageVolumeName(bad, "ubuntu", "qcow2")).toThrow(
        expect.objectContaining({ code: "INVALID_IMAGE" }),
      );
    }
    expect(imageFromVolume({ name: "fibrix-image.beos.x.qcow2", capacityBytes: 1 })).toBeNull();
    expect(imageFromVolume({ name: "random.qcow2", capacityBytes: 1 })).toBeNull();
  });
});
