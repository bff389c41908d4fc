/**
 * The base image catalogue: operators register images by path (on the rack controllers), the
 * region queues their import on every VM host, and VMs may only name registered images.
 * Images are shared: tenants list and read them, only operators create and delete.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError } from "../../../sdk/errors";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import { Image, ImageCreate, type ImageHostStatus } from "../../../sdk/schema/image";
import { actorOf, requireAdmin } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { newId } from "../ids";
import { importHosts, queueImport } from "../image-imports";
import { idempotent, scopeOf } from "../idempotency";
import { cancelQueued } from "../tasks";
import type { Database, ImageHostTable, ImageTable } from "../store/database";

const Params = Type.Object({ id: Id }, Strict);
const tags = ["images"];

/** Pure: the image's summary over its hosts, and why. */
export function overallStatus(hosts: { hostId: string; status: string; reason: string }[]): {
  status: ImageHostStatus;
  statusReason: string;
} {
  const failed = hosts.filter((h) => h.status === "failed");
  if (failed.length > 0)
    return { status: "failed", statusReason: failed.map((h) => `${h.hostId}: ${h.reason}`).join("; ") };
  const ready = hosts.filter((h) => h.status === "ready").length;
  if (hosts.length === 0) return { status: "pending", statusReason: "no VM host yet" };
  if (ready === hosts.length) return { status: "ready", statusReason: `on ${ready} VM host(s)` };
  return { status: "pending", statusReason: `ready on ${ready} of ${hosts.length} VM host(s)` };
}

export function imageView(i: ImageTable, hosts: ImageHostTable[]): Image {
  const mine = hosts
    .filter((h) => h.imageId === i.id)
    .map((h) => ({
      hostId: h.machineId,
      status: h.status as ImageHostStatus,
      reason: h.reason,
      updatedAt: h.updatedAt,
    }));
  return {
    id: i.id,
    name: i.name,
    os: i.os as Image["os"],
    format: i.format as Image["format"],
    source: JSON.parse(i.source) as { path: string },
    description: i.description,
    ...overallStatus(mine),
    hosts: mine,
    version: i.version,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

async function imageViews(db: Kysely<Database>, images: ImageTable[]): Promise<Image[]> {
  if (images.length === 0) return [];
  const hosts = await db
    .selectFrom("imageHosts")
    .selectAll()
    .where(
      "imageId",
      "in",
      images.map((i) => i.id),
    )
    .orderBy("machineId")
    .execute();
  return images.map((i) => imageView(i, hosts));
}

/** Registered image names, for the error that tells a caller what it may use. */
export async function imageNames(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom("images").select("name").orderBy("name").execute()).map((r) => r.name);
}

export function imageRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/images",
    { schema: { tags, body: ImageCreate, response: { 201: Image } } },
    async (req, reply) => {
      const p = principalOf(req);
      requireAdmin(p);
      const body = req.body as ImageCreate;
      const wake = new Set<string>();
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const same = await trx
          .selectFrom("images")
          .select("id")
          .where("name", "=", body.name)
          .executeTakeFirst();
        if (same) throw new ConflictError(`image ${body.name} already exists (${same.id})`);
        const now = nowIso();
        const row: ImageTable = {
          id: newId("img"),
          name: body.name,
          os: body.os,
          format: body.format ?? "qcow2",
          source: JSON.stringify({ path: body.source.path }),
          description: body.description ?? "",
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("images").values(row).execute();
        const hosts = await importHosts(trx);
        for (const h of hosts) wake.add(await queueImport(trx, ctx.secrets, row, h));
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "image",
          objectId: row.id,
          kind: "created",
          reason: `import queued on ${hosts.length} VM host(s)`,
        });
        return { status: 201, body: (await imageViews(trx, [row]))[0]! };
      });
      for (const rack of wake) ctx.tasks.notify(rack);
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/images",
    { schema: { tags, querystring: ListQuery, response: { 200: ListOf(Image) } } },
    async (req) => {
      const q = req.query as { limit?: number; cursor?: string };
      const limit = q.limit ?? 100;
      let query = db
        .selectFrom("images")
        .selectAll()
        .orderBy("id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("id", ">", q.cursor);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: await imageViews(db, items), nextCursor };
    },
  );

  app.get(
    "/images/:id",
    { schema: { tags, params: Params, response: { 200: Image } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const image = await db.selectFrom("images").selectAll().where("id", "=", id).executeTakeFirst();
      if (!image) throw NotFoundError.of("image", id);
      return withEtag(reply, (await imageViews(db, [image]))[0]!);
    },
  );

  app.delete("/images/:id", { schema: { tags, params: Params } }, async (req, reply) => {
    const p = principalOf(req);
    requireAdmin(p);
    const { id } = req.params as { id: string };
    await db.transaction().execute(async (trx) => {
      const image = await trx.selectFrom("images").selectAll().where("id", "=", id).executeTakeFirst();
      if (!image) throw NotFoundError.of("image", id);
      checkIfMatch(req, image.version);
      const users = await trx.selectFrom("vms").select("name").where("image", "=", image.name).execute();
      if (users.length > 0) {
        const names = users.slice(0, 10).map((v) => v.name);
        throw new ConflictError(
          `image ${image.name} is used by ${users.length} VM(s): ${names.join(", ")}${users.length > 10 ? ", …" : ""}`,
        );
      }
      // Imports not yet claimed are pointless now; running ones finish and find no row to update.
      await cancelQueued(trx, id);
      await trx.deleteFrom("imageHosts").where("imageId", "=", id).execute();
      await trx.deleteFrom("images").where("id", "=", id).execute();
      await appendEvent(trx, { actor: actorOf(p), objectType: "image", objectId: id, kind: "deleted" });
    });
    return reply.code(204).send();
  });
}
