/**
 * Domain XML for fibrix VMs: built with fast-xml-parser's XMLBuilder, read back from
 * `virsh dumpxml` with XMLParser. Pure (no I/O).
 *
 * Format reference: https://libvirt.org/formatdomain.html. Choices:
 * - `<domain type='qemu'>`: TCG works everywhere (the lab and CI have no KVM); set `kvm` on
 *   real hosts.
 * - `<memory>`/`<vcpu>` hold the maximum, `<currentMemory>`/`vcpu@current` what the guest
 *   gets now, so memory (balloon) and vcpus (hotplug) can grow live up to the maximum.
 * - `<metadata><fibrix:vm xmlns:fibrix=NS id tenant/>` marks our domains for the reconciler
 *   (formatdomain.html#general-metadata: libvirt keeps foreign-namespace metadata verbatim).
 * - A NIC, if any, is virtio on a host bridge with its option ROM off (`<rom bar='off'/>`),
 *   and the boot order is disk then cdrom: a fibrix VM never PXE-boots.
 * - The serial console (formatdomain.html#consoles-serial-parallel-channel-devices): with
 *   `serialSocket`, port 0 is `<serial type='unix'><source mode='bind' path=…/>` (QEMU listens
 *   on that UNIX socket, so the rack can open the console without a TTY, unlike `virsh console`),
 *   and `<console type='unix'>` with the same source and `target type='serial'` is the same
 *   device (libvirt: a console that is a serial port must match the first `<serial>`). Without
 *   it, a `pty` pair as before.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";

export const FIBRIX_NS = "https://fibrix.example/metal/1";

export interface FibrixDomainMeta {
  /** The region's VirtualMachine id. */
  id: string;
  tenant: string;
}

export type DiskBus = "virtio" | "sata";

export interface DomainSpec {
  name: string;
  /** Fixed UUID (e.g. for idempotent re-creates); libvirt generates one when absent. */
  uuid?: string;
  /** `qemu` (TCG) or `kvm`. Default `qemu`. */
  virtType?: "qemu" | "kvm";
  /** `pc` (i440fx: IDE cdrom) or `q35` (SATA cdrom). Default `pc`. */
  machine?: "pc" | "q35";
  vcpus: number;
  /** Upper bound for live vcpu hotplug. Default `vcpus`. */
  maxVcpus?: number;
  memoryMiB: number;
  /** Upper bound for live balloon growth. Default `memoryMiB`. */
  maxMemoryMiB?: number;
  disk: { pool: string; volume: string; format: "qcow2" | "raw"; bus?: DiskBus };
  /** The seed ISO volume (NoCloud / Autounattend), attached as a read-only cdrom. */
  seed?: { pool: string; volume: string };
  /** Omit for a VM with no network (tests). */
  nic?: { bridge: string; mac?: string };
  /**
   * Tenant NICs (backend/rack/tenant-net): one virtio interface each on its network's bridge,
   * with its MAC and a fixed tap name (`<target dev>`) so nftables rules can name the tap.
   * Come after `nic` when both are given.
   */
  tenantNics?: { bridge: string; mac: string; tap: string }[];
  /** Adds the virtio channel the QEMU guest agent listens on (`domifaddr --source agent`). */
  guestAgent?: boolean;
  /** Absolute path of the UNIX socket QEMU listens on for serial port 0 (the VM's console). */
  serialSocket?: string;
  meta: FibrixDomainMeta;
}

export class DomainXmlError extends Error {
  override readonly name = "DomainXmlError";
  readonly retryable = false;
  constructor(
    readonly code: "INVALID_SPEC" | "INVALID_XML",
    message: string,
  ) {
    super(message);
  }
}

type XmlNode = { [key: string]: XmlValue };
type XmlValue = string | number | XmlNode | XmlNode[];

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** libvirt domain names: no '/', and we keep to a portable alphabet. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** sockaddr_un.sun_path holds 108 bytes with its terminating NUL. */
const SOCKET_MAX = 107;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const SOCKET_RE = /^\/[^\u0000-\u001f\u007f'"<>&]+$/;
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new DomainXmlError("INVALID_SPEC", `${what} must be a positive integer`);
}

