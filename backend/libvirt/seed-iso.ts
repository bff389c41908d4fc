/**
 * First-boot data for a VM, on a small ISO attached as a cdrom:
 * - Linux: a cloud-init NoCloud seed, volume label `cidata`, files `meta-data`, `user-data`
 *   and `network-config` (cloud-init docs: datasources/nocloud, network-config-format-v2).
 * - Windows: the same files (cloudbase-init reads NoCloud too) plus `Autounattend.xml` at the
 *   root, which Windows Setup picks up from removable media (the "implicit answer file
 *   search"), for the computer name and the Administrator password.
 *
 * Content is built by pure functions; only `writeSeedIso` touches the disk (genisoimage).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLBuilder } from "fast-xml-parser";

export class SeedError extends Error {
  override readonly name = "SeedError";
  constructor(
    readonly code: "INVALID_SEED" | "ISO_FAILED",
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

export interface StaticAddressing {
  /** CIDR, e.g. "10.20.0.15/24". */
  addresses: string[];
  gateway4?: string;
  nameservers?: string[];
  searchDomains?: string[];
}

export interface NetworkSpec {
  /** Match the NIC by MAC (recommended: names differ between images). */
  mac?: string;
  /** Omit for DHCP. */
  static?: StaticAddressing;
  /** The link MTU (a tenant network over VXLAN has less than 1500). */
  mtu?: number;
}

export interface NoCloudInput {
  /** Changes to it make cloud-init run its per-instance modules again: use the VM id. */
  instanceId: string;
  hostname: string;
  /** The tenant's user data, verbatim (`#cloud-config`, a script, a MIME multipart …). */
  userData?: string;
  /** Used only when no `userData` is given: the generated `#cloud-config` installs these. */
  sshAuthorizedKeys?: string[];
  network?: NetworkSpec;
  /** Several NICs (tenant networks); wins over `network` when given. */
  networks?: NetworkSpec[];
}

/** File name → content, as laid out at the ISO root. */
export type SeedFiles = Record<string, string>;

/** Quoting every scalar as a JSON string keeps the YAML valid whatever it contains. */
function q(s: string): string {
  return JSON.stringify(s);
}

const HOSTNAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function assertHostname(h: string): void {
  if (!HOSTNAME_RE.test(h)) throw new SeedError("INVALID_SEED", `invalid hostname ${JSON.stringify(h)}`);
}

export function buildMetaData(instanceId: string, hostname: string): string {
  if (instanceId.length === 0) throw new SeedError("INVALID_SEED", "instanceId is empty");
  assertHostname(hostname);
  return `instance-id: ${q(instanceId)}\nlocal-hostname: ${q(hostname)}\n`;
}

