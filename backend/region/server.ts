/**
 * The region server: REST API under /api/v1 (OpenAPI at /api/v1/openapi.json, docs at
 * /api/v1/docs), health and metrics endpoints, and the authoritative DNS for every region's
 * zone. `startRegion` is what `fibrix region serve` runs.
 */
import swagger from "@fastify/swagger";
import websocket from "@fastify/websocket";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifySchemaCompiler,
  LogController,
} from "fastify";
import pino, { type Logger } from "pino";
import { ForbiddenError, UnauthorizedError } from "../../sdk/errors";
import { TLS_MIN_VERSION } from "../../sdk/tls-trust";
import { ensureAdminKey, KeyAuthenticator } from "./auth";
import { type Clock, systemClock } from "./clock";
import { AuthGuard } from "./auth-guard";
import { AuthFailureLimiter, type AuthLimits } from "./auth-limiter";
import { ConnectionLimiter } from "./connection-limiter";
import type { RegionContext } from "./context";
import { lazyValidator } from "./lazy-validator";
import { installConsole } from "./console";
import { installMetrics } from "./metrics";
import { installProblemHandlers } from "./problem";
import { eventRoutes } from "./routes/events";
import { fabricRoutes } from "./routes/fabrics";
import { imageRoutes } from "./routes/images";
import { machineRoutes } from "./routes/machines";
import { networkRoutes } from "./routes/networks";
import { publicIpPoolRoutes } from "./routes/public-ip-pools";
import { securityGroupRoutes } from "./routes/security-groups";
import { poolRoutes } from "./routes/pools";
import { quotaRoutes } from "./routes/quotas";
import { rackRoutes } from "./routes/racks";
import { regionRoutes } from "./routes/regions";
import { tenantRoutes } from "./routes/tenants";
import { vmConsoleRoutes } from "./routes/vm-console";
import { usageRoutes } from "./routes/usage";
import { vmRoutes } from "./routes/vms";
import { backupRoutes } from "./routes/backups";
import { snapshotRoutes } from "./routes/snapshots";
import { rackAgentRoutes } from "./routes/rack-agent";
import { openStore, type Store } from "./store/open";
import { TaskSignal } from "./tasks";
import { ConsoleSessions } from "./console-sessions";
import { SecretBox } from "./store/secret-box";
import { answerProtocol, bearerFromProtocols } from "./ws-bearer";

export const API_PREFIX = "/api/v1";
const PUBLIC = new Set([`${API_PREFIX}/openapi.json`]);

export interface RegionOptions {
  dataDir: string;
  databaseUrl?: string;
  logger?: Logger;
  /** FIBRIX_ADMIN_KEY: registers this admin key instead of generating one. */
  adminKey?: string;
  /** The metering clock (default: the system clock; tests pass their own). */
  clock?: Clock;
  /** Serve HTTPS (TLS 1.2 or later) with this PEM certificate and key; its fingerprint goes into rack enrollment tokens. */
  tls?: { cert: string; key: string; fingerprint: string };
  /** Budgets of failed authentications (default DEFAULT_AUTH_LIMITS). */
  authLimits?: AuthLimits;
  /** Long-lived connections (long polls, SSE, WebSockets) one key may hold at once (default 8). */
  maxStreamsPerKey?: number;
}

export interface RegionApp {
  app: FastifyInstance;
  ctx: RegionContext;
  /** The admin key generated on first start (undefined afterwards or with adminKey). */
  bootstrapKey: string | undefined;
  /** Bumped on every DNS-visible change; it is the zones' SOA serial. */
  dnsSerial(): number;
  /** Subscribes to DNS-visible changes (the DNS zone cache rebuilds on them). */
  onDnsChange(listener: () => void): void;
}

