/**
 * What each resource file (region.ts, rack.ts, machine.ts, pool.ts, virtual-machine.ts)
 * implements for the native provider plugin (native/provider-service.ts): one typed function
 * per engine verb, with Pulumi's dynamic-provider result types (a failed create has created
 * nothing; a failed delete means the object still exists).
 */
import type * as pulumi from "@pulumi/pulumi";

/** What each resource file implements. */
export interface ResourceHooks<I, O> {
  check(olds: Partial<I>, news: Partial<I>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  /** `inputs`: what refresh and import record as the inputs, so the next diff sees drift. */
  read(id: string, props?: Partial<O>): Promise<{ id: string; props: O; inputs: Partial<I> }>;
  update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(id: string, props: O): Promise<void>;
}
