/**
 * `GET /usage?tenant=&from=&to=&granularity=hour|day[&format=csv]`: resource-seconds from the
 * usage ledger, one line per tenant × VM × bucket, as JSON or as the billing export (CSV,
 * also for `Accept: text/csv`). Tenant keys read only their own; operators any tenant or all.
 */
import type { FastifyInstance } from "fastify";
import { NotFoundError, ValidationError } from "../../../sdk/errors";
import { UsageQuery, UsageReport } from "../../../sdk/schema/quota";
import { principalOf, type RegionContext } from "../context";
import { parsePeriod, usageCsv, usageLines } from "../usage-arithmetic";
import { intervalOf } from "../usage-meter";

export function usageRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.get(
    "/usage",
    { schema: { tags: ["usage"], querystring: UsageQuery, response: { 200: UsageReport } } },
    async (req, reply) => {
      const p = principalOf(req);
      const q = req.query as UsageQuery;
      if (q.format !== undefined && q.format !== "json" && q.format !== "csv") {
        throw ValidationError.field("query:format", "must be json or csv");
      }
      const period = parsePeriod(q);
      if (Array.isArray(period)) throw ValidationError.fields(period);
      let tenant = q.tenant ?? null;
      if (p.kind === "tenant") {
        // Another tenant's usage does not exist for this key.
        if (tenant && tenant !== p.tenantId) throw NotFoundError.of("tenant", tenant);
        tenant = p.tenantId;
      }
      let query = db
        .selectFrom("usageIntervals")
        .selectAll()
        .where("startMs", "<", period.toMs)
        .where((eb) => eb.or([eb("endMs", "is", null), eb("endMs", ">", period.fromMs)]));
      if (tenant) query = query.where("tenantId", "=", tenant);
      const intervals = (await query.execute()).map(intervalOf);
      const { lines, totals } = usageLines(
        intervals,
        period.fromMs,
        period.toMs,
        period.granularity,
        ctx.clock.now(),
      );
      const csv =
        q.format === "csv" || (q.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ""));
      if (csv) {
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="usage-${tenant ?? "all"}.csv"`)
          .send(usageCsv(lines));
      }
      return {
        from: new Date(period.fromMs).toISOString(),
        to: new Date(period.toMs).toISOString(),
        granularity: period.granularity,
        tenant,
        totals,
        items: lines,
      } satisfies UsageReport;
    },
  );
}
