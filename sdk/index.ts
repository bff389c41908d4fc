/** `fibrix-metal/sdk`: the typed client of the region API, its errors, schema types and waiters. */
export * from "./client";
export * from "./errors";
export * from "./http";
export * from "./idempotency";
export * from "./resources/api-keys";
export * from "./resources/collection";
export * from "./resources/events";
export * from "./resources/fabrics";
export * from "./resources/machines";
export * from "./resources/images";
export * from "./resources/pools";
export * from "./resources/racks";
export * from "./resources/regions";
export * from "./resources/tenants";
export * from "./resources/vms";
export * from "./schema";
export * from "./waiters";
