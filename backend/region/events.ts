import type { Kysely } from "kysely";
import type { Database } from "./store/database";

export interface EventInput {
  actor: string;
  objectType:
    | "region"
    | "rack"
    | "fabric"
    | "pool"
    | "machine"
    | "vm"
    | "tenant"
    | "apikey"
    | "image"
    | "snapshot"
    | "backup"
    | "quota"
    /** A client address (failed authentications). */
    | "source"
    | "network"
    | "security-group"
    | "public-ip-pool";
  objectId: string;
  kind: string;
  from?: string | null;
  to?: string | null;
  reason?: string;
}

/** Appends to the event log inside the caller's transaction: no change without its event. */
export async function appendEvent(db: Kysely<Database>, e: EventInput): Promise<void> {
  await db
    .insertInto("events")
    .values({
      at: new Date().toISOString(),
      actor: e.actor,
      objectType: e.objectType,
      objectId: e.objectId,
      kind: e.kind,
      fromState: e.from ?? null,
      toState: e.to ?? null,
      reason: e.reason ?? "",
    })
    .execute();
}
