/**
 * Disk-only snapshots of a fibrix VM's disk as internal qcow2 snapshots, tagged with the
 * region's snapshot id. Why internal and not external overlays: a VM disk is a volume of a
 * `dir` pool (`<disk type='volume'>`, compose.ts), and libvirt 9.0 (Debian 12) can neither
 * revert external snapshots (added in libvirt 9.7: qemu_snapshot.c "allow snapshot revert for
 * external snapshots", https://www.mail-archive.com/libvir-list@redhat.com/msg238360.html)
 * nor make them on pool volumes without an explicit file, and those it then cannot delete or
 * revert (https://gitlab.com/libvirt/libvirt/-/issues/631). Internal snapshots need no chain
 * bookkeeping: the disk stays one file, its backing image untouched, and each snapshot is
 * independent of the others (revert to any, delete any).
 *
 * libvirt 9 refuses internal *disk-only* snapshots of a running domain ("active qemu domains
 * require external disk snapshots"; without --disk-only it saves the memory too, savevm), so:
 * - running: QMP `blockdev-snapshot-internal-sync` on the disk's block node, through
 *   `virsh qemu-monitor-command`, between `domfsfreeze` and `domfsthaw` when the guest agent
 *   answers (quiesced), else crash-consistent;
 * - shut off: libvirt's own `snapshot-create-as` (qemu-img snapshot -c on every qcow2 disk;
 *   the seed cdrom is skipped), whose metadata is dropped at once: the region is the catalogue.
 * Revert (domain shut off) and delete of a stopped domain's snapshot redefine the libvirt
 * metadata for a moment (`snapshot-create --redefine`, with the domain's definition, which a
 * revert requires) and let libvirt run qemu-img (-a / -d); a running domain's snapshot is
 * deleted with QMP `blockdev-snapshot-delete-internal-sync`. Everything goes through virsh,
 * so it works over qemu+ssh:// as well. Verified here on libvirt 9.0.0 / QEMU 7.2 (TCG).
 */
import type { DomainSummary } from "./vm-host";
import { INPUT_FILE, LibvirtError, type VirshRunner, isLibvirtError } from "./virsh";

export type Consistency = "quiesced" | "crash";

const TAG_RE = /^[a-z]{2,4}_[0-9a-f]{16}$/;

export function assertSnapshotTag(tag: string): void {
  if (!TAG_RE.test(tag))
    throw new LibvirtError("FAILED", `invalid snapshot tag ${JSON.stringify(tag)}`, false);
}

/** The VM's disk (the first `device='disk'`): its target and volume. */
export function vmDisk(d: Pick<DomainSummary, "name" | "disks">): {
  target: string;
  pool: string;
  volume: string;
} {
  const disk = d.disks.find((x) => x.device === "disk" && x.volume && x.target);
  if (!disk?.volume || !disk.target || !disk.pool)
    throw new LibvirtError("FAILED", `domain ${d.name} has no pool volume disk`, false);
  return { target: disk.target, pool: disk.pool, volume: disk.volume };
}

interface QueryBlockEntry {
  inserted?: { file?: string; "node-name"?: string; image?: { snapshots?: { name?: string }[] } };
}

/** Pure: the block node (and its internal snapshot names) of the image at `path` in `query-block`'s answer. */
export function blockNodeOf(queryBlock: string, path: string): { node: string; snapshots: string[] } | null {
  const doc = JSON.parse(queryBlock) as { return?: QueryBlockEntry[] };
  for (const e of doc.return ?? []) {
    const ins = e.inserted;
    if (ins?.file === path && ins["node-name"])
      return {
        node: ins["node-name"],
        snapshots: (ins.image?.snapshots ?? []).map((s) => s.name ?? "").filter((n) => n.length > 0),
      };
  }
  return null;
}

/**
 * Pure: the libvirt snapshot XML that redefines metadata for an existing internal snapshot
 * (formatsnapshot.html): shut off, disk-only, the domain's definition inside (revert needs it).
 */
export function redefineXml(
  tag: string,
  diskTarget: string,
  inactiveDomainXml: string,
  createdAt: Date,
): string {
  assertSnapshotTag(tag);
  const others = [...inactiveDomainXml.matchAll(/<target dev='([a-z0-9]+)'/g)]
    .map((m) => m[1]!)
    .filter((t) => t !== diskTarget);
  const disks = [
    `<disk name='${diskTarget}' snapshot='internal'/>`,
    ...others.map((t) => `<disk name='${t}' snapshot='no'/>`),
  ];
  return [
    "<domainsnapshot>",
    `<name>${tag}</name>`,
    `<creationTime>${Math.floor(createdAt.getTime() / 1000)}</creationTime>`,
    "<state>shutoff</state>",
    "<memory snapshot='no'/>",
    `<disks>${disks.join("")}</disks>`,
    inactiveDomainXml.trim(),
    "</domainsnapshot>",
  ].join("\n");
}

