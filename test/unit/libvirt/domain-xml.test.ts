import fc from "fast-check";
import {
  FIBRIX_NS,
  type DomainSpec,
  DomainXmlError,
  buildDomainXml,
  parseDomainXml,
} from "../../../backend/libvirt/domain-xml";
import { INPUT_FILE, virsh } from "../../../backend/libvirt/virsh";

const base: DomainSpec = {
  name: "fbx-t1",
  vcpus: 1,
  maxVcpus: 4,
  memoryMiB: 128,
  maxMemoryMiB: 512,
  disk: { pool: "default-pool", volume: "fbx-t1-disk0.qcow2", format: "qcow2" },
  seed: { pool: "default-pool", volume: "fbx-t1-seed.iso" },
  nic: { bridge: "br0", mac: "52:54:00:AA:bb:cc" },
  guestAgent: true,
  meta: { id: "t1", tenant: 'acme & co <x> "q"' },
};

describe("buildDomainXml", () => {
  test("round trips through parseDomainXml", () => {
    const p = parseDomainXml(buildDomainXml(base));
    expect(p).toMatchObject({
      name: "fbx-t1",
      virtType: "qemu",
      vcpus: 1,
      maxVcpus: 4,
      memoryMiB: 128,
      maxMemoryMiB: 512,
      meta: { id: "t1", tenant: 'acme & co <x> "q"' },
    });
    expect(p.disks).toEqual([
      {
        device: "disk",
        type: "volume",
        pool: "default-pool",
        volume: "fbx-t1-disk0.qcow2",
        target: "vda",
        bus: "virtio",
      },
      {
        device: "cdrom",
        type: "volume",
        pool: "default-pool",
        volume: "fbx-t1-seed.iso",
        target: "hdc",
        bus: "ide",
      },
    ]);
    expect(p.interfaces).toEqual([
      { type: "bridge", mac: "52:54:00:aa:bb:cc", bridge: "br0", model: "virtio" },
    ]);
  });

  test("a NIC never PXE-boots: option ROM off, boot order only on disks", () => {
    const xml = buildDomainXml(base);
    expect(xml).toMatch(/<interface type="bridge">[\s\S]*<rom bar="off"\/>[\s\S]*<\/interface>/);
    const iface = /<interface[\s\S]*<\/interface>/.exec(xml)?.[0] ?? "";
    expect(iface).not.toContain("<boot");
    expect(xml).not.toContain('type="user"');
    expect(xml).not.toContain("network=");
  });

  test("no NIC and q35 put the cdrom on SATA", () => {
    const p = parseDomainXml(buildDomainXml({ ...base, nic: undefined, machine: "q35" }));
    expect(p.interfaces).toEqual([]);
    expect(p.disks[1]).toMatchObject({ device: "cdrom", bus: "sata" });
  });

  test("rejects a spec libvirt would reject or that makes no sense", () => {
    expect(() => buildDomainXml({ ...base, vcpus: 0 })).toThrow(DomainXmlError);
    expect(() => buildDomainXml({ ...base, maxVcpus: 0, vcpus: 2 })).toThrow(/maxVcpus/);
    expect(() => buildDomainXml({ ...base, maxMemoryMiB: 64 })).toThrow(/maxMemoryMiB/);
    expect(() => buildDomainXml({ ...base, name: "a/b" })).toThrow(/domain name/);
    expect(() => buildDomainXml({ ...base, nic: { bridge: "br0", mac: "zz" } })).toThrow(/MAC/);
    expect(() => buildDomainXml({ ...base, meta: { id: "a\nb", tenant: "t" } })).toThrow(/control/);
  });

  test("property: sizes, names and metadata survive build → parse", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/),
        fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => !/\p{Cc}/u.test(s)),
        fc.string({ maxLength: 40, unit: "grapheme" }).filter((s) => !/\p{Cc}/u.test(s)),
        (vcpus, extraV, mem, extraM, name, id, tenant) => {
          const spec: DomainSpec = {
            ...base,
            name,
            vcpus,
            maxVcpus: vcpus + extraV,
            memoryMiB: mem,
            maxMemoryMiB: mem + extraM,
            meta: { id, tenant },
          };
          const p = parseDomainXml(buildDomainXml(spec));
          expect(p.name).toBe(name);
          expect([p.vcpus, p.maxVcpus, p.memoryMiB, p.maxMemoryMiB]).toEqual([
            vcpus,
            vcpus + extraV,
            mem,
            mem + extraM,
          ]);
          expect(p.meta).toEqual({ id, tenant });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("parseDomainXml", () => {
  test("finds fibrix metadata under any prefix, ignores other namespaces", () => {
    const xml = `<domain type='kvm'><name>x</name><uuid>u-1</uuid>
      <metadata><other:vm xmlns:other="https://elsewhere/1" id="nope"/><f:vm xmlns:f="${FIBRIX_NS}" id="v9" tenant="t"/></metadata>
      <memory unit='GiB'>2</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>`;
    const p = parseDomainXml(xml);
    expect(p.meta).toEqual({ id: "v9", tenant: "t" });
    expect(p.uuid).toBe("u-1");
    expect([p.memoryMiB, p.maxMemoryMiB, p.vcpus, p.maxVcpus]).toEqual([2048, 2048, 2, 2]);
  });

  test("a domain that is not ours has no meta", () => {
    const p = parseDomainXml(
      "<domain type='qemu'><name>n</name><memory>1048576</memory><vcpu>1</vcpu></domain>",
    );
    expect(p.meta).toBeUndefined();
    expect(p.memoryMiB).toBe(1024);
  });

  test("garbage is a typed INVALID_XML", () => {
    expect(() => parseDomainXml("<nodomain/>")).toThrow(expect.objectContaining({ code: "INVALID_XML" }));
  });
});

describe("libvirt accepts the XML (test:///default)", () => {
  test("define + dumpxml in one virsh process, parsed back equal", async () => {
    // The test driver keeps state per connection, so define and dumpxml share one call.
    const out = await virsh("test:///default", [`define ${INPUT_FILE}; dumpxml fbx-t1`], {
      input: buildDomainXml(base),
      timeoutMs: 10_000,
    });
    const xml = out.slice(out.indexOf("<domain"));
    const p = parseDomainXml(xml);
    expect(p.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(p).toMatchObject({
      name: "fbx-t1",
      vcpus: 1,
      maxVcpus: 4,
      memoryMiB: 128,
      maxMemoryMiB: 512,
      meta: base.meta,
    });
    expect(p.interfaces[0]).toMatchObject({ bridge: "br0", model: "virtio" });
    expect(xml).toContain("<rom bar='off'/>");
  });
});

describe("the serial console socket", () => {
  const sock = "/var/lib/libvirt/qemu/fbx-t1.console.sock";

  test("serialSocket makes serial port 0 and the console one unix chardev; parsed back", () => {
    const xml = buildDomainXml({ ...base, serialSocket: sock });
    expect(xml).toMatch(
      /<serial type="unix">\s*<source mode="bind" path="\/var\/lib\/libvirt\/qemu\/fbx-t1.console.sock"/,
    );
    expect(xml).toMatch(
      /<console type="unix">\s*<source mode="bind" path="[^"]+"\/>\s*<target type="serial" port="0"/,
    );
    expect(parseDomainXml(xml).serialSocket).toBe(sock);
  });

  test("without it, a pty pair as before, and no socket is read back", () => {
    const xml = buildDomainXml(base);
    expect(xml).toMatch(/<serial type="pty">/);
    expect(parseDomainXml(xml).serialSocket).toBeUndefined();
  });

  test("only port 0 counts, and only when it is a unix chardev", () => {
    const dom = (devices: string) =>
      `<domain type='qemu'><name>n</name><memory>1048576</memory><vcpu>1</vcpu><devices>${devices}</devices></domain>`;
    expect(
      parseDomainXml(
        dom(
          "<serial type='unix'><source mode='bind' path='/x/one'/><target port='1'/></serial><serial type='unix'><source mode='bind' path='/x/zero'/><target port='0'/></serial>",
        ),
      ).serialSocket,
    ).toBe("/x/zero");
    expect(
      parseDomainXml(dom("<serial type='pty'><source path='/dev/pts/3'/><target port='0'/></serial>"))
        .serialSocket,
    ).toBeUndefined();
  });

  test.each([
    ["relative", "console.sock"],
    ["a quote", "/tmp/a'b.sock"],
    ["a control character", "/tmp/a\nb.sock"],
    ["more than sun_path holds", `/${"x".repeat(107)}`],
  ])("a path with %s is refused", (_what, path) => {
    expect(() => buildDomainXml({ ...base, serialSocket: path })).toThrow(DomainXmlError);
  });

  test("107 bytes is the longest path (sockaddr_un.sun_path with its NUL)", () => {
    expect(() => buildDomainXml({ ...base, serialSocket: `/${"x".repeat(106)}` })).not.toThrow();
  });

  test("libvirt (test:///default) accepts it and keeps the socket", async () => {
    const out = await virsh("test:///default", [`define ${INPUT_FILE}; dumpxml fbx-t1`], {
      input: buildDomainXml({ ...base, serialSocket: sock }),
      timeoutMs: 10_000,
    });
    const xml = out.slice(out.indexOf("<domain"));
    expect(parseDomainXml(xml).serialSocket).toBe(sock);
    expect(xml).toMatch(/<console type='unix'>/);
  });
});