export async function buildRegion(opts: RegionOptions): Promise<RegionApp> {
  const log = opts.logger ?? pino({ level: process.env.FIBRIX_LOG_LEVEL ?? "info" });
  const store: Store = await openStore({
    dataDir: opts.dataDir,
    databaseUrl: opts.databaseUrl,
    onConnectionError: (err) => log.warn({ err }, "database connection lost; it will be reopened"),
  });
  const secrets = SecretBox.forDataDir(opts.dataDir);
  const bootstrapKey = await ensureAdminKey(store.db, opts.adminKey);
  // Serial in seconds since epoch: monotonic across restarts and across replicas.
  let serial = Math.floor(Date.now() / 1000);
  const dnsListeners: (() => void)[] = [];
  const ctx: RegionContext = {
    store,
    secrets,
    auth: new KeyAuthenticator(store.db),
    tasks: new TaskSignal(),
    consoles: new ConsoleSessions(),
    clock: opts.clock ?? systemClock,
    connections: new ConnectionLimiter(opts.maxStreamsPerKey),
    log,
    ...(opts.tls ? { tlsFingerprint: opts.tls.fingerprint } : {}),
    dnsChanged: () => {
      serial = Math.max(serial + 1, Math.floor(Date.now() / 1000));
      for (const l of dnsListeners) l();
    },
  };

  const guard = new AuthGuard(ctx.auth, new AuthFailureLimiter(opts.authLimits), store.db, log);
  guard.start();
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One log line per request costs more than the request itself at 2 000 GET/s: opt-in.
    logController: new LogController({ disableRequestLogging: process.env.FIBRIX_LOG_REQUESTS !== "1" }),
    bodyLimit: 1024 * 1024,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key, minVersion: TLS_MIN_VERSION } } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler());
  // Every view is built field by field (secrets never enter one), so plain JSON.stringify is
  // safe; fast-json-stringify would re-validate each nullable union with ajv, 8x slower on lists.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest("principal", null);
  // The API speaks JSON only: anything else is 415, not a confusing "must be object".
  app.removeContentTypeParser("text/plain");
  installProblemHandlers(app);
  installMetrics(app, store, () => ctx.clock.now());

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "fibrix-metal region API",
        version: "1.0.0",
        description: "Metal as a Service: regions, racks, fabrics, pools, machines, images and VMs.",
      },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
  });
  // The docs page's assets cost ~10 MB of RSS: served only where asked for (FIBRIX_DOCS=0 turns it off).
  if (process.env.FIBRIX_DOCS !== "0") {
    await app.register((await import("@fastify/swagger-ui")).default, { routePrefix: `${API_PREFIX}/docs` });
  }

  // Serial consoles (routes/vm-console.ts): console bytes are small, so frames are too.
  // A key offered as a subprotocol (ws-bearer.ts) is never the one answered.
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, handleProtocols: (offered) => answerProtocol(offered) },
  });
  app.addHook("preClose", async () => ctx.consoles.closeAll("the region is shutting down"));

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    try {
      // Not ready while no primary takes writes (a failover in progress): a load balancer
      // sends clients to a replica that can serve them.
      await store.ready();
      return { status: "ready", store: store.dialect };
    } catch (e) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ status: "unavailable", reason: String(e) });
    }
  });

  await app.register(
    async (api) => {
      api.addHook("onRequest", async (req) => {
        if (PUBLIC.has(req.url.split("?")[0]!) || req.url.startsWith(`${API_PREFIX}/docs`)) return;
        // Failures are limited per source address and key prefix (auth-guard.ts); req.ip is
        // the peer's address (no proxy is trusted).
        // A browser's WebSocket cannot send the header: its key comes as a subprotocol, read
        // here and then removed from the request, and the same guard decides (ws-bearer.ts).
        let authorization = req.headers.authorization;
        let malformed: UnauthorizedError | undefined;
        try {
          const inProtocol = bearerFromProtocols(req.headers);
          if (inProtocol) {
            authorization ??= inProtocol.authorization;
            req.raw.headers["sec-websocket-protocol"] = inProtocol.protocols.join(", ");
          }
        } catch (e) {
          if (!(e instanceof UnauthorizedError)) throw e;
          malformed = e;
        }
        const p = await guard.authenticate(authorization, req.ip, malformed);
        // Rack tokens open the rack protocol only, and only rack tokens open it.
        const rackPath = req.url.startsWith(`${API_PREFIX}/rack-agent/`);
        if (rackPath !== (p.kind === "rack")) {
          throw new ForbiddenError(
            rackPath
              ? "the rack protocol needs a rack enrollment token"
              : "a rack token may use /rack-agent only",
          );
        }
        req.principal = p;
      });
      api.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
      for (const routes of [
        regionRoutes,
        fabricRoutes,
        rackRoutes,
        poolRoutes,
        machineRoutes,
        vmRoutes,
        vmConsoleRoutes,
        snapshotRoutes,
        backupRoutes,
        networkRoutes,
        securityGroupRoutes,
        publicIpPoolRoutes,
        imageRoutes,
        tenantRoutes,
        quotaRoutes,
        usageRoutes,
        eventRoutes,
        rackAgentRoutes,
      ]) {
        routes(api, ctx);
      }
    },
    { prefix: API_PREFIX },
  );
  installConsole(app);
  app.addHook("onClose", async () => {
    await guard.stop();
    await store.close();
  });
  await app.ready();
  return { app, ctx, bootstrapKey, dnsSerial: () => serial, onDnsChange: (l) => dnsListeners.push(l) };
}

/**
 * Unknown fields are errors (never silently dropped) and body types are never coerced; query
 * strings and path params are text, so those alone are coerced (limit=10 → 10). Each is compiled
 * on first use (lazy-validator.ts).
 */
function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const base = { removeAdditional: false, allErrors: true, useDefaults: false, strict: false } as const;
  const strict = addFormats(new Ajv({ ...base, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...base, coerceTypes: true }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "querystring" || httpPart === "params" ? coercing : strict;
    return lazyValidator(ajv, schema as object);
  };
}
