import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ValidationError } from "../../../sdk/errors";
import { Strict, StringEnum } from "../../../sdk/schema/common";
import { Event } from "../../../sdk/schema/tenant";
import { formatSse } from "../../../sdk/sse";
import type { Principal } from "../auth";
import { principalOf, type RegionContext } from "../context";
import { EventFeed } from "../event-feed";
import type { Database } from "../store/database";

const Filter = {
  object: Type.Optional(Type.String({ maxLength: 64 })),
  type: Type.Optional(Type.String({ maxLength: 16 })),
  after: Type.Optional(
    Type.Integer({ minimum: 0, description: "return events with a larger id (for polling)" }),
  ),
};
const Query = Type.Object(
  {
    ...Filter,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    order: Type.Optional(StringEnum(["asc", "desc"] as const, "desc: newest first (recent events)")),
  },
  Strict,
);
const StreamQuery = Type.Object(Filter, Strict);

interface EventFilter {
  object?: string;
  type?: string;
  after?: number;
}

/** How often an open stream sends a comment line, so proxies and clients see it alive. */
export const eventStreamSettings = { heartbeatMs: 15_000 };

/** The polling list and the stream read through this one query: the same tenant scope. */
async function readEvents(
  db: Kysely<Database>,
  p: Principal,
  q: EventFilter,
  limit: number,
  order: "asc" | "desc" = "asc",
): Promise<Event[]> {
  let query = db.selectFrom("events").selectAll("events").orderBy("events.id", order).limit(limit);
  if (q.after !== undefined) query = query.where("events.id", ">", q.after);
  if (q.object) query = query.where("events.objectId", "=", q.object);
  if (q.type) query = query.where("events.objectType", "=", q.type);
  if (p.kind === "tenant") {
    // A tenant sees the events of its own VMs only.
    query = query.innerJoin("vms", "vms.id", "events.objectId").where("vms.tenantId", "=", p.tenantId);
  }
  const rows = await query.execute();
  return rows.map((e) => ({
    id: Number(e.id),
    at: e.at,
    actor: e.actor,
    objectType: e.objectType,
    objectId: e.objectId,
    kind: e.kind,
    from: e.fromState,
    to: e.toState,
    reason: e.reason,
  }));
}

/** The event log: who did what, when, from which state to which, and why. */
export function eventRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;
  const feed = new EventFeed(db, ctx.log);
  const open = new Set<() => void>();
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
    feed.stop();
  });

  app.get(
    "/events",
    {
      schema: {
        tags: ["events"],
        querystring: Query,
        response: { 200: Type.Object({ items: Type.Array(Event) }) },
      },
    },
    async (req) => {
      const q = req.query as EventFilter & { limit?: number; order?: "asc" | "desc" };
      return { items: await readEvents(db, principalOf(req), q, q.limit ?? 100, q.order) };
    },
  );

  app.get(
    "/events/stream",
    {
      schema: {
        tags: ["events"],
        summary: "the event log as server-sent events",
        description:
          "text/event-stream: one `event: event` message per event (`id:` is the event id, `data:` its JSON), " +
          "oldest first from `after` or the `Last-Event-ID` header, then live; a comment line every 15 s.",
        querystring: StreamQuery,
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const q = req.query as EventFilter;
      const header = req.headers["last-event-id"];
      let after = q.after;
      if (header !== undefined) {
        const n = Number(header);
        if (!Number.isSafeInteger(n) || n < 0) {
          throw ValidationError.field("header:last-event-id", "must be an event id (a non-negative integer)");
        }
        after = Math.max(after ?? 0, n);
      }
      // Without a start point the stream begins at the end of the log: live events only.
      if (after === undefined) {
        const row = await db
          .selectFrom("events")
          .select((eb) => eb.fn.max("id").as("max"))
          .executeTakeFirst();
        after = Number(row?.max ?? 0);
      }
      // A per-key bound on open streams: the next one is a 429 before the stream opens.
      const release = ctx.connections.acquire(p.keyId, "event streams");
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(": fibrix event stream\nretry: 2000\n\n");
      let ended = false;
      let reading = false;
      let again = false;
      const drain = async (): Promise<void> => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            for (;;) {
              const batch = await readEvents(db, p, { ...q, after }, 500);
              if (ended) return;
              for (const e of batch)
                res.write(formatSse({ id: e.id, event: "event", data: JSON.stringify(e) }));
              if (batch.length > 0) after = batch[batch.length - 1]!.id;
              if (batch.length < 500) break;
            }
          } while (again && !ended);
        } catch (err) {
          ctx.log.warn({ err }, "event stream read failed; it retries on the next change");
        } finally {
          reading = false;
        }
      };
      const unsubscribe = feed.subscribe(() => void drain());
      const heartbeat = setInterval(() => res.write(": ping\n\n"), eventStreamSettings.heartbeatMs);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        release();
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.on("close", end);
      res.on("close", end);
      await drain();
    },
  );
}