export function validateDomainSpec(spec: DomainSpec): void {
  if (!NAME_RE.test(spec.name)) throw new DomainXmlError("INVALID_SPEC", `invalid domain name ${spec.name}`);
  positiveInt(spec.vcpus, "vcpus");
  positiveInt(spec.memoryMiB, "memoryMiB");
  const maxV = spec.maxVcpus ?? spec.vcpus;
  const maxM = spec.maxMemoryMiB ?? spec.memoryMiB;
  positiveInt(maxV, "maxVcpus");
  positiveInt(maxM, "maxMemoryMiB");
  if (maxV < spec.vcpus) throw new DomainXmlError("INVALID_SPEC", "maxVcpus is below vcpus");
  if (maxM < spec.memoryMiB) throw new DomainXmlError("INVALID_SPEC", "maxMemoryMiB is below memoryMiB");
  if (spec.nic?.mac !== undefined && !MAC_RE.test(spec.nic.mac))
    throw new DomainXmlError("INVALID_SPEC", `invalid MAC ${spec.nic.mac}`);
  if (spec.nic !== undefined && spec.nic.bridge.length === 0)
    throw new DomainXmlError("INVALID_SPEC", "nic.bridge is empty");
  if (
    spec.serialSocket !== undefined &&
    (!SOCKET_RE.test(spec.serialSocket) || Buffer.byteLength(spec.serialSocket) > SOCKET_MAX)
  )
    throw new DomainXmlError(
      "INVALID_SPEC",
      `serialSocket must be an absolute path of at most ${SOCKET_MAX} bytes without quotes or control characters`,
    );
  for (const n of spec.tenantNics ?? []) {
    if (!MAC_RE.test(n.mac)) throw new DomainXmlError("INVALID_SPEC", `invalid MAC ${n.mac}`);
    if (!IFNAME_RE.test(n.bridge) || !IFNAME_RE.test(n.tap))
      throw new DomainXmlError("INVALID_SPEC", `invalid bridge or tap name ${n.bridge}/${n.tap}`);
  }
  if (spec.meta.id.length === 0) throw new DomainXmlError("INVALID_SPEC", "meta.id is empty");
  // XML 1.0 forbids most control characters and normalises the rest in attribute values.
  if (CONTROL_RE.test(spec.meta.id) || CONTROL_RE.test(spec.meta.tenant))
    throw new DomainXmlError("INVALID_SPEC", "meta.id and meta.tenant may not contain control characters");
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  suppressEmptyNode: true,
});

