/**
 * Wakes event streams when the event log grows. It polls the store (`max(id)` on the events
 * table, an index lookup) every `intervalMs` while at least one stream listens, rather than
 * hooking `appendEvent`: events are written inside transactions (a wake-up before the commit
 * would find nothing) and by every replica on a shared PostgreSQL, and a poll sees both.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "./store/database";

export class EventFeed {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private last = -1;
  private polling = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  /** Calls `wake` after the log grew; returns the unsubscribe. */
  subscribe(wake: () => void): () => void {
    this.listeners.add(wake);
    if (!this.timer) this.timer = setInterval(() => void this.poll(), this.intervalMs);
    return () => {
      this.listeners.delete(wake);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = -1;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const row = await this.db
        .selectFrom("events")
        .select((eb) => eb.fn.max("id").as("max"))
        .executeTakeFirst();
      const max = Number(row?.max ?? 0);
      if (max !== this.last) {
        this.last = max;
        for (const wake of this.listeners) wake();
      }
    } catch (err) {
      // The store reconnects by itself (store/open.ts); streams resume on the next tick.
      this.log.warn({ err }, "event feed poll failed");
    } finally {
      this.polling = false;
    }
  }
}