/** Pure: does a libvirt/qemu-img message say the snapshot is not there? */
export function isMissingSnapshot(message: string): boolean {
  return /(can't find the snapshot|does not exist|not found|no such snapshot|no domain snapshot)/i.test(
    message,
  );
}

export class DiskSnapshots {
  constructor(
    private readonly run: VirshRunner,
    private readonly uri: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private v(args: readonly string[], input?: string): Promise<string> {
    return this.run(
      this.uri,
      args,
      input === undefined ? { timeoutMs: this.timeoutMs } : { timeoutMs: this.timeoutMs, input },
    );
  }

  private async qmp(domain: string, command: Record<string, unknown>): Promise<string> {
    return this.v(["qemu-monitor-command", "--", domain, JSON.stringify(command)]);
  }

  /** Freezes the guest's filesystems; false when no guest agent answers. */
  async freeze(domain: string): Promise<boolean> {
    try {
      await this.v(["domfsfreeze", "--", domain]);
      return true;
    } catch (e) {
      if (isLibvirtError(e, "NOT_FOUND") || isLibvirtError(e, "UNREACHABLE")) throw e;
      return false; // "Guest agent is not responding": crash-consistent then
    }
  }

  async thaw(domain: string): Promise<void> {
    await this.v(["domfsthaw", "--", domain]);
  }

  private async diskPath(pool: string, volume: string): Promise<string> {
    return (await this.v(["vol-path", "--pool", pool, "--", volume])).trim();
  }

  private async node(
    domain: string,
    pool: string,
    volume: string,
  ): Promise<{ node: string; snapshots: string[] }> {
    const path = await this.diskPath(pool, volume);
    const n = blockNodeOf(await this.qmp(domain, { execute: "query-block" }), path);
    if (!n) throw new LibvirtError("FAILED", `domain ${domain} has no block node for ${path}`, false);
    return n;
  }

  async create(d: DomainSummary, tag: string): Promise<Consistency> {
    assertSnapshotTag(tag);
    const disk = vmDisk(d);
    if (d.state === "shutoff") {
      await this.v(["snapshot-create-as", "--domain", d.name, "--name", tag, "--atomic"]);
      await this.v(["snapshot-delete", "--domain", d.name, "--snapshotname", tag, "--metadata"]);
      return "crash";
    }
    const { node, snapshots } = await this.node(d.name, disk.pool, disk.volume);
    if (snapshots.includes(tag)) return "crash"; // an earlier attempt took it
    const frozen = await this.freeze(d.name);
    try {
      await this.qmp(d.name, {
        execute: "blockdev-snapshot-internal-sync",
        arguments: { device: node, name: tag },
      });
    } finally {
      if (frozen) await this.thaw(d.name);
    }
    return frozen ? "quiesced" : "crash";
  }

  /** With libvirt metadata redefined for the duration of `fn` (stopped domains only). */
  private async withMetadata<T>(d: DomainSummary, tag: string, fn: () => Promise<T>): Promise<T> {
    const inactive = await this.v(["dumpxml", "--inactive", "--", d.name]);
    await this.v(
      ["snapshot-create", "--domain", d.name, "--xmlfile", INPUT_FILE, "--redefine"],
      redefineXml(tag, vmDisk(d).target, inactive, new Date()),
    );
    try {
      return await fn();
    } finally {
      await this.v(["snapshot-delete", "--domain", d.name, "--snapshotname", tag, "--metadata"]).catch(
        () => {},
      );
    }
  }

  /** The disk as it was at the snapshot; the domain must be shut off. */
  async revert(d: DomainSummary, tag: string): Promise<void> {
    assertSnapshotTag(tag);
    if (d.state !== "shutoff")
      throw new LibvirtError("CONFLICT", `domain ${d.name} is ${d.state}; a revert needs it shut off`, false);
    await this.withMetadata(d, tag, () =>
      this.v(["snapshot-revert", "--domain", d.name, "--snapshotname", tag]),
    );
  }

  /** Idempotent: a snapshot already gone is fine. */
  async delete(d: DomainSummary, tag: string): Promise<"deleted" | "absent"> {
    assertSnapshotTag(tag);
    const disk = vmDisk(d);
    if (d.state === "shutoff") {
      try {
        await this.withMetadata(d, tag, () =>
          this.v(["snapshot-delete", "--domain", d.name, "--snapshotname", tag]),
        );
        return "deleted";
      } catch (e) {
        if (e instanceof Error && isMissingSnapshot(e.message)) return "absent";
        throw e;
      }
    }
    const { node, snapshots } = await this.node(d.name, disk.pool, disk.volume);
    if (!snapshots.includes(tag)) return "absent";
    await this.qmp(d.name, {
      execute: "blockdev-snapshot-delete-internal-sync",
      arguments: { device: node, name: tag },
    });
    return "deleted";
  }

  /** Tags of the disk's internal snapshots (running domains: from QEMU). */
  async listRunning(d: DomainSummary): Promise<string[]> {
    const disk = vmDisk(d);
    return (await this.node(d.name, disk.pool, disk.volume)).snapshots;
  }
}
