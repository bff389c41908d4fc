/**
 * One model per resource (Region, Rack, Machine, VirtualMachine, Pool): its fields with their
 * annotations, its pure rules and its lifecycle steps, written once here and adapted thinly by
 * the region's routes, the Pulumi provider, the Terraform plugin and the CLI, so that a rule
 * fixed once is fixed everywhere (Terraform's framework attaches plan behaviour to the
 * attribute the same way, with plan modifiers; MAAS builds its power schema from its drivers).
 *
 * Field names are the API's (camelCase); a nested field is named with a dot (`power.password`).
 * Rules report the API's JSON pointers (`/power/password`); each face turns a pointer into its
 * own path (`power.password` in Pulumi, `power.password` as an attribute path in Terraform).
 */
import type { TObject, TSchema } from "@sinclair/typebox";
import type { FieldError } from "../errors";

export interface FieldAnnotations {
  description?: string;
  /** A change replaces the object (it cannot be updated in place). */
  replaceOnChange?: true;
  /** A create-time knob: a change later asks for nothing (commission right after enlisting). */
  createOnly?: true;
  /** Computed, and never changed by an update (id, createdAt, fqdn, an enrollment token). */
  stable?: true;
  /** Kept secret in a state and a plan (a BMC password, an enrollment token). */
  secret?: true;
  /** Sent to the region and never returned by it (the state keeps what was sent). */
  writeOnly?: true;
}

export type ResourceName =
  | "Region"
  | "Rack"
  | "Machine"
  | "VirtualMachine"
  | "Pool"
  | "VmSnapshot"
  | "Backup"
  | "Quota"
  | "Network"
  | "SecurityGroup"
  | "PublicIpPool";

/** What rules are told about the values they judge. */
export interface RuleContext {
  /** Whether a value is not known yet (a plan or a preview): such values are not judged. */
  unknown(value: unknown): boolean;
  /** An update may leave out a password the region already keeps. */
  passwordStored?: boolean;
}

export type Values = Readonly<Record<string, unknown>>;

export interface ResourceModel {
  readonly name: ResourceName;
  readonly description: string;
  readonly create: TObject;
  readonly update: TObject;
  readonly output: TSchema;
  readonly fields: Readonly<Record<string, FieldAnnotations>>;
  /** Fields unique in the region: a replacement that keeps them must delete the old object first. */
  readonly unique: readonly string[];
  /** Rules of a desired state beyond its schema: the API, Pulumi and Terraform all apply them. */
  rules?(desired: Values, ctx: RuleContext): FieldError[];
  /**
   * Rules only a declared state has: the providers' create waits for what is declared, so a
   * declaration it could never reach is refused (the API takes such a machine and waits for an
   * operator).
   */
  declarationRules?(desired: Values, ctx: RuleContext): FieldError[];
  /**
   * Changes the field annotations cannot judge that need a new object (a smaller disk): the
   * API refuses them in an update with this reason, the providers plan a replacement.
   */
  replaceReasons?(current: Values, desired: Values): FieldError[];
  /** Whether the desired object would clash with the current one (overlapping MACs). */
  clashes?(current: Values, desired: Values, ctx: RuleContext): boolean;
}

type Flag = Exclude<keyof FieldAnnotations, "description">;

/** Names of the fields with `flag` (dotted names for nested ones). */
export function fieldsWith(model: ResourceModel, flag: Flag): string[] {
  return Object.entries(model.fields)
    .filter(([, a]) => a[flag] === true)
    .map(([name]) => name);
}

/** Top-level names of the fields with `flag`, or with a nested field that has it (`power`). */
export function topFieldsWith(model: ResourceModel, flag: Flag): string[] {
  return [...new Set(fieldsWith(model, flag).map((n) => n.split(".")[0]!))];
}

/** The input fields (of the create schema) a diff compares: all but create-only knobs. */
export function comparedFields(model: ResourceModel): string[] {
  const createOnly = fieldsWith(model, "createOnly");
  return Object.keys(model.create.properties).filter((k) => !createOnly.includes(k));
}

/** The fields every object has (sdk/schema/common.ts `Meta`). */
export const META_FIELDS: Readonly<Record<string, FieldAnnotations>> = {
  version: { description: "Increases on every change." },
  createdAt: { stable: true, description: "Creation time (RFC 3339)." },
  updatedAt: { description: "Last change (RFC 3339)." },
};

/** A rule context for values that are all known (the API's). */
export const KNOWN: RuleContext = { unknown: () => false };
