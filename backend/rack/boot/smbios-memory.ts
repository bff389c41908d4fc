/**
 * Installed memory from SMBIOS "Memory Device" structures (type 17, DSP0134 3.x §7.18), the way
 * lshw/dmidecode (and so MAAS) size a machine's RAM: the sum of its DIMMs, not what the kernel
 * has left after its own reservations. Input: each structure's raw bytes, as the commissioning
 * environment reads them from /sys/firmware/dmi/entries/17-N/raw.
 */

/** Size in MiB of one type-17 structure; 0 for an empty slot, undefined when unknown or malformed. */
export function memoryDeviceMiB(raw: Uint8Array): number | undefined {
  if (raw.length < 0x0e || raw[0] !== 17) return undefined;
  const formatted = raw[1]!;
  if (formatted < 0x0e || raw.length < formatted) return undefined;
  const size = raw[0x0c]! | (raw[0x0d]! << 8); // §7.18.5 Size
  if (size === 0) return 0; // no device installed in the socket
  if (size === 0xffff) return undefined; // size unknown
  if (size === 0x7fff) {
    // §7.18.5: the real size is in Extended Size (offset 1Ch, SMBIOS 2.7+), in MiB, bits 30:0.
    if (formatted < 0x20) return undefined;
    const ext = (raw[0x1c]! | (raw[0x1d]! << 8) | (raw[0x1e]! << 16) | (raw[0x1f]! << 24)) & 0x7fffffff;
    return ext;
  }
  // Bit 15: granularity (0 = MiB, 1 = KiB).
  return size & 0x8000 ? (size & 0x7fff) / 1024 : size;
}

/** Sum over all memory devices, or undefined when none could be read. */
export function installedMemoryMiB(devices: readonly Uint8Array[]): number | undefined {
  let total = 0;
  let known = 0;
  for (const d of devices) {
    const s = memoryDeviceMiB(d);
    if (s === undefined) continue;
    known++;
    total += s;
  }
  return known > 0 && total > 0 ? Math.round(total) : undefined;
}

export function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, "");
  const out = new Uint8Array(Math.floor(clean.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
