/**
 * A VM host: one libvirt URI, one storage pool. `VmHost` is the small surface the composer,
 * the image registry, the reconciler and the rack agent use; `VirshVmHost` implements it with
 * virsh and XML (no libvirt RPC of our own).
 */
import {
  type DomainState,
  type InterfaceAddress,
  kibFieldToMiB,
  parseDomifaddr,
  parseDomstatsStates,
  parseKeyValues,
  parseTable,
} from "./virsh-output";
import { type FibrixDomainMeta, type ParsedDisk, type ParsedInterface, parseDomainXml } from "./domain-xml";
import { INPUT_FILE, LibvirtError, type VirshRunner, isLibvirtError, virsh as defaultVirsh } from "./virsh";
import { XMLParser } from "fast-xml-parser";

export type { DomainState, InterfaceAddress } from "./virsh-output";

export interface NodeInfo {
  cpuModel: string;
  /** Logical CPUs (threads). */
  cpus: number;
  memoryMiB: number;
  freeMemoryMiB: number;
}

export interface DomainSummary {
  name: string;
  uuid: string;
  state: DomainState;
  /** Configured (persistent) values: what the domain has now, or gets at next boot. */
  vcpus: number;
  maxVcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number;
  disks: ParsedDisk[];
  /** The UNIX socket of the serial console (domains made before it had one have a pty). */
  serialSocket?: string;
  /** The domain's NICs (their MACs name tenant taps: backend/rack/tenant-net/names.ts). */
  interfaces?: ParsedInterface[];
  /** Present only on domains fibrix made. */
  meta?: FibrixDomainMeta;
}

export interface VolumeSummary {
  name: string;
  path: string;
  format: string;
  capacityBytes: number;
  allocationBytes: number;
  /** Path of the backing file, for copy-on-write clones. */
  backingPath?: string;
}

export interface CreateVolumeSpec {
  name: string;
  capacityBytes: number;
  format: "qcow2" | "raw";
  /** Name of a volume in the same pool to use as the qcow2 backing file. */
  backingVolume?: string;
  backingFormat?: "qcow2" | "raw";
}

/**
 * How a resize took effect. `live`: the running guest has it now (and the config keeps it).
 * `config`: only the persistent definition changed; `rebootRequired` says whether the guest
 * must be power-cycled (false when the domain was not running anyway).
 */
export interface ResizeResult {
  applied: "live" | "config";
  rebootRequired: boolean;
}

export type AddressSource = "lease" | "agent" | "arp";

export interface StopResult {
  /** True when the guest ignored ACPI within the timeout and was destroyed. */
  forced: boolean;
}

export interface VmHost {
  readonly uri: string;
  readonly pool: string;
  nodeInfo(): Promise<NodeInfo>;
  listDomains(): Promise<DomainSummary[]>;
  getDomain(name: string): Promise<DomainSummary>;
  /** `refresh` rescans the pool first, so files added behind libvirt's back show up. */
  listVolumes(opts?: { refresh?: boolean }): Promise<VolumeSummary[]>;
  defineDomain(xml: string): Promise<void>;
  startDomain(name: string): Promise<void>;
  /** ACPI shutdown, then destroy if still up after `timeoutMs` (default 60 s). Idempotent. */
  stopDomain(name: string, opts?: { timeoutMs?: number }): Promise<StopResult>;
  /** Hard power-off. Idempotent: a stopped domain is fine. */
  destroyDomain(name: string): Promise<void>;
  /** ACPI reboot, or a hard reset with `hard`. */
  rebootDomain(name: string, opts?: { hard?: boolean }): Promise<void>;
  undefineDomain(name: string): Promise<void>;
  setVcpus(name: string, vcpus: number): Promise<ResizeResult>;
  setMemory(name: string, memoryMiB: number): Promise<ResizeResult>;
  /** Addresses from every source that answers; a source that fails is skipped. */
  domainAddresses(name: string, sources?: readonly AddressSource[]): Promise<InterfaceAddress[]>;
  createVolume(spec: CreateVolumeSpec): Promise<void>;
  /** Streams a local file into an existing volume (works over qemu+ssh too). */
  uploadVolume(name: string, filePath: string): Promise<void>;
  deleteVolume(name: string): Promise<void>;
}

export interface VirshVmHostOptions {
  uri: string;
  pool: string;
  /** Per-virsh-call timeout. Default 30 s; uploads get `uploadTimeoutMs` (default 30 min). */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
  runner?: VirshRunner;
  /** Injected for tests of the shutdown wait. */
  sleep?: (ms: number) => Promise<void>;
}

const volParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

function field(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const t = field(v, "#text");
  return typeof t === "string" ? t : undefined;
}