export function buildDomainXml(spec: DomainSpec): string {
  validateDomainSpec(spec);
  const machine = spec.machine ?? "pc";
  const cdromBus = machine === "q35" ? "sata" : "ide";
  const cdromDev = machine === "q35" ? "sdb" : "hdc";
  const diskBus = spec.disk.bus ?? "virtio";
  const diskDev = diskBus === "virtio" ? "vda" : "sda";

  const disks: XmlNode[] = [
    {
      "@_type": "volume",
      "@_device": "disk",
      driver: { "@_name": "qemu", "@_type": spec.disk.format },
      source: { "@_pool": spec.disk.pool, "@_volume": spec.disk.volume },
      target: { "@_dev": diskDev, "@_bus": diskBus },
      boot: { "@_order": 1 },
    },
  ];
  if (spec.seed) {
    disks.push({
      "@_type": "volume",
      "@_device": "cdrom",
      driver: { "@_name": "qemu", "@_type": "raw" },
      source: { "@_pool": spec.seed.pool, "@_volume": spec.seed.volume },
      target: { "@_dev": cdromDev, "@_bus": cdromBus },
      readonly: "",
      boot: { "@_order": 2 },
    });
  }

  const devices: XmlNode = { disk: disks };
  const nics: XmlNode[] = [];
  const all: { bridge: string; mac?: string; tap?: string }[] = [
    ...(spec.nic ? [spec.nic] : []),
    ...(spec.tenantNics ?? []),
  ];
  for (const n of all) {
    const nic: XmlNode = { "@_type": "bridge" };
    if (n.mac) nic["mac"] = { "@_address": n.mac.toLowerCase() };
    nic["source"] = { "@_bridge": n.bridge };
    if (n.tap) nic["target"] = { "@_dev": n.tap };
    nic["model"] = { "@_type": "virtio" };
    // No option ROM: the NIC can never PXE-boot, whatever the firmware's boot order.
    nic["rom"] = { "@_bar": "off" };
    nics.push(nic);
  }
  if (nics.length > 0) devices["interface"] = nics.length === 1 ? nics[0]! : nics;
  if (spec.serialSocket) {
    const source = { "@_mode": "bind", "@_path": spec.serialSocket };
    devices["serial"] = { "@_type": "unix", source, target: { "@_port": 0 } };
    devices["console"] = { "@_type": "unix", source, target: { "@_type": "serial", "@_port": 0 } };
  } else {
    devices["serial"] = { "@_type": "pty", target: { "@_port": 0 } };
    devices["console"] = { "@_type": "pty", target: { "@_type": "serial", "@_port": 0 } };
  }
  if (spec.guestAgent) {
    devices["channel"] = {
      "@_type": "unix",
      target: { "@_type": "virtio", "@_name": "org.qemu.guest_agent.0" },
    };
  }
  devices["memballoon"] = { "@_model": "virtio" };

  const domain: XmlNode = { "@_type": spec.virtType ?? "qemu", name: spec.name };
  if (spec.uuid) domain["uuid"] = spec.uuid;
  domain["metadata"] = {
    "fibrix:vm": { "@_xmlns:fibrix": FIBRIX_NS, "@_id": spec.meta.id, "@_tenant": spec.meta.tenant },
  };
  domain["memory"] = { "@_unit": "KiB", "#text": (spec.maxMemoryMiB ?? spec.memoryMiB) * 1024 };
  domain["currentMemory"] = { "@_unit": "KiB", "#text": spec.memoryMiB * 1024 };
  domain["vcpu"] = { "@_placement": "static", "@_current": spec.vcpus, "#text": spec.maxVcpus ?? spec.vcpus };
  domain["os"] = { type: { "@_arch": "x86_64", "@_machine": machine, "#text": "hvm" } };
  domain["features"] = { acpi: "", apic: "" };
  domain["on_poweroff"] = "destroy";
  domain["on_reboot"] = "restart";
  domain["on_crash"] = "destroy";
  domain["devices"] = devices;
  return builder.build({ domain }) as string;
}

// ---- parsing `virsh dumpxml` ----

export interface ParsedDisk {
  device: string;
  type: string;
  pool?: string;
  volume?: string;
  file?: string;
  target?: string;
  bus?: string;
}

export interface ParsedInterface {
  type: string;
  mac?: string;
  bridge?: string;
  network?: string;
  model?: string;
  /** `<target dev>`: the host-side tap. */
  target?: string;
}

export interface ParsedDomain {
  name: string;
  uuid?: string;
  virtType: string;
  vcpus: number;
  maxVcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number;
  disks: ParsedDisk[];
  interfaces: ParsedInterface[];
  /** The UNIX socket of serial port 0, when it is a `<serial type='unix'>` (the console). */
  serialSocket?: string;
  /** Present only on domains that carry fibrix metadata. */
  meta?: FibrixDomainMeta;
}

const ARRAYS = new Set(["domain.devices.disk", "domain.devices.interface", "domain.devices.serial"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseAttributeValue: false,
  parseTagValue: false,
  // Attribute values (metadata ids, tenants) must come back exactly as written.
  trimValues: false,
  isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
});

type Parsed = Record<string, unknown>;

function obj(v: unknown): Parsed | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Parsed) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Text content of an element that may or may not carry attributes. */
function text(v: unknown): string | undefined {
  return str(v) ?? str(obj(v)?.["#text"]);
}

