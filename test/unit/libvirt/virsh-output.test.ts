import {
  kibFieldToMiB,
  parseDomifaddr,
  parseDomstatsStates,
  parseKeyValues,
  parseTable,
} from "../../../backend/libvirt/virsh-output";
import { parseVolumeXml } from "../../../backend/libvirt/vm-host";

// Output captured from virsh 9.0.0.
const VOL_LIST = ` Name                      Path
----------------------------------------------------------
 base.qcow2                /tmp/lvx/pool/base.qcow2
 my disk with spaces.raw   /tmp/lvx/pool/my disk with spaces.raw

`;

const DOMIFADDR = ` Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 vnet0      52:54:00:AB:cd:ef    ipv4         192.0.2.15/24
 -          -                    ipv6         2001:db8::15/64
 vnet1      52:54:00:00:00:02    ipv4         198.51.100.7/25
`;

const DOMSTATS = `Domain: 'lvx-vm1'
  state.state=1
  state.reason=1

Domain: 'it's off'
  state.state=5
  state.reason=0

`;

const NODEINFO = `CPU model:           x86_64
CPU(s):              2
CPU frequency:       2096 MHz
Memory size:         5596960 KiB
`;

const VOL_XML = `<volume type='file'>
  <name>vm1.qcow2</name>
  <key>/tmp/lvx/pool/vm1.qcow2</key>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>204800</allocation>
  <target><path>/tmp/lvx/pool/vm1.qcow2</path><format type='qcow2'/></target>
  <backingStore><path>/tmp/lvx/pool/base.qcow2</path><format type='qcow2'/></backingStore>
</volume>`;

describe("virsh output parsers", () => {
  test("tables are sliced at the header's column offsets (names may hold spaces)", () => {
    expect(parseTable(VOL_LIST)).toEqual([
      { Name: "base.qcow2", Path: "/tmp/lvx/pool/base.qcow2" },
      { Name: "my disk with spaces.raw", Path: "/tmp/lvx/pool/my disk with spaces.raw" },
    ]);
    expect(parseTable(" Name   Path\n------------\n\n")).toEqual([]);
    expect(parseTable("")).toEqual([]);
  });

  test("domifaddr continuation rows inherit the interface and MAC", () => {
    expect(parseDomifaddr(DOMIFADDR)).toEqual([
      { interface: "vnet0", mac: "52:54:00:ab:cd:ef", protocol: "ipv4", address: "192.0.2.15", prefix: 24 },
      { interface: "vnet0", mac: "52:54:00:ab:cd:ef", protocol: "ipv6", address: "2001:db8::15", prefix: 64 },
      { interface: "vnet1", mac: "52:54:00:00:00:02", protocol: "ipv4", address: "198.51.100.7", prefix: 25 },
    ]);
  });

  test("domstats states by enum value", () => {
    const m = parseDomstatsStates(DOMSTATS);
    expect([...m.entries()]).toEqual([
      ["lvx-vm1", "running"],
      ["it's off", "shutoff"],
    ]);
  });

  test("nodeinfo key/values and KiB fields", () => {
    const kv = parseKeyValues(NODEINFO);
    expect(kv.get("CPU(s)")).toBe("2");
    expect(kibFieldToMiB(kv.get("Memory size"))).toBe(5465);
    expect(kibFieldToMiB(undefined)).toBe(0);
  });

  test("volume XML with a backing store", () => {
    expect(parseVolumeXml(VOL_XML)).toEqual({
      name: "vm1.qcow2",
      path: "/tmp/lvx/pool/vm1.qcow2",
      format: "qcow2",
      capacityBytes: 1073741824,
      allocationBytes: 204800,
      backingPath: "/tmp/lvx/pool/base.qcow2",
    });
  });
});