/** `virsh vol-dumpxml` (formatstorage.html#storage-volume-xml) → summary. */
export function parseVolumeXml(xml: string): VolumeSummary {
  const doc = volParser.parse(xml) as unknown;
  const name = textOf(field(doc, "volume", "name"));
  if (name === undefined) throw new LibvirtError("FAILED", "unreadable volume XML", false);
  const v: VolumeSummary = {
    name,
    path: textOf(field(doc, "volume", "target", "path")) ?? "",
    format: String(field(doc, "volume", "target", "format", "@_type") ?? "raw"),
    capacityBytes: Number(textOf(field(doc, "volume", "capacity")) ?? 0),
    allocationBytes: Number(textOf(field(doc, "volume", "allocation")) ?? 0),
  };
  const backing = textOf(field(doc, "volume", "backingStore", "path"));
  if (backing) v.backingPath = backing;
  return v;
}

/** Runs `fn` over `items` with at most `limit` in flight (virsh calls are ~50 ms each). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const sleepReal = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class VirshVmHost implements VmHost {
  readonly uri: string;
  readonly pool: string;
  private readonly run: VirshRunner;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: VirshVmHostOptions) {
    this.uri = opts.uri;
    this.pool = opts.pool;
    this.run = opts.runner ?? defaultVirsh;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.uploadTimeoutMs = opts.uploadTimeoutMs ?? 30 * 60_000;
    this.sleep = opts.sleep ?? sleepReal;
  }

  private v(args: readonly string[], input?: string): Promise<string> {
    return this.run(
      this.uri,
      args,
      input === undefined ? { timeoutMs: this.timeoutMs } : { timeoutMs: this.timeoutMs, input },
    );
  }

  async nodeInfo(): Promise<NodeInfo> {
    const info = parseKeyValues(await this.v(["nodeinfo"]));
    const mem = parseKeyValues(await this.v(["nodememstats"]));
    return {
      cpuModel: info.get("CPU model") ?? "",
      cpus: Number(info.get("CPU(s)") ?? 0),
      memoryMiB: kibFieldToMiB(info.get("Memory size")),
      freeMemoryMiB:
        kibFieldToMiB(mem.get("free")) + kibFieldToMiB(mem.get("cached")) + kibFieldToMiB(mem.get("buffers")),
    };
  }

  private async summarize(name: string, state: DomainState): Promise<DomainSummary> {
    // The inactive (persistent) definition: after a `config`-only resize it shows the new size.
    const d = parseDomainXml(await this.v(["dumpxml", "--inactive", "--", name]));
    const s: DomainSummary = {
      name: d.name,
      uuid: d.uuid ?? "",
      state,
      vcpus: d.vcpus,
      maxVcpus: d.maxVcpus,
      memoryMiB: d.memoryMiB,
      maxMemoryMiB: d.maxMemoryMiB,
      disks: d.disks,
      interfaces: d.interfaces,
    };
    if (d.serialSocket) s.serialSocket = d.serialSocket;
    if (d.meta) s.meta = d.meta;
    return s;
  }

  async listDomains(): Promise<DomainSummary[]> {
    const states = parseDomstatsStates(await this.v(["domstats", "--state"]));
    const all = await mapLimit([...states.entries()], 4, async ([name, state]) => {
      try {
        return await this.summarize(name, state);
      } catch (e) {
        // Undefined between the two calls: it is simply gone.
        if (isLibvirtError(e, "NOT_FOUND")) return null;
        throw e;
      }
    });
    return all.filter((d): d is DomainSummary => d !== null);
  }

  async getDomain(name: string): Promise<DomainSummary> {
    return this.summarize(name, await this.state(name));
  }

  private async state(name: string): Promise<DomainState> {
    const out = (await this.v(["domstate", "--", name])).trim();
    const map: Record<string, DomainState> = {
      running: "running",
      idle: "blocked",
      paused: "paused",
      "in shutdown": "shutdown",
      "shut off": "shutoff",
      crashed: "crashed",
      pmsuspended: "pmsuspended",
    };
    return map[out] ?? "nostate";
  }

  async listVolumes(opts: { refresh?: boolean } = {}): Promise<VolumeSummary[]> {
    if (opts.refresh) {
      try {
        await this.v(["pool-refresh", "--", this.pool]);
      } catch (e) {
        // A refresh is refused while an upload runs; the unrefreshed list is still right for us.
        if (!(isLibvirtError(e, "CONFLICT") && e.retryable)) throw e;
      }
    }
    const names = parseTable(await this.v(["vol-list", "--pool", this.pool]))
      .map((r) => r["Name"] ?? "")
      .filter((n) => n.length > 0);
    const vols = await mapLimit(names, 4, async (n) => {
      try {
        return parseVolumeXml(await this.v(["vol-dumpxml", "--pool", this.pool, "--", n]));
      } catch (e) {
        if (isLibvirtError(e, "NOT_FOUND")) return null;
        throw e;
      }
    });
    return vols.filter((v): v is VolumeSummary => v !== null);
  }

  async defineDomain(xml: string): Promise<void> {
    await this.v(["define", INPUT_FILE], xml);
  }

  async startDomain(name: string): Promise<void> {
    await this.v(["start", "--", name]);
  }

  async destroyDomain(name: string): Promise<void> {
    try {
      await this.v(["destroy", "--", name]);
    } catch (e) {
      if (isLibvirtError(e, "CONFLICT") && (await this.state(name)) === "shutoff") return;
      throw e;
    }
  }

  async stopDomain(name: string, opts: { timeoutMs?: number } = {}): Promise<StopResult> {
    if ((await this.state(name)) === "shutoff") return { forced: false };
    try {
      await this.v(["shutdown", "--", name]);
    } catch (e) {
      if (!isLibvirtError(e, "CONFLICT")) throw e;
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if ((await this.state(name)) === "shutoff") return { forced: false };
      await this.sleep(250);
    }
    await this.destroyDomain(name);
    return { forced: true };
  }

  async rebootDomain(name: string, opts: { hard?: boolean } = {}): Promise<void> {
    await this.v(opts.hard ? ["reset", "--", name] : ["reboot", "--", name]);
  }

  async undefineDomain(name: string): Promise<void> {
    await this.v(["undefine", "--managed-save", "--snapshots-metadata", "--", name]);
  }

  /**
   * A live change the hypervisor refuses (vcpu unplug needs the guest's consent under ACPI)
   * is not an error for us: the caller falls back to a config change for next boot.
   */
  private async tryLive(args: readonly string[]): Promise<boolean> {
    try {
      await this.v(args);
      return true;
    } catch (e) {
      if (isLibvirtError(e, "FAILED")) return false;
      throw e;
    }
  }

  /**
   * Live when the domain runs, the new size fits under the maximum (vcpu hotplug, balloon)
   * and the hypervisor accepts it; otherwise raise the maximum in the config and leave the change for next boot.
   */
  async setVcpus(name: string, vcpus: number): Promise<ResizeResult> {
    if (!Number.isInteger(vcpus) || vcpus <= 0)
      throw new LibvirtError("FAILED", "vcpus must be a positive integer", false);
    const d = await this.getDomain(name);
    const n = String(vcpus);
    if (
      d.state === "running" &&
      vcpus <= d.maxVcpus &&
      (await this.tryLive(["setvcpus", "--live", "--config", "--", name, n]))
    )
      return { applied: "live", rebootRequired: false };
    if (vcpus > d.maxVcpus) await this.v(["setvcpus", "--maximum", "--config", "--", name, n]);
    await this.v(["setvcpus", "--config", "--", name, n]);
    return { applied: "config", rebootRequired: d.state !== "shutoff" };
  }

  async setMemory(name: string, memoryMiB: number): Promise<ResizeResult> {
    if (!Number.isInteger(memoryMiB) || memoryMiB <= 0)
      throw new LibvirtError("FAILED", "memoryMiB must be a positive integer", false);
    const d = await this.getDomain(name);
    const kib = String(memoryMiB * 1024);
    if (
      d.state === "running" &&
      memoryMiB <= d.maxMemoryMiB &&
      (await this.tryLive(["setmem", "--live", "--config", "--", name, kib]))
    )
      return { applied: "live", rebootRequired: false };
    if (memoryMiB > d.maxMemoryMiB) await this.v(["setmaxmem", "--config", "--", name, kib]);
    await this.v(["setmem", "--config", "--", name, kib]);
    return { applied: "config", rebootRequired: d.state !== "shutoff" };
  }

  async domainAddresses(
    name: string,
    sources: readonly AddressSource[] = ["lease", "agent"],
  ): Promise<InterfaceAddress[]> {
    const seen = new Set<string>();
    const out: InterfaceAddress[] = [];
    let lastError: unknown = null;
    let answered = 0;
    for (const source of sources) {
      try {
        for (const a of parseDomifaddr(await this.v(["domifaddr", "--source", source, "--", name]))) {
          const key = `${a.mac}/${a.address}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(a);
        }
        answered++;
      } catch (e) {
        // No agent, no ARP entry …: other sources may still know. A missing domain is final.
        if (isLibvirtError(e, "NOT_FOUND") || isLibvirtError(e, "UNREACHABLE")) throw e;
        lastError = e;
      }
    }
    if (answered === 0 && lastError !== null) throw lastError;
    return out;
  }

  async createVolume(spec: CreateVolumeSpec): Promise<void> {
    const args = [
      "vol-create-as",
      "--pool",
      this.pool,
      "--name",
      spec.name,
      "--capacity",
      `${spec.capacityBytes}b`,
    ];
    args.push("--format", spec.format);
    if (spec.backingVolume !== undefined) {
      args.push("--backing-vol", spec.backingVolume, "--backing-vol-format", spec.backingFormat ?? "qcow2");
    }
    await this.v(args);
  }

  async uploadVolume(name: string, filePath: string): Promise<void> {
    await this.run(this.uri, ["vol-upload", "--pool", this.pool, "--vol", name, "--file", filePath], {
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  async deleteVolume(name: string): Promise<void> {
    await this.v(["vol-delete", "--pool", this.pool, "--vol", name]);
  }
}
