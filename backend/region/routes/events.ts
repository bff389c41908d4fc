import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Strict } from "../../../sdk/schema/common";
import { Event } from "../../../sdk/schema/tenant";
import { principalOf, type RegionContext } from "../context";

const Query = Type.Object(
  {
    object: Type.Optional(Type.String({ maxLength: 64 })),
    type: Type.Optional(Type.String({ maxLength: 16 })),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: "return events with a larger id (for polling)" }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  Strict,
);

/** The event log: who did what, when, from which state to which, and why. */
export function eventRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;
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
      const p = principalOf(req);
      const q = req.query as { object?: string; type?: string; after?: number; limit?: number };
      let query = db
        .selectFrom("events")
        .selectAll("events")
        .orderBy("events.id")
        .limit(q.limit ?? 100);
      if (q.after !== undefined) query = query.where("events.id", ">", q.after);
      if (q.object) query = query.where("events.objectId", "=", q.object);
      if (q.type) query = query.where("events.objectType", "=", q.type);
      if (p.kind === "tenant") {
        // A tenant sees the events of its own VMs only.
        query = query.innerJoin("vms", "vms.id", "events.objectId").where("vms.tenantId", "=", p.tenantId);
      }
      const rows = await query.execute();
      return {
        items: rows.map((e) => ({
          id: Number(e.id),
          at: e.at,
          actor: e.actor,
          objectType: e.objectType,
          objectId: e.objectId,
          kind: e.kind,
          from: e.fromState,
          to: e.toState,
          reason: e.reason,
        })),
      };
    },
  );
}
