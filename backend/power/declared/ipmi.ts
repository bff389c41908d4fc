/** The ipmi power driver's declaration: what the API, the CLI and the providers know of it (pure). */
import type { SettingSpec } from "../settings";

export const IPMI_SETTINGS = [
  { name: "address", label: "BMC host or IP address", type: "string", required: true, maxLength: 255 },
  { name: "port", label: "BMC UDP port", type: "int", required: false, default: 623, min: 1, max: 65535 },
  // IPMI 1.5 §18.13/§22.28: user names and passwords are 16-byte fields.
  { name: "user", label: "User name", type: "string", required: false, default: "", maxLength: 16 },
  { name: "password", label: "Password", type: "string", required: true, secret: true, maxLength: 16 },
  // IPMI 2.0 (RMCP+) will be a second session type beside the 1.5 one; until then 1.5 only.
  {
    name: "ipmiVersion",
    label: "IPMI version",
    type: "choice",
    required: false,
    choices: ["1.5"],
    default: "1.5",
  },
  {
    name: "authType",
    label: "Authentication type",
    type: "choice",
    required: false,
    choices: ["md5", "password", "md2", "none"],
    default: "md5",
  },
  {
    name: "privilege",
    label: "Privilege level",
    type: "choice",
    required: false,
    choices: ["admin", "operator"],
    default: "admin",
  },
  {
    name: "timeoutMs",
    label: "Timeout per exchange (ms)",
    type: "int",
    required: false,
    default: 2000,
    min: 50,
    max: 60000,
  },
] as const satisfies readonly SettingSpec[];

export const ipmiDeclaration = {
  name: "ipmi",
  description: "IPMI v1.5 over LAN (RMCP, MD5 or straight password)",
  settings: IPMI_SETTINGS,
  canQueryStatus: true,
  canSetBootDevice: true,
} as const;
