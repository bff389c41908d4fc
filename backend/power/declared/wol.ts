/** The wol power driver's declaration: what the API, the CLI and the providers know of it (pure). */
import type { SettingSpec } from "../settings";

export const WOL_SETTINGS = [
  { name: "mac", label: "MAC address", type: "mac", required: true },
  {
    name: "broadcast",
    label: "Broadcast address",
    type: "string",
    required: false,
    maxLength: 64,
    default: "255.255.255.255",
  },
  { name: "port", label: "UDP port", type: "int", required: false, default: 9, min: 1, max: 65535 },
] as const satisfies readonly SettingSpec[];

export const wolDeclaration = {
  name: "wol",
  description: "Wake-on-LAN magic packet (power on only)",
  settings: WOL_SETTINGS,
  canQueryStatus: false,
  canSetBootDevice: false,
} as const;
