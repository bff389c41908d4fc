/**
 * Whole list bodies, ready to send, per query (filters, cursor, limit). A body is reused only
 * while the query still returns exactly the same ids at the same versions and the same next
 * cursor: every write of a listed row bumps its version, so this holds with several replicas
 * on one database, and an answer is never staler than the ids+versions read made for it.
 * Joining and encoding 10 000 cached views (6 MB) cost more than reading the ids and versions.
 */
export interface Keyed {
  id: string;
  version: number;
}

interface Entry {
  ids: string[];
  versions: number[];
  nextCursor: string | null;
  body: Buffer;
}

export class ListCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  /** The bodies' total size is bounded: 10 000 machines are ~6 MB, and RSS matters on a PE860. */
  constructor(private readonly maxBytes = 24 * 1024 * 1024) {}

  /** The body built for `query` when its rows are still exactly `items` and `nextCursor`. */
  get(query: string, items: readonly Keyed[], nextCursor: string | null): Buffer | undefined {
    const e = this.entries.get(query);
    if (!e || e.nextCursor !== nextCursor || e.ids.length !== items.length) return undefined;
    for (let i = 0; i < items.length; i++) {
      if (e.ids[i] !== items[i]!.id || e.versions[i] !== items[i]!.version) return undefined;
    }
    return e.body;
  }

  put(query: string, items: readonly Keyed[], nextCursor: string | null, body: Buffer): void {
    this.drop(query);
    if (body.length > this.maxBytes) return;
    // A Map iterates oldest first: evict from there (a handful of filters and pages are ever hot).
    for (const old of this.entries.keys()) {
      if (this.bytes + body.length <= this.maxBytes) break;
      this.drop(old);
    }
    this.bytes += body.length;
    this.entries.set(query, {
      ids: items.map((k) => k.id),
      versions: items.map((k) => k.version),
      nextCursor,
      body,
    });
  }

  private drop(query: string): void {
    const e = this.entries.get(query);
    if (!e) return;
    this.bytes -= e.body.length;
    this.entries.delete(query);
  }
}
