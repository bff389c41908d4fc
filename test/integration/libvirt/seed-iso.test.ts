/**
 * The seed ISO as the guest sees it: genisoimage writes it, isoinfo (genisoimage's reader)
 * reads back the label and the files, and PyYAML's safe_load (the loader cloud-init itself
 * uses) parses the YAML files.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSeedFiles, writeSeedIso } from "../../../backend/libvirt/seed-iso";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fibrix-seedtest-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function isoFile(iso: string, name: string): string {
  return execFileSync("isoinfo", ["-i", iso, "-J", "-x", `/${name}`]).toString();
}

function yamlLoad(text: string): unknown {
  const py = "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))";
  return JSON.parse(execFileSync("python3", ["-c", py], { input: text }).toString());
}

test("NoCloud ISO: cidata label, the three files, YAML cloud-init can load", async () => {
  const files = buildSeedFiles({
    os: "ubuntu",
    instanceId: "vm-42",
    hostname: "web-1",
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3Nza test@fibrix"],
    network: {
      mac: "52:54:00:0a:0b:0c",
      static: { addresses: ["192.0.2.10/24"], gateway4: "192.0.2.1", nameservers: ["192.0.2.53"] },
    },
  });
  const iso = join(dir, "seed.iso");
  const t0 = Date.now();
  const { sizeBytes } = await writeSeedIso(files, iso);
  console.log(`writeSeedIso: ${Date.now() - t0} ms, ${sizeBytes} bytes`);
  expect(sizeBytes).toBeGreaterThan(0);

  expect(execFileSync("isoinfo", ["-d", "-i", iso]).toString()).toMatch(/^Volume id: cidata$/m);
  const listing = execFileSync("isoinfo", ["-i", iso, "-J", "-f"])
    .toString()
    .split("\n")
    .filter(Boolean)
    .sort();
  expect(listing).toEqual(["/meta-data", "/network-config", "/user-data"]);

  expect(isoFile(iso, "meta-data")).toBe(files["meta-data"]);
  expect(yamlLoad(isoFile(iso, "meta-data"))).toEqual({ "instance-id": "vm-42", "local-hostname": "web-1" });
  expect(yamlLoad(isoFile(iso, "user-data"))).toEqual({
    hostname: "web-1",
    preserve_hostname: false,
    ssh_authorized_keys: ["ssh-ed25519 AAAAC3Nza test@fibrix"],
  });
  expect(yamlLoad(isoFile(iso, "network-config"))).toEqual({
    version: 2,
    ethernets: {
      nic0: {
        match: { macaddress: "52:54:00:0a:0b:0c" },
        "set-name": "eth0",
        dhcp4: false,
        addresses: ["192.0.2.10/24"],
        routes: [{ to: "default", via: "192.0.2.1" }],
        nameservers: { addresses: ["192.0.2.53"] },
      },
    },
  });
});

test("Windows ISO carries Autounattend.xml at the root", async () => {
  const files = buildSeedFiles({
    os: "windows",
    instanceId: "vm-7",
    hostname: "dc01",
    userData: "#cloud-config\npassword: 'Corr3ct-Horse'\n",
  });
  const iso = join(dir, "win.iso");
  await writeSeedIso(files, iso);
  const listing = execFileSync("isoinfo", ["-i", iso, "-J", "-f"]).toString();
  expect(listing).toContain("/Autounattend.xml");
  const xml = isoFile(iso, "Autounattend.xml");
  expect(xml).toContain("<ComputerName>DC01</ComputerName>");
  expect(xml).toContain("<Value>Corr3ct-Horse</Value>");
});
