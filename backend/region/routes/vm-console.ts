/**
 * A VM's serial console as a WebSocket, through its rack (sdk/console.ts is the contract):
 *
 *   client ──GET /vms/:id/console (upgrade)──▶ region ◀──GET /rack-agent/consoles/:session── rack
 *                                                      (dialled out by the rack for a vm.console task)
 *
 * Everything is checked before the upgrade, so a refusal is an HTTP problem+json answer:
 * another tenant's VM is 404, a VM that is not running or whose domain has no console socket
 * (made before VMs had one) or whose console is in use is 409, an offline rack 503, a rack that
 * does not dial in within the wait 504. Each session is audited on the VM's events
 * (console-opened / console-closed with who, bytes each way, length and why it ended;
 * console-failed for a refusal after the rack was asked).
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import {
  ConflictError,
  FibrixError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnavailableError,
} from "../../../sdk/errors";
import { Id, Strict } from "../../../sdk/schema/common";
import { actorOf } from "../auth";
import type { ConsoleSession } from "../console-sessions";
import { nowIso, principalOf, type RegionContext } from "../context";
import { appendEvent } from "../events";
import { enqueueTask } from "../tasks";
import { hostOf, loadVm } from "./vms";

const VmParams = Type.Object({ id: Id }, Strict);
const SessionParams = Type.Object({ session: Type.String({ pattern: "^cns_[0-9a-f]{16}$" }) }, Strict);

const UPGRADE_ONLY =
  "this endpoint is a WebSocket: send GET with `Connection: Upgrade` and `Upgrade: websocket` (RFC 6455)";

declare module "fastify" {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
  }
}

function upgradeRequired(reply: FastifyReply): FibrixError {
  reply.header("upgrade", "websocket");
  return new FibrixError("UPGRADE_REQUIRED", UPGRADE_ONLY);
}

/** What a failed vm.console task means for the client waiting on the upgrade. */
function refusal(code: string, message: string): FibrixError {
  if (code === "CONSOLE_UNAVAILABLE" || code === "VM_NOT_FOUND") return new ConflictError(message);
  return new UnavailableError(`the rack could not open the console: ${code}: ${message}`);
}

