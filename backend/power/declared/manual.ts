/** The manual power driver's declaration: no settings, no status, no boot device (pure). */
export const manualDeclaration = {
  name: "manual",
  description: "Manual power control (an operator powers the machine; state unknown)",
  settings: [],
  canQueryStatus: false,
  canSetBootDevice: false,
} as const;
