/**
 * Every power driver's declaration, in the registry's order (registry.ts pairs each with its
 * factory). Pure data: the API's power schema (sdk/schema/power-parameters.ts) and the machine
 * model's checks are built from these, without loading any driver.
 */
import { ipmiDeclaration } from "./ipmi";
import { manualDeclaration } from "./manual";
import { virshDeclaration } from "./virsh";
import { wolDeclaration } from "./wol";

export const POWER_DECLARATIONS = [
  ipmiDeclaration,
  virshDeclaration,
  wolDeclaration,
  manualDeclaration,
] as const;

export type PowerDeclaration = (typeof POWER_DECLARATIONS)[number];
export type PowerTypeName = PowerDeclaration["name"];

export function powerDeclaration(type: string): PowerDeclaration | undefined {
  return POWER_DECLARATIONS.find((d) => d.name === type);
}
