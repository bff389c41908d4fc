/** The virsh power driver's declaration: what the API, the CLI and the providers know of it (pure). */
import type { SettingSpec } from "../settings";

export const VIRSH_SETTINGS = [
  { name: "uri", label: "libvirt URI", type: "string", required: true, maxLength: 512 },
  { name: "domain", label: "Domain name or UUID", type: "string", required: true, maxLength: 255 },
  {
    name: "timeoutMs",
    label: "Timeout per virsh call (ms)",
    type: "int",
    required: false,
    default: 30000,
    min: 100,
  },
] as const satisfies readonly SettingSpec[];

export const virshDeclaration = {
  name: "virsh",
  description: "libvirt domain through virsh (qemu:///system, qemu+ssh://host/system, test:///default)",
  settings: VIRSH_SETTINGS,
  canQueryStatus: true,
  canSetBootDevice: true,
} as const;