function attr(v: unknown, name: string): string | undefined {
  return str(obj(v)?.[`@_${name}`]);
}

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/** A libvirt scaled integer (formatdomain.html#memory-allocation) in MiB; default unit KiB. */
function memoryMiB(v: unknown): number {
  const n = Number(text(v) ?? Number.NaN);
  const unit = (attr(v, "unit") ?? "KiB").toLowerCase();
  const scale = UNIT_BYTES[unit];
  if (!Number.isFinite(n) || scale === undefined)
    throw new DomainXmlError("INVALID_XML", "unreadable memory element");
  return Math.floor((n * scale) / 1024 ** 2);
}

/** The fibrix metadata element, whatever namespace prefix libvirt (or a human) gave it. */
function findMeta(metadata: Parsed | undefined): FibrixDomainMeta | undefined {
  if (!metadata) return undefined;
  for (const [key, value] of Object.entries(metadata)) {
    const el = obj(value);
    if (!el) continue;
    const colon = key.indexOf(":");
    const local = colon >= 0 ? key.slice(colon + 1) : key;
    const ns = colon >= 0 ? attr(el, `xmlns:${key.slice(0, colon)}`) : attr(el, "xmlns");
    if (local !== "vm" || ns !== FIBRIX_NS) continue;
    const id = attr(el, "id");
    if (id === undefined) continue;
    return { id, tenant: attr(el, "tenant") ?? "" };
  }
  return undefined;
}

export function parseDomainXml(xml: string): ParsedDomain {
  let doc: Parsed;
  try {
    doc = parser.parse(xml) as Parsed;
  } catch (e) {
    throw new DomainXmlError("INVALID_XML", `domain XML does not parse: ${(e as Error).message}`);
  }
  const d = obj(doc["domain"]);
  const name = text(d?.["name"]);
  if (!d || name === undefined) throw new DomainXmlError("INVALID_XML", "no <domain><name>");
  const maxVcpus = Number(text(d["vcpu"]) ?? "1");
  const vcpus = Number(attr(d["vcpu"], "current") ?? maxVcpus);
  const maxMemoryMiB = memoryMiB(d["memory"]);
  const memory = d["currentMemory"] !== undefined ? memoryMiB(d["currentMemory"]) : maxMemoryMiB;
  const devices = obj(d["devices"]) ?? {};
  const disks = ((devices["disk"] as unknown[] | undefined) ?? []).map((raw): ParsedDisk => {
    const src = raw && obj(obj(raw)?.["source"]);
    const tgt = obj(obj(raw)?.["target"]);
    return {
      device: attr(raw, "device") ?? "disk",
      type: attr(raw, "type") ?? "file",
      pool: attr(src, "pool"),
      volume: attr(src, "volume"),
      file: attr(src, "file") ?? attr(src, "dev"),
      target: attr(tgt, "dev"),
      bus: attr(tgt, "bus"),
    };
  });
  const interfaces = ((devices["interface"] as unknown[] | undefined) ?? []).map(
    (raw): ParsedInterface => ({
      type: attr(raw, "type") ?? "",
      mac: attr(obj(raw)?.["mac"], "address"),
      bridge: attr(obj(raw)?.["source"], "bridge"),
      network: attr(obj(raw)?.["source"], "network"),
      model: attr(obj(raw)?.["model"], "type"),
      target: attr(obj(raw)?.["target"], "dev"),
    }),
  );
  const parsed: ParsedDomain = {
    name,
    uuid: text(d["uuid"]),
    virtType: attr(d, "type") ?? "",
    vcpus,
    maxVcpus,
    memoryMiB: memory,
    maxMemoryMiB,
    disks,
    interfaces,
  };
  const serial = ((devices["serial"] as unknown[] | undefined) ?? []).find(
    (raw) => (attr(obj(raw)?.["target"], "port") ?? "0") === "0",
  );
  const socket = attr(serial, "type") === "unix" ? attr(obj(serial)?.["source"], "path") : undefined;
  if (socket) parsed.serialSocket = socket;
  const meta = findMeta(obj(d["metadata"]));
  if (meta) parsed.meta = meta;
  return parsed;
}
