/**
 * What the `pulumi.dynamic.Resource` subclasses share: typed Args that accept Outputs at any
 * depth, the property bag that registers every output, and the seed of create keys.
 */
import * as pulumi from "@pulumi/pulumi";
import { timeoutsOf } from "./custom-timeouts";

/** A schema's static type with `pulumi.Input` allowed at every level (optional keys stay optional). */
export type DeepInput<T> = T extends readonly (infer U)[]
  ? pulumi.Input<DeepInput<U>[]>
  : T extends object
    ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>
    : pulumi.Input<T>;

/** Args of a resource: each property of the inputs type as a (deep) Input. */
export type ArgsOf<T> = { [K in keyof T]: DeepInput<T[K]> };

/** Program-side seed of create keys: where this resource is declared (see create-key.ts). */
export function createKeySeed(type: string, name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${type}/${name}`;
}

/**
 * The props passed to `super`: every output key present (undefined) so Pulumi registers it as
 * an output, then the args. With no args (`Resource.get`), only the outputs.
 */
export function propsWithOutputs(
  args: object | undefined,
  outputs: readonly string[],
  type: string,
  name: string,
  /** For resources whose hooks wait: their customTimeouts become the `timeouts` input. */
  opts?: pulumi.CustomResourceOptions,
): Record<string, unknown> {
  const props: Record<string, unknown> = Object.fromEntries(outputs.map((k) => [k, undefined]));
  if (args) Object.assign(props, args, { createKeySeed: createKeySeed(type, name) });
  const timeouts = args ? timeoutsOf(opts) : undefined;
  if (timeouts) props.timeouts = timeouts;
  return props;
}

/** Module name of the resource types: `pulumi-nodejs:dynamic/fibrix:<Type>`. */
export const MODULE = "fibrix";
