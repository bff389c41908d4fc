/** `client.events`: the region's event log (who did what, when, from which state to which, why). */
import type { AxiosInstance } from "axios";
import { errorFromProblem, FibrixError, type Problem, UnavailableError } from "../errors";
import type { Event } from "../schema/tenant";
import { SseParser } from "../sse";

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

  /**
   * The live event log (`GET /events/stream`, server-sent events): the events after `after`
   * (or only new ones without it), then each new one as it is written, until `signal` aborts
   * or the region ends the stream. Resume after a drop with `after` = the last id seen.
   */
  async *stream(
    query: Omit<EventQuery, "limit"> = {},
    opts: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Event> {
    const url = new URL(`${this.http.defaults.baseURL}/events/stream`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          accept: "text/event-stream",
          authorization: String(this.http.defaults.headers.Authorization ?? ""),
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw new UnavailableError(
        `cannot reach the region at ${url.origin}: ${e instanceof Error ? e.message : e}`,
      );
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let problem: Problem | undefined;
      try {
        problem = JSON.parse(text) as Problem;
      } catch {
        problem = undefined;
      }
      if (problem && typeof problem.code === "string") throw errorFromProblem(problem);
      throw new FibrixError("INTERNAL", `GET /events/stream: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          if (m.event === "event") yield JSON.parse(m.data) as Event;
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw e;
    } finally {
      reader.releaseLock();
      await res.body.cancel().catch(() => undefined);
    }
  }
}