export function vmConsoleRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;
  const consoles = ctx.consoles;

  async function failed(session: ConsoleSession, why: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (session.taskId) {
        // Not claimed yet: nobody should open a console for a client that has gone.
        await trx
          .updateTable("tasks")
          .set({ status: "cancelled", updatedAt: nowIso() })
          .where("id", "=", session.taskId)
          .where("status", "=", "queued")
          .execute();
      }
      await appendEvent(trx, {
        actor: session.actor,
        objectType: "vm",
        objectId: session.vmId,
        kind: "console-failed",
        reason: `session ${session.id}: ${why}`.slice(0, 4000),
      });
    });
  }

  /** Every check, the task to the rack and the wait for it: all before the upgrade. */
  async function prepare(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const p = principalOf(req);
    const { id } = req.params as Static<typeof VmParams>;
    const v = await loadVm(db, p, id);
    if (!v.hostId || v.status !== "Running") {
      throw new ConflictError(`VM ${v.name} is ${v.status}: its console is there only while it runs`);
    }
    const host = await hostOf(db, v.hostId);
    const rack = await db
      .selectFrom("racks")
      .select(["name", "status"])
      .where("id", "=", host.rackId)
      .executeTakeFirstOrThrow();
    if (rack.status !== "Online") {
      throw new UnavailableError(`rack ${rack.name}, which carries this VM's console, is ${rack.status}`);
    }
    // A plain GET answers the checks above, then says what this is: a browser, whose failed
    // upgrade shows no status, asks this way why it was refused.
    if (!req.ws) {
      consoles.assertFree(v.id);
      throw upgradeRequired(reply);
    }
    // A per-key bound on open sessions, held until the client's socket goes (or the refusal).
    const release = ctx.connections.acquire(p.keyId, "console sessions");
    req.raw.socket.once("close", release);
    const session = consoles.create(v.id, host.rackId, actorOf(p));
    try {
      session.taskId = await db.transaction().execute((trx) =>
        enqueueTask(trx, ctx.secrets, {
          rackId: host.rackId,
          kind: "vm.console",
          objectId: session.id,
          payload: { vmId: v.id, name: v.name, host: host.config, session: session.id },
          maxAttempts: 1,
        }),
      );
      ctx.tasks.notify(host.rackId);
      const got = await consoles.waitForRack(session.id, consoles.limits.rackWaitMs, async () => {
        const t = await db
          .selectFrom("tasks")
          .select(["status", "error"])
          .where("id", "=", session.taskId!)
          .executeTakeFirst();
        if (!t || t.status === "cancelled") return new UnavailableError("the console task was cancelled");
        if (t.status !== "failed") return null;
        const e = JSON.parse(t.error ?? "{}") as { code?: string; message?: string };
        return refusal(e.code ?? "FAILED", e.message ?? "no reason given");
      });
      if (got === "timeout") {
        throw new TimeoutError(
          `rack ${rack.name} did not open the console within ${Math.round(consoles.limits.rackWaitMs / 1000)} s`,
        );
      }
      if (got instanceof Error) throw got;
      if (req.raw.socket.destroyed) throw new UnavailableError("the client left before the console opened");
      req.consoleSession = session;
    } catch (e) {
      release();
      consoles.drop(session.id, "the console was refused");
      await failed(session, e instanceof Error ? e.message : String(e)).catch((err) =>
        ctx.log.warn({ err: String(err) }, "could not record a console failure"),
      );
      throw e;
    }
  }

  app.route({
    method: "GET",
    url: "/vms/:id/console",
    schema: {
      tags: ["vms"],
      summary: "The VM's serial console (WebSocket)",
      description: [
        "WebSocket upgrade (RFC 6455): send `Connection: Upgrade`, `Upgrade: websocket` and the",
        "API key as `Authorization: Bearer` (browsers, which cannot set it: as the subprotocol",
        "`base64url.bearer.fibrix-metal.<base64url key>` beside `console.fibrix-metal.v1`, the one",
        "answered). Binary frames carry the console's bytes both ways. A plain GET runs the same",
        "checks and answers their refusal, or 426 when the console could be opened.",
        "Refusals are answered before the upgrade as problem+json: 404 (no such VM for this key),",
        "409 (not running, console in use, or a VM created before VMs had a console socket),",
        "503 (rack offline), 504 (rack did not connect in time). A session ends with close code",
        "1000 (client), 1001 (region stopping), 4000 (the VM's console ended), 4001 (idle),",
        "4002 (maximum length) or 4003 (the rack's side went away). One session per VM.",
      ].join(" "),
      params: VmParams,
      response: {
        101: { description: "Switching Protocols: the console is connected", type: "null" },
        426: { description: "Not a WebSocket upgrade request", type: "object", additionalProperties: true },
      },
    },
    preValidation: prepare,
    handler: async () => undefined, // not reached: prepare answers every plain GET with 426
    wsHandler: (client: WebSocket, req: FastifyRequest) => {
      const session = req.consoleSession;
      if (!session) {
        client.close(1011, "no console session");
        return;
      }
      const opened = appendEvent(db, {
        actor: session.actor,
        objectType: "vm",
        objectId: session.vmId,
        kind: "console-opened",
        reason: `session ${session.id} by ${session.actor}`,
      }).catch((err) => ctx.log.warn({ err: String(err) }, "could not record a console opening"));
      void consoles.pipe(session.id, client).then(async (end) => {
        await opened;
        await appendEvent(db, {
          actor: session.actor,
          objectType: "vm",
          objectId: session.vmId,
          kind: "console-closed",
          reason: `session ${session.id}: ${end.bytesIn} B in, ${end.bytesOut} B out, ${(end.ms / 1000).toFixed(1)} s; close ${end.code} (${end.reason})`,
        }).catch((err) => ctx.log.warn({ err: String(err) }, "could not record a console closing"));
      });
    },
  });

  app.route({
    method: "GET",
    url: "/rack-agent/consoles/:session",
    schema: {
      tags: ["rack-agent"],
      summary: "The rack's side of a console session (WebSocket, rack token)",
      description: "Dialled by the rack for a vm.console task; the region pipes it to the client's socket.",
      params: SessionParams,
      response: {
        101: { description: "Switching Protocols", type: "null" },
        426: { description: "Not a WebSocket upgrade request", type: "object", additionalProperties: true },
      },
    },
    preValidation: async (req, reply) => {
      const p = principalOf(req);
      if (p.kind !== "rack") throw new ForbiddenError("rack token required");
      if (!req.ws) throw upgradeRequired(reply);
      const { session } = req.params as Static<typeof SessionParams>;
      if (!consoles.expects(session, p.rackId)) throw NotFoundError.of("console session", session);
    },
    handler: async () => undefined,
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const p = principalOf(req);
      if (p.kind !== "rack") return socket.close(1008, "rack token required");
      consoles.attachRack((req.params as Static<typeof SessionParams>).session, p.rackId, socket);
    },
  });
}
