/** Prometheus metrics of the region: HTTP traffic plus machine/VM counts read at scrape time. */
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Store } from "./store/open";

export function installMetrics(app: FastifyInstance, store: Store, now: () => number): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "fibrix_region_" });
  const duration = new Histogram({
    name: "fibrix_http_request_duration_seconds",
    help: "HTTP request latency by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: "fibrix_http_errors_total",
    help: "HTTP responses with status >= 400 by code",
    labelNames: ["status"],
    registers: [registry],
  });
  new Gauge({
    name: "fibrix_machines",
    help: "Machines by lifecycle status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await store.db
        .selectFrom("machines")
        .select((eb) => ["status", eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: "fibrix_vms",
    help: "VMs by status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await store.db
        .selectFrom("vms")
        .select((eb) => ["status", eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  installTenantMetrics(registry, store, now);
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    duration.observe({ method: req.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) errors.inc({ status: reply.statusCode });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}

/**
 * Per tenant: resource-seconds metered so far (the usage ledger, open intervals up to now) and
 * what its VMs hold now (as quotas count it: every VM still on a host).
 */
function installTenantMetrics(registry: Registry, store: Store, now: () => number): void {
  const metered = [
    ["core", "cores", "vCPU-seconds"],
    ["memory_mib", "memoryMib", "MiB-seconds of memory"],
    ["disk_gib", "diskGib", "GiB-seconds of disk"],
    ["public_ip", "publicIps", "public-address-seconds"],
  ] as const;
  for (const [name, col, help] of metered) {
    new Counter({
      name: `fibrix_tenant_${name}_seconds_total`,
      help: `Metered ${help} per tenant`,
      labelNames: ["tenant"],
      registers: [registry],
      async collect() {
        this.reset();
        const at = now();
        const rows = await store.db
          .selectFrom("usageIntervals")
          .select((eb) => [
            "tenantId",
            sql<string>`sum((coalesce(${eb.ref("endMs")}, ${at}) - ${eb.ref("startMs")}) * ${eb.ref(col)})`.as(
              "ms",
            ),
          ])
          .groupBy("tenantId")
          .execute();
        for (const r of rows) this.inc({ tenant: r.tenantId }, Math.max(0, Number(r.ms ?? 0)) / 1000);
      },
    });
  }
  const allocated = [
    ["fibrix_tenant_allocated_vms", "VMs holding capacity", "vms"],
    ["fibrix_tenant_allocated_cores", "vCPUs held by the tenant's VMs", "cores"],
    ["fibrix_tenant_allocated_memory_mib", "MiB of memory held by the tenant's VMs", "memoryMib"],
    ["fibrix_tenant_allocated_disk_gib", "GiB of disk held by the tenant's VMs", "diskGib"],
  ] as const;
  for (const [metric, help, col] of allocated) {
    new Gauge({
      name: metric,
      help,
      labelNames: ["tenant"],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await store.db
          .selectFrom("vms")
          .select((eb) => [
            "tenantId",
            (col === "vms" ? eb.fn.countAll<number>() : eb.fn.sum<number>(col)).as("n"),
          ])
          .where("hostId", "is not", null)
          .groupBy("tenantId")
          .execute();
        for (const r of rows) this.set({ tenant: r.tenantId }, Number(r.n));
      },
    });
  }
}
