/** `fibrix-metal/sdk`: the typed client of the region API. */
export * from "./client";
export * from "./errors";
export * from "./http";
export * from "./idempotency";
export * from "./schema";
export * from "./waiters";
