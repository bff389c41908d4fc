import { XMLParser } from "fast-xml-parser";
import {
  adminPasswordFromUserData,
  buildNetworkConfig,
  buildNoCloud,
  buildSeedFiles,
  buildUnattend,
} from "../../../backend/libvirt/seed-iso";

describe("NoCloud content", () => {
  test("meta-data and a default #cloud-config", () => {
    const f = buildNoCloud({
      instanceId: "vm-1",
      hostname: "web1",
      sshAuthorizedKeys: ["ssh-ed25519 AAAA x@y"],
    });
    expect(Object.keys(f).sort()).toEqual(["meta-data", "user-data"]);
    expect(f["meta-data"]).toBe('instance-id: "vm-1"\nlocal-hostname: "web1"\n');
    expect(f["user-data"]).toBe(
      '#cloud-config\nhostname: "web1"\npreserve_hostname: false\nssh_authorized_keys:\n  - "ssh-ed25519 AAAA x@y"\n',
    );
  });

  test("tenant user data is passed through verbatim", () => {
    const ud = "#!/bin/sh\necho hi\n";
    expect(buildNoCloud({ instanceId: "i", hostname: "h", userData: ud })["user-data"]).toBe(ud);
  });

  test("network-config v2: DHCP matched by MAC, or static", () => {
    expect(buildNetworkConfig({ mac: "52:54:00:AA:00:01" })).toBe(
      'version: 2\nethernets:\n  nic0:\n    match:\n      macaddress: "52:54:00:aa:00:01"\n    set-name: eth0\n    dhcp4: true\n',
    );
    const st = buildNetworkConfig({
      static: {
        addresses: ["192.0.2.10/24"],
        gateway4: "192.0.2.1",
        nameservers: ["192.0.2.53"],
        searchDomains: ["x.test"],
      },
    });
    expect(st).toContain('    addresses:\n      - "192.0.2.10/24"\n');
    expect(st).toContain('    routes:\n      - to: "default"\n        via: "192.0.2.1"\n');
    expect(st).toContain('      addresses: ["192.0.2.53"]\n      search: ["x.test"]\n');
  });

  test("hostile strings stay quoted scalars", () => {
    const f = buildNoCloud({ instanceId: 'a"\nb: c', hostname: "h" });
    expect(f["meta-data"]?.split("\n")[0]).toBe('instance-id: "a\\"\\nb: c"');
    expect(() => buildNoCloud({ instanceId: "i", hostname: "bad_host!" })).toThrow(
      expect.objectContaining({ code: "INVALID_SEED" }),
    );
  });
});

describe("Windows Autounattend", () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

  test("computer name and escaped Administrator password", () => {
    const xml = buildUnattend({ hostname: "dc01", adminPassword: "p<&>\"'w" });
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const doc = parser.parse(xml) as {
      unattend: { "@_xmlns": string; settings: { "@_pass": string; component: unknown }[] };
    };
    expect(doc.unattend["@_xmlns"]).toBe("urn:schemas-microsoft-com:unattend");
    const spec = doc.unattend.settings.find((s) => s["@_pass"] === "specialize");
    expect(spec?.component).toMatchObject({
      "@_name": "Microsoft-Windows-Shell-Setup",
      ComputerName: "DC01",
    });
    const oobe = doc.unattend.settings.find((s) => s["@_pass"] === "oobeSystem")?.component as Record<
      string,
      unknown
    >[];
    expect(oobe[1]).toMatchObject({
      UserAccounts: { AdministratorPassword: { Value: "p<&>\"'w", PlainText: "true" } },
    });
  });

  test("NetBIOS name limit", () => {
    expect(() => buildUnattend({ hostname: "a-very-long-hostname", adminPassword: "x" })).toThrow(/1-15/);
  });

  test("password from #cloud-config user data, never invented", () => {
    expect(adminPasswordFromUserData('#cloud-config\nusers: []\npassword: "S3cret!"\n')).toBe("S3cret!");
    expect(adminPasswordFromUserData("#cloud-config\npassword: plain\n")).toBe("plain");
    expect(adminPasswordFromUserData("#!/bin/sh\npassword: x\n")).toBeNull();
    expect(adminPasswordFromUserData(undefined)).toBeNull();
    expect(() => buildSeedFiles({ os: "windows", instanceId: "i", hostname: "w1" })).toThrow(/adminPassword/);
  });

  test("a Windows seed has the NoCloud files and Autounattend.xml; Linux only NoCloud", () => {
    const w = buildSeedFiles({
      os: "windows",
      instanceId: "i",
      hostname: "w1",
      userData: "#cloud-config\npassword: pw\n",
    });
    expect(Object.keys(w).sort()).toEqual(["Autounattend.xml", "meta-data", "user-data"]);
    expect(w["Autounattend.xml"]).toContain("<Value>pw</Value>");
    expect(Object.keys(buildSeedFiles({ os: "ubuntu", instanceId: "i", hostname: "u1" })).sort()).toEqual([
      "meta-data",
      "user-data",
    ]);
  });
});
