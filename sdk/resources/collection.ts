/**
 * What every resource sub-client shares: the REST conventions of the region API (design.md):
 * `GET /things?filters&limit&cursor` pages by id, `GET /things/:id` carries an ETag of the
 * version, `PATCH` and `DELETE` honour If-Match, creates honour Idempotency-Key. Each resource
 * file exposes only the verbs its API has.
 */
import type { AxiosInstance } from "axios";
import { newIdempotencyKey } from "../idempotency";
import { type WaitOptions, waitForDeletion } from "../waiters";

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageOptions {
  /** Page size (region default 100, max 10 000). */
  limit?: number;
  cursor?: string;
}

export interface CreateOptions {
  /**
   * Makes the create safe to retry: the region answers a repeat with the first result. Generated
   * when absent; pass your own (stable across your retries) to make *your* retries safe too.
   */
  idempotencyKey?: string;
}

export interface UpdateOptions {
  /** The version last read: the update fails with PRECONDITION_FAILED (412) if it changed since. */
  ifMatch?: number;
}

export interface DeleteOptions {
  /** The version last read: the delete fails with PRECONDITION_FAILED (412) if it changed since. */
  ifMatch?: number;
}

/** Query values axios can serialise; undefined values are dropped. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

export function ifMatchHeaders(version: number | undefined): Record<string, string> {
  return version === undefined ? {} : { "If-Match": `"${version}"` };
}

function compact(q: object): QueryParams {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as QueryParams;
}

/** A listable collection (GET /things). */
export class ListableCollection<T extends { id: string }, F extends object> {
  constructor(
    protected readonly http: AxiosInstance,
    protected readonly path: string,
  ) {}

  protected url(id: string): string {
    return `${this.path}/${encodeURIComponent(id)}`;
  }

  /** One page. */
  async list(filters: F & PageOptions = {} as F & PageOptions): Promise<Page<T>> {
    return (await this.http.get<Page<T>>(this.path, { params: compact(filters) })).data;
  }

  /** Every object, page after page (lazily). */
  async *iterate(filters: F = {} as F, pageSize = 1000): AsyncGenerator<T> {
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.list({
        ...filters,
        limit: pageSize,
        ...(cursor ? { cursor } : {}),
      });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Every object, following nextCursor. */
  async listAll(filters: F = {} as F): Promise<T[]> {
    const out: T[] = [];
    for await (const x of this.iterate(filters)) out.push(x);
    return out;
  }

  protected async createWith<C, R>(body: C, opts: CreateOptions, params: QueryParams = {}): Promise<R> {
    const res = await this.http.post<R>(this.path, body, {
      headers: { "Idempotency-Key": opts.idempotencyKey ?? newIdempotencyKey() },
      params: compact(params),
    });
    return res.data;
  }

  /** DELETE; resolves with the body when the region answers 202 (deletion under way). */
  protected async deleteWith<R>(
    id: string,
    opts: DeleteOptions,
    params: QueryParams = {},
  ): Promise<R | undefined> {
    const res = await this.http.delete<R>(this.url(id), {
      headers: ifMatchHeaders(opts.ifMatch),
      params: compact(params),
    });
    return res.status === 202 ? res.data : undefined;
  }
}

/** A collection whose objects can be read one by one (GET /things/:id). */
export class Collection<T extends { id: string }, F extends object> extends ListableCollection<T, F> {
  async get(id: string): Promise<T> {
    return (await this.http.get<T>(this.url(id))).data;
  }

  /** Resolves once the object is gone (GET answers 404). */
  waitForDeletion(id: string, opts: Omit<WaitOptions<unknown>, "describe" | "failWhen"> = {}): Promise<void> {
    return waitForDeletion(() => this.get(id), opts);
  }

  protected async updateWith<U>(id: string, body: U, opts: UpdateOptions): Promise<T> {
    return (await this.http.patch<T>(this.url(id), body, { headers: ifMatchHeaders(opts.ifMatch) })).data;
  }
}
