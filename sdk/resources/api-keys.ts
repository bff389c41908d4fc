/** `client.apiKeys`: API keys; the key itself is in the create answer only (the region keeps a hash). */
import type { ApiKey, ApiKeyCreate, ApiKeyCreated } from "../schema/tenant";
import { type CreateOptions, type DeleteOptions, ListableCollection } from "./collection";

export type ApiKeyFilters = Record<never, never>;

export class ApiKeysClient extends ListableCollection<ApiKey, ApiKeyFilters> {
  create(body: ApiKeyCreate, opts: CreateOptions = {}): Promise<ApiKeyCreated> {
    return this.createWith(body, opts);
  }

  /** Revokes the key. */
  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    await this.deleteWith(id, opts);
  }
}
