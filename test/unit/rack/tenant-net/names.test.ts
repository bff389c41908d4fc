import type { Segment } from "../../../../sdk/schema/tenant-network-payload";
import {
  bridgeName,
  parseLinkName,
  segmentDeviceName,
  tapName,
} from "../../../../backend/rack/tenant-net/names";

describe("tenant-net names", () => {
  const segments: Segment[] = [
    { kind: "vxlan", vni: 1 },
    { kind: "vxlan", vni: 0xa1 },
    { kind: "vxlan", vni: 16777215 },
    { kind: "vlan", vlanId: 1 },
    { kind: "vlan", vlanId: 4094 },
  ];

  it.each(segments)("names of %o fit IFNAMSIZ and parse back", (s) => {
    for (const [name, role] of [
      [bridgeName(s), "bridge"],
      [segmentDeviceName(s), "segment"],
    ] as const) {
      expect(name.length).toBeLessThanOrEqual(15);
      expect(name.startsWith("fx")).toBe(true);
      expect(parseLinkName(name)).toEqual({ role, segment: s });
    }
  });

  it("gives distinct names to distinct segments", () => {
    const names = segments.flatMap((s) => [bridgeName(s), segmentDeviceName(s)]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("names a tap by its MAC (lower case, 15 characters) and parses it back", () => {
    expect(tapName("52:54:00:0A:00:01")).toBe("fxt5254000a0001");
    expect(tapName("52:54:00:0a:00:01").length).toBe(15);
    expect(parseLinkName("fxt5254000a0001")).toEqual({ role: "tap", mac: "52:54:00:0a:00:01" });
  });

  it("refuses a malformed MAC", () => {
    expect(() => tapName("52:54:00:0a:00")).toThrow(/invalid MAC/);
    expect(() => tapName("52-54-00-0a-00-01")).toThrow(/invalid MAC/);
  });

  it("does not claim names that are not ours", () => {
    for (const n of [
      "eth0",
      "lo",
      "virbr0",
      "vnet3",
      "fxb",
      "fxbzz",
      "fxt123",
      "fxb1234567",
      "fxbl12345",
      "br-fxb1",
    ]) {
      expect(parseLinkName(n)).toBeNull();
    }
  });
});
