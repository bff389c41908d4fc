import { memoryMiB, parseEnvReport, toCommissioningReport } from "../../../backend/rack/boot/env-report";
import { installedMemoryMiB, memoryDeviceMiB } from "../../../backend/rack/boot/smbios-memory";

/** A type-17 structure (DSP0134 §7.18) of `len` formatted bytes with Size and Extended Size set. */
function dimm(size: number, ext = 0, len = 0x28): Uint8Array {
  const b = new Uint8Array(len);
  b[0] = 17;
  b[1] = len;
  b[0x0c] = size & 0xff;
  b[0x0d] = size >> 8;
  b[0x1c] = ext & 0xff;
  b[0x1d] = (ext >> 8) & 0xff;
  b[0x1e] = (ext >> 16) & 0xff;
  b[0x1f] = (ext >>> 24) & 0xff;
  return b;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("SMBIOS memory devices: MiB, KiB granularity, extended size, empty and unknown slots", () => {
  expect(memoryDeviceMiB(dimm(512))).toBe(512);
  expect(memoryDeviceMiB(dimm(0x8000 | 512))).toBe(0.5);
  expect(memoryDeviceMiB(dimm(0x7fff, 65536))).toBe(65536);
  expect(memoryDeviceMiB(dimm(0x7fff, 65536, 0x1c))).toBeUndefined(); // no room for Extended Size
  expect(memoryDeviceMiB(dimm(0))).toBe(0);
  expect(memoryDeviceMiB(dimm(0xffff))).toBeUndefined();
  expect(memoryDeviceMiB(new Uint8Array([16, 0x17]))).toBeUndefined();
  expect(installedMemoryMiB([dimm(4096), dimm(0), dimm(4096)])).toBe(8192); // a PE860 with 2 of 4 slots
  expect(installedMemoryMiB([dimm(0xffff)])).toBeUndefined();
});

const commission = {
  kind: "commission",
  ip: "10.77.0.113",
  cores: 2,
  cpuModel: " QEMU Virtual CPU version 2.5+ ",
  memTotalKiB: 480_000,
  e820Bytes: 536_333_312, // QEMU -m 512: 639 KiB + the RAM above 1 MiB below the ACPI tables
  dmi17: [],
  disks: [
    { name: "vda", sectors: 2_097_152 },
    { name: "loop0", sectors: 100 },
    { name: "sr0", sectors: 0 },
  ],
  nics: [
    { name: "lo", mac: "00:00:00:00:00:00" },
    { name: "eth0", mac: "52:54:00:77:00:10" },
  ],
  tests: [{ name: "memory", passed: true, detail: "8 MiB written and read back" }],
};

test("a commissioning post becomes the region's CommissioningReport", () => {
  const r = toCommissioningReport(parseEnvReport(commission, "commission"));
  expect(r).toEqual({
    inventory: {
      cores: 2,
      memoryMiB: 512,
      storage: [{ name: "vda", sizeGiB: 1 }],
      nics: [{ name: "eth0", mac: "52:54:00:77:00:10" }],
      cpuModel: "QEMU Virtual CPU version 2.5+",
    },
    tests: [{ name: "memory", passed: true, detail: "8 MiB written and read back" }],
  });
});

test("memory: SMBIOS DIMMs win over the firmware map, which wins over MemTotal", () => {
  const base = parseEnvReport(commission, "commission");
  expect(memoryMiB({ ...base, dmi17: [hex(dimm(8192))] })).toBe(8192);
  expect(memoryMiB(base)).toBe(512);
  expect(memoryMiB({ ...base, e820Bytes: 0 })).toBe(469);
});

test("an environment error becomes a failed test, so the region fails commissioning with the reason", () => {
  const r = toCommissioningReport(parseEnvReport({ ...commission, error: "no disk found" }, "commission"));
  expect(r.tests).toContainEqual({ name: "environment", passed: false, detail: "no disk found" });
});

test.each([
  ["not an object", "x", "commission"],
  ["a wrong kind for the URL", { ...commission }, "deploy"],
  ["a negative core count", { ...commission, cores: -1 }, "commission"],
  ["a huge field", { ...commission, cpuModel: "x".repeat(5000) }, "commission"],
])("a post with %s is refused", (_w, body, kind) => {
  expect(() => parseEnvReport(body, kind as "commission")).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_REPORT" }),
  );
});

test("a report without CPUs cannot be a commissioning report", () => {
  expect(() => toCommissioningReport(parseEnvReport({ ...commission, cores: 0 }, "commission"))).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_REPORT" }),
  );
});
