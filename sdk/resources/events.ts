/** `client.events`: the region's event log (who did what, when, from which state to which, why). */
import type { AxiosInstance } from "axios";
import type { Event } from "../schema/tenant";

export interface EventQuery {
  /** Only events of this object id. */
  object?: string;
  /** Only events of this object type (machine, vm, rack, …). */
  type?: string;
  /** Only events with a larger id: pass the last id seen to poll for new ones. */
  after?: number;
  /** At most this many (region default 100, max 1000). */
  limit?: number;
}

export class EventsClient {
  constructor(private readonly http: AxiosInstance) {}

  /** Oldest first. A tenant key sees the events of its own VMs only. */
  async list(query: EventQuery = {}): Promise<Event[]> {
    const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    return (await this.http.get<{ items: Event[] }>("/events", { params })).data.items;
  }

  /** Every matching event, in pages of 1000. */
  async listAll(query: Omit<EventQuery, "limit"> = {}): Promise<Event[]> {
    const out: Event[] = [];
    let after = query.after;
    for (;;) {
      const page = await this.list({ ...query, ...(after !== undefined ? { after } : {}), limit: 1000 });
      out.push(...page);
      if (page.length < 1000) return out;
      after = page[page.length - 1]!.id;
    }
  }
}