export function buildDefaultUserData(hostname: string, keys: readonly string[] = []): string {
  const lines = ["#cloud-config", `hostname: ${q(hostname)}`, "preserve_hostname: false"];
  if (keys.length > 0) {
    lines.push("ssh_authorized_keys:");
    for (const k of keys) lines.push(`  - ${q(k)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Netplan-style network config v2 for the VM's one NIC. */
export function buildNetworkConfig(net: NetworkSpec): string {
  return buildNetworkConfigs([net]);
}

/**
 * Network config v2 (cloud-init doc/rtd/topics/network-config-format-v2.rst, the netplan
 * subset) for several NICs, `nic<i>` renamed `eth<i>` and matched by MAC. Only the first NIC
 * with a gateway gets the default route (two default routes would compete).
 */
export function buildNetworkConfigs(nets: readonly NetworkSpec[]): string {
  if (nets.length === 0) throw new SeedError("INVALID_SEED", "network config needs a NIC");
  const l = ["version: 2", "ethernets:"];
  let routed = false;
  nets.forEach((net, i) => {
    if (net.mac !== undefined && !MAC_RE.test(net.mac))
      throw new SeedError("INVALID_SEED", `invalid MAC ${net.mac}`);
    l.push(`  nic${i}:`);
    if (net.mac !== undefined) {
      l.push("    match:", `      macaddress: ${q(net.mac.toLowerCase())}`, `    set-name: eth${i}`);
    } else {
      l.push("    match:", `      name: ${q("e*")}`);
    }
    if (net.mtu !== undefined) {
      if (!Number.isInteger(net.mtu) || net.mtu < 576 || net.mtu > 9000)
        throw new SeedError("INVALID_SEED", `invalid MTU ${net.mtu}`);
      l.push(`    mtu: ${net.mtu}`);
    }
    const st = net.static;
    if (!st) {
      l.push("    dhcp4: true");
      return;
    }
    if (st.addresses.length === 0) throw new SeedError("INVALID_SEED", "static addressing needs an address");
    l.push("    dhcp4: false", "    addresses:");
    for (const a of st.addresses) l.push(`      - ${q(a)}`);
    if (st.gateway4 !== undefined && !routed) {
      routed = true;
      l.push("    routes:", `      - to: ${q("default")}`, `        via: ${q(st.gateway4)}`);
    }
    if ((st.nameservers?.length ?? 0) > 0 || (st.searchDomains?.length ?? 0) > 0) {
      l.push("    nameservers:");
      if (st.nameservers?.length) l.push(`      addresses: [${st.nameservers.map(q).join(", ")}]`);
      if (st.searchDomains?.length) l.push(`      search: [${st.searchDomains.map(q).join(", ")}]`);
    }
  });
  return `${l.join("\n")}\n`;
}

/** The NoCloud file set. `network-config` only when a network is given. */
export function buildNoCloud(input: NoCloudInput): SeedFiles {
  const files: SeedFiles = {
    "meta-data": buildMetaData(input.instanceId, input.hostname),
    "user-data": input.userData ?? buildDefaultUserData(input.hostname, input.sshAuthorizedKeys),
  };
  // NoCloud reads `network-config` from the seed's root (cloudinit/sources/DataSourceNoCloud.py).
  if (input.networks?.length) files["network-config"] = buildNetworkConfigs(input.networks);
  else if (input.network) files["network-config"] = buildNetworkConfig(input.network);
  return files;
}

export interface UnattendInput {
  /** NetBIOS computer name: ≤ 15 characters. */
  hostname: string;
  adminPassword: string;
  timeZone?: string;
  /** e.g. "en-US", "ca-ES". */
  locale?: string;
}

/**
 * The Administrator password for Windows, taken from the tenant's `#cloud-config` user data
 * (`password:` at top level, the key cloud-init and cloudbase-init use). Null when absent:
 * the caller must then supply one; fibrix never invents a default password.
 */
export function adminPasswordFromUserData(userData: string | undefined): string | null {
  if (!userData?.startsWith("#cloud-config")) return null;
  const m = /^password:[ \t]*(.*?)[ \t]*$/m.exec(userData);
  if (!m || m[1] === undefined || m[1].length === 0) return null;
  const v = m[1];
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return v.slice(1, -1);
  return v;
}

const unattendBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  suppressEmptyNode: true,
});

const COMPONENT_ATTRS = {
  "@_processorArchitecture": "amd64",
  "@_publicKeyToken": "31bf3856ad364e35",
  "@_language": "neutral",
  "@_versionScope": "nonSxS",
};

/**
 * A minimal Autounattend.xml (Microsoft "Unattended Windows Setup Reference"): computer
 * name in `specialize`, locale in `oobeSystem`, the Administrator password (plain text:
 * the ISO is deleted with the VM) and an OOBE that asks nothing.
 */
export function buildUnattend(input: UnattendInput): string {
  const name = input.hostname.toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{0,14}$/.test(name))
    throw new SeedError(
      "INVALID_SEED",
      `Windows computer name must be 1-15 of [A-Za-z0-9-]: ${input.hostname}`,
    );
  if (input.adminPassword.length === 0) throw new SeedError("INVALID_SEED", "adminPassword is empty");
  const locale = input.locale ?? "en-US";
  const doc = {
    "?xml": { "@_version": "1.0", "@_encoding": "utf-8" },
    unattend: {
      "@_xmlns": "urn:schemas-microsoft-com:unattend",
      "@_xmlns:wcm": "http://schemas.microsoft.com/WMIConfig/2002/State",
      settings: [
        {
          "@_pass": "specialize",
          component: {
            "@_name": "Microsoft-Windows-Shell-Setup",
            ...COMPONENT_ATTRS,
            ComputerName: name,
            TimeZone: input.timeZone ?? "UTC",
          },
        },
        {
          "@_pass": "oobeSystem",
          component: [
            {
              "@_name": "Microsoft-Windows-International-Core",
              ...COMPONENT_ATTRS,
              InputLocale: locale,
              SystemLocale: locale,
              UILanguage: locale,
              UserLocale: locale,
            },
            {
              "@_name": "Microsoft-Windows-Shell-Setup",
              ...COMPONENT_ATTRS,
              UserAccounts: {
                AdministratorPassword: { Value: input.adminPassword, PlainText: "true" },
              },
              OOBE: {
                HideEULAPage: "true",
                HideOnlineAccountScreens: "true",
                HideWirelessSetupInOOBE: "true",
                ProtectYourPC: 3,
              },
            },
          ],
        },
      ],
    },
  };
  return unattendBuilder.build(doc) as string;
}

export type SeedOs = "ubuntu" | "debian" | "centos" | "windows" | "other";

export interface SeedInput extends NoCloudInput {
  os: SeedOs;
  /** Windows only; else read from `userData` (`password:`). */
  adminPassword?: string;
}

/** Every file for the VM's seed ISO, for its OS. */
export function buildSeedFiles(input: SeedInput): SeedFiles {
  const files = buildNoCloud(input);
  if (input.os === "windows") {
    const adminPassword = input.adminPassword ?? adminPasswordFromUserData(input.userData);
    if (adminPassword === null)
      throw new SeedError(
        "INVALID_SEED",
        "a Windows VM needs adminPassword (or `password:` in #cloud-config)",
      );
    files["Autounattend.xml"] = buildUnattend({ hostname: input.hostname, adminPassword });
  }
  return files;
}

const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Writes `files` to a temp dir and makes an ISO 9660 image with Joliet and Rock Ridge (so
 * the lower-case, long names survive) and the `cidata` volume label.
 */
export async function writeSeedIso(
  files: SeedFiles,
  outPath: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ path: string; sizeBytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), "fibrix-seed-"));
  try {
    const names = Object.keys(files);
    for (const name of names) {
      if (!FILE_NAME_RE.test(name)) throw new SeedError("INVALID_SEED", `bad seed file name ${name}`);
      await writeFile(join(dir, name), files[name] ?? "", { mode: 0o600 });
    }
    await new Promise<void>((resolve, reject) => {
      execFile(
        "genisoimage",
        [
          "-quiet",
          "-output",
          outPath,
          "-volid",
          "cidata",
          "-joliet",
          "-rock",
          ...names.map((n) => join(dir, n)),
        ],
        { timeout: opts.timeoutMs ?? 30_000, killSignal: "SIGKILL" },
        (err, _stdout, stderr) => {
          if (err) reject(new SeedError("ISO_FAILED", `genisoimage failed: ${stderr.trim() || err.message}`));
          else resolve();
        },
      );
    });
    const st = await stat(outPath);
    return { path: outPath, sizeBytes: st.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
