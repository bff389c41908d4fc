/** Prometheus metrics of the region: HTTP traffic plus machine/VM counts read at scrape time. */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Store } from "./store/open";

export function installMetrics(app: FastifyInstance, store: Store): Registry {
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
