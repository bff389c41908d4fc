/**
 * Every machine status, in lifecycle order: a plain list (no TypeBox) so the web console can
 * import it without the schema library in its bundle. `MachineStatus` (machine.ts) is its schema.
 */
export const MACHINE_STATUSES = [
  "New",
  "Commissioning",
  "Ready",
  "Allocated",
  "Deploying",
  "Deployed",
  "Releasing",
  "FailedCommissioning",
  "FailedDeployment",
  "FailedReleasing",
  "Broken",
  "Rescue",
] as const;
