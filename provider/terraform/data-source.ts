/**
 * What a data source is to the provider: a schema and a read. Data sources list what exists
 * (regions, pools, images) so configurations can refer to it by name.
 */
import type { TfObject } from "./dynamic-value";
import type { ResourceContext } from "./resource";
import type { TfSchema } from "./schema";

export interface TfDataSource {
  typeName: string;
  schema: TfSchema;
  read(ctx: ResourceContext, config: TfObject): Promise<TfObject>;
}
