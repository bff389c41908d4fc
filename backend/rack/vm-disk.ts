/**
 * Growing a VM's disk, which backend/libvirt's VmHost does not offer (an adapter over the same
 * virsh edge). A running domain grows live (`blockresize`, so QEMU sees the new size); a
 * stopped one has its volume resized (`vol-resize`). Never shrinks: the region refuses that.
 */
import { diskVolumeName, domainName } from "../libvirt/naming";
import type { VirshRunner } from "../libvirt/virsh";
import type { VmHost } from "../libvirt/vm-host";

/** `virsh vol-info --bytes` → capacity in bytes (libvirt 9: "Capacity:       1073741824 bytes"). */
export function parseCapacity(volInfo: string): number | undefined {
  const m = /^Capacity:\s+(\d+)\s*bytes/m.exec(volInfo);
  return m ? Number(m[1]) : undefined;
}

export async function growDisk(
  run: VirshRunner,
  host: VmHost,
  o: { prefix: string; vmId: string; bytes: number; running: boolean },
): Promise<"grown" | "unchanged"> {
  const vol = diskVolumeName(o.prefix, o.vmId, 0);
  const info = await run(host.uri, ["vol-info", "--pool", host.pool, "--bytes", "--", vol]);
  const capacity = parseCapacity(info);
  if (capacity !== undefined && capacity >= o.bytes) return "unchanged";
  if (o.running) {
    const path = (await run(host.uri, ["vol-path", "--pool", host.pool, "--", vol])).trim();
    await run(host.uri, ["blockresize", "--", domainName(o.prefix, o.vmId), path, `${o.bytes}B`]);
  } else {
    await run(host.uri, ["vol-resize", "--pool", host.pool, "--", vol, String(o.bytes)]);
  }
  return "grown";
}
