import { virtualMachineModel } from "../../../sdk/model/virtual-machine";
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../../../sdk/errors";
import { freeCapacity, fits } from "../../allocator/capacity";
import { loadPoolState, placeVm } from "../placement";
import { cancelQueued, enqueueTask } from "../tasks";
import { Id, ListOf, ListQuery, Strict } from "../../../sdk/schema/common";
import type { VmHostConfig } from "../../../sdk/schema/machine";
import {
  Vm,
  VmCreate,
  type VmNetworkAttachment,
  type VmNic,
  VmStatus,
  VmUpdate,
} from "../../../sdk/schema/vm";
import { allocateNics, attachPublicIp, usableNetwork } from "../ipam/allocate";
import { hostNetworks, nicsOfVm } from "../network-payloads";
import { onlyUser, queueNicUpdates, queuePeerUpdates, releaseVmNetworking } from "../network-updates";
import { actorOf, type Principal } from "../auth";
import { checkIfMatch, nowIso, page, principalOf, type RegionContext, withEtag } from "../context";
import { appendEvent } from "../events";
import { delta, vmAmounts } from "../quota-arithmetic";
import { checkQuota } from "../quota-check";
import { newId } from "../ids";
import { idempotent, scopeOf } from "../idempotency";
import type { Database, VmTable } from "../store/database";
import { imageNames } from "./images";
import { restoreSourceFor } from "./restore";
import { assertDiskIdle } from "./snapshots";
import { visiblePool } from "./pools";

type Row = VmTable & { dnsDomain: string | null };

/** The NICs (with public addresses) of the given VMs, in two queries. */
async function nicViews(db: Kysely<Database>, vmIds: readonly string[]): Promise<Map<string, VmNic[]>> {
  const out = new Map<string, VmNic[]>();
  if (vmIds.length === 0) return out;
  const ids = [...vmIds];
  const nics = await db
    .selectFrom("nics")
    .selectAll()
    .where("vmId", "in", ids)
    .orderBy("vmId")
    .orderBy("nicIndex")
    .execute();
  const groups = await db.selectFrom("nicGroups").selectAll().where("vmId", "in", ids).execute();
  const pubs = await db
    .selectFrom("publicIps")
    .select(["vmId", "address"])
    .where("vmId", "in", ids)
    .execute();
  for (const n of nics) {
    const list = out.get(n.vmId) ?? [];
    list.push({
      networkId: n.networkId,
      mac: n.mac,
      ipv4: n.address,
      securityGroupIds: groups
        .filter((g) => g.vmId === n.vmId && g.nicIndex === n.nicIndex)
        .map((g) => g.groupId)
        .sort(),
      publicIpv4: n.nicIndex === 0 ? (pubs.find((p) => p.vmId === n.vmId)?.address ?? null) : null,
    });
    out.set(n.vmId, list);
  }
  return out;
}

async function vmViews(db: Kysely<Database>, rows: readonly Row[]): Promise<Vm[]> {
  const nics = await nicViews(
    db,
    rows.filter((r) => r.networks !== "[]").map((r) => r.id),
  );
  return rows.map((r) => vmView(r, nics.get(r.id) ?? []));
}

export function vmView(v: Row, nics: VmNic[]): Vm {
  return {
    id: v.id,
    name: v.name,
    tenantId: v.tenantId,
    poolId: v.poolId,
    hostId: v.hostId,
    regionId: v.regionId,
    image: v.image,
    cores: v.cores,
    memoryMiB: v.memoryMib,
    diskGiB: v.diskGib,
    antiAffinityGroup: v.antiAffinityGroup,
    spread: v.spread as Vm["spread"],
    description: v.description,
    powerState: v.powerState as Vm["powerState"],
    status: v.status as Vm["status"],
    statusReason: v.statusReason,
    ip: v.ip,
    networks: JSON.parse(v.networks) as VmNetworkAttachment[],
    publicIp: v.publicIp === 1,
    nics,
    publicIpv4: nics[0]?.publicIpv4 ?? null,
    fqdn: v.dnsDomain ? `${v.name}.${v.dnsDomain}` : null,
    lastSeen: v.lastSeen,
    restoreFrom: v.restoreFrom ?? null,
    version: v.version,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}

function selectVms(db: Kysely<Database>) {
  return db
    .selectFrom("vms")
    .leftJoin("regions", "regions.id", "vms.regionId")
    .selectAll("vms")
    .select("regions.dnsDomain as dnsDomain");
}

/** Tenants see only their own VMs: another tenant's VM is "not found", never "forbidden". */
export async function loadVm(db: Kysely<Database>, p: Principal, id: string): Promise<Row> {
  let q = selectVms(db).where("vms.id", "=", id);
  if (p.kind === "tenant") q = q.where("vms.tenantId", "=", p.tenantId);
  const v = await q.executeTakeFirst();
  if (!v) throw NotFoundError.of("VM", id);
  return v;
}

/** The tenant a request acts for: its own, or for an operator the `tenant` query parameter. */
export function tenantFor(req: FastifyRequest, p: Principal): string {
  if (p.kind === "tenant") return p.tenantId;
  const t = (req.query as { tenant?: string }).tenant;
  if (!t) throw ValidationError.field("query:tenant", "is required when an operator acts for a tenant");
  return t;
}

const Params = Type.Object({ id: Id }, Strict);
const tags = ["vms"];

export function vmRoutes(app: FastifyInstance, ctx: RegionContext): void {
  const db = ctx.store.db;

  app.post(
    "/vms",
    {
      schema: {
        tags,
        body: VmCreate,
        querystring: Type.Object({ tenant: Type.Optional(Id) }, Strict),
        response: { 201: Vm },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body as VmCreate;
      const tenantId = tenantFor(req, p);
      const notify: string[] = [];
      const res = await idempotent(db, scopeOf(req, p), async (trx) => {
        const t = await trx.selectFrom("tenants").select("id").where("id", "=", tenantId).executeTakeFirst();
        if (!t) throw ValidationError.field("query:tenant", `tenant ${tenantId} does not exist`);
        await visiblePool(trx, p, body.poolId).catch(() => {
          throw ValidationError.field(
            "/poolId",
            `pool ${body.poolId} does not exist or is not granted to you`,
          );
        });
        // Only catalogue images: a typo fails here, not minutes later on the host.
        const image = await trx
          .selectFrom("images")
          .select(["id", "os", "format", "source"])
          .where("name", "=", body.image)
          .executeTakeFirst();
        if (!image) {
          const known = await imageNames(trx);
          throw ValidationError.field(
            "/image",
            `unknown image ${body.image}; registered: ${known.length > 0 ? known.join(", ") : "none"}`,
          );
        }
        // A disk from a backup instead of a clone of the image (routes/restore.ts).
        const restore = body.restoreFrom ? await restoreSourceFor(trx, p, tenantId, body, image.os) : null;
        const attachments = body.networks ?? [];
        if (body.publicIp && attachments.length === 0)
          throw ValidationError.field(
            "/publicIp",
            "needs networks: a public address is NATed to the primary NIC",
          );
        if (body.regionId) {
          const r = await trx
            .selectFrom("regions")
            .select("id")
            .where("id", "=", body.regionId)
            .executeTakeFirst();
          if (!r) throw ValidationError.field("/regionId", `region ${body.regionId} does not exist`);
        }
        const pool = await trx
          .selectFrom("pools")
          .select("name")
          .where("id", "=", body.poolId)
          .executeTakeFirstOrThrow();
        const id = newId("vm");
        const ask = {
          vmId: id,
          tenantId,
          poolId: body.poolId,
          cores: body.cores,
          memoryMiB: body.memoryMiB,
          diskGiB: body.diskGiB,
          antiAffinityGroup: body.antiAffinityGroup ?? null,
          spread: body.antiAffinityGroup ? (body.spread ?? "host") : null,
          regionId: body.regionId ?? null,
        };
        const { state: all, hosts } = await loadPoolState(trx, ctx.store.dialect, body.poolId, ask.regionId);
        // A VLAN network exists only on its fabric: place the VM on that fabric's hosts.
        const fabric = await fabricOf(trx, tenantId, attachments);
        const state = fabric
          ? { ...all, hosts: all.hosts.filter((h) => hosts.get(h.id)?.fabricId === fabric) }
          : all;
        const placed = placeVm(state, ask, pool.name);
        // A refusal creates nothing: the caller can fix the request and retry.
        if (!placed.ok) throw new ConflictError(placed.reason, "NO_CAPACITY");
        await checkQuota(trx, tenantId, body.poolId, {
          ...vmAmounts(body),
          publicIps: body.publicIp ? 1 : 0,
        });
        const host = hosts.get(placed.hostId)!;
        const now = nowIso();
        const row: VmTable = {
          id,
          name: body.name,
          tenantId,
          poolId: body.poolId,
          hostId: host.machineId,
          regionId: host.regionId,
          image: body.image,
          cores: body.cores,
          memoryMib: body.memoryMiB,
          diskGib: body.diskGiB,
          antiAffinityGroup: ask.antiAffinityGroup,
          spread: ask.spread,
          description: body.description ?? "",
          powerState: body.powerState ?? "on",
          status: "Creating",
          statusReason: `placed on ${host.machineId}`,
          ip: null,
          userDataSecret: body.userData === undefined ? null : ctx.secrets.seal(body.userData),
          sshKeys: JSON.stringify(body.sshKeys ?? []),
          lastSeen: null,
          restoreFrom: body.restoreFrom ?? null,
          networks: JSON.stringify(attachments),
          publicIp: body.publicIp ? 1 : 0,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        await trx.insertInto("vms").values(row).execute();
        // IPAM in the placing transaction: a refusal here undoes the placement too.
        const nics = await allocateNics(trx, ctx.store.dialect, id, tenantId, attachments);
        if (body.publicIp) await attachPublicIp(trx, ctx.store.dialect, id, host.regionId);
        if (nics.length > 0) {
          row.ip = nics[0]!.address;
          await trx.updateTable("vms").set({ ip: row.ip }).where("id", "=", id).execute();
          const joined = await onlyUser(
            trx,
            host.machineId,
            id,
            nics.map((n) => n.network.id),
          );
          notify.push(...(await queuePeerUpdates(trx, ctx.secrets, host.machineId, joined)));
          const groups = [...new Set(attachments.flatMap((a) => a.securityGroupIds ?? []))];
          notify.push(...(await queueNicUpdates(trx, ctx.secrets, groups, "members", id)));
        }
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "vm",
          objectId: row.id,
          kind: "created",
          to: "Creating",
          reason: `placed on host ${host.machineId}`,
        });
        await enqueueTask(trx, ctx.secrets, {
          rackId: host.rackId,
          kind: "vm.create",
          objectId: id,
          payload: {
            vmId: id,
            hostname: row.name,
            host: host.config,
            image: row.image,
            cores: row.cores,
            memoryMiB: row.memoryMib,
            diskGiB: row.diskGib,
            userData: body.userData ?? null,
            sshKeys: body.sshKeys ?? [],
            powerState: row.powerState,
            tenantId,
            ...(restore ? { restoreFrom: restore } : {}),
            nics: await nicsOfVm(trx, id),
            networks: await hostNetworks(trx, host.machineId),
            // The host may not have imported it yet: the rack then does it first.
            imageSource: {
              name: body.image,
              os: image.os,
              format: image.format,
              path: (JSON.parse(image.source) as { path: string }).path,
            },
          },
        });
        notify.push(host.rackId);
        return { status: 201, body: (await vmViews(trx, [await loadVm(trx, p, row.id)]))[0]! };
      });
      ctx.dnsChanged();
      for (const rack of new Set(notify)) ctx.tasks.notify(rack);
      return reply.code(res.status as 201).send(withEtag(reply, res.body));
    },
  );

  app.get(
    "/vms",
    {
      schema: {
        tags,
        querystring: Type.Composite(
          [
            ListQuery,
            Type.Object({
              pool: Type.Optional(Id),
              host: Type.Optional(Id),
              region: Type.Optional(Id),
              status: Type.Optional(VmStatus),
              owner: Type.Optional(Id),
            }),
          ],
          Strict,
        ),
        response: { 200: ListOf(Vm) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query as {
        limit?: number;
        cursor?: string;
        pool?: string;
        host?: string;
        region?: string;
        status?: string;
        owner?: string;
      };
      const limit = q.limit ?? 100;
      let query = selectVms(db)
        .orderBy("vms.id")
        .limit(limit + 1);
      if (q.cursor) query = query.where("vms.id", ">", q.cursor);
      if (p.kind === "tenant") query = query.where("vms.tenantId", "=", p.tenantId);
      else if (q.owner) query = query.where("vms.tenantId", "=", q.owner);
      if (q.pool) query = query.where("vms.poolId", "=", q.pool);
      if (q.host) query = query.where("vms.hostId", "=", q.host);
      if (q.region) query = query.where("vms.regionId", "=", q.region);
      if (q.status) query = query.where("vms.status", "=", q.status);
      const { items, nextCursor } = page(await query.execute(), limit);
      return { items: await vmViews(db, items), nextCursor };
    },
  );

  app.get("/vms/:id", { schema: { tags, params: Params, response: { 200: Vm } } }, async (req, reply) => {
    const v = await loadVm(db, principalOf(req), (req.params as { id: string }).id);
    return withEtag(reply, (await vmViews(db, [v]))[0]!);
  });

  app.patch(
    "/vms/:id",
    { schema: { tags, params: Params, body: VmUpdate, response: { 200: Vm } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof VmUpdate>;
      let rackId: string | undefined;
      const updated = await db.transaction().execute(async (trx) => {
        const v = await loadVm(trx, p, id);
        checkIfMatch(req, v.version);
        // What the providers would replace the VM for, an update cannot do.
        const refused = virtualMachineModel.replaceReasons!({ diskGiB: v.diskGib }, body);
        if (refused.length > 0) throw ValidationError.fields(refused);
        const size = {
          cores: body.cores ?? v.cores,
          memoryMiB: body.memoryMiB ?? v.memoryMib,
          diskGiB: body.diskGiB ?? v.diskGib,
        };
        const resized =
          size.cores !== v.cores || size.memoryMiB !== v.memoryMib || size.diskGiB !== v.diskGib;
        const powered = body.powerState !== undefined && body.powerState !== v.powerState;
        if ((resized || powered) && (!v.hostId || !["Running", "Stopped"].includes(v.status))) {
          throw new ConflictError(
            `VM ${v.name} is ${v.status}; it can be resized or powered only when Running or Stopped`,
          );
        }
        // Not under a snapshot, revert or backup of its disk (routes/snapshots.ts).
        if (resized || powered) await assertDiskIdle(trx, v, resized ? "resize" : "power change");
        if (resized) {
          // Growing must fit on the VM's own host, with this VM's current size given back first.
          const { state } = await loadPoolState(trx, ctx.store.dialect, v.poolId, null);
          const h = state.hosts.find((x) => x.id === v.hostId);
          const policy = state.pools[0]!;
          if (!h) throw new ConflictError(`VM ${v.name}'s host is no longer an active VM host`);
          const free = freeCapacity(
            {
              ...h,
              used: {
                cores: h.used.cores - v.cores,
                memoryMiB: h.used.memoryMiB - v.memoryMib,
                diskGiB: h.used.diskGiB - v.diskGib,
              },
            },
            policy,
          );
          if (!fits(free, size)) {
            throw new ConflictError(
              `host ${h.id} has room for ${free.cores} cores / ${free.memoryMiB} MiB / ${free.diskGiB} GiB for this VM; asked ${size.cores} / ${size.memoryMiB} / ${size.diskGiB}`,
              "NO_CAPACITY",
            );
          }
        }
        if (resized)
          await checkQuota(
            trx,
            v.tenantId,
            v.poolId,
            delta(vmAmounts({ cores: v.cores, memoryMiB: v.memoryMib, diskGiB: v.diskGib }), vmAmounts(size)),
          );
        const set: Partial<VmTable> = {
          cores: size.cores,
          memoryMib: size.memoryMiB,
          diskGib: size.diskGiB,
          description: body.description ?? v.description,
          powerState: body.powerState ?? v.powerState,
          ...(resized || powered
            ? { status: "Updating", statusReason: resized ? "resizing" : `powering ${body.powerState}` }
            : {}),
          version: v.version + 1,
          updatedAt: nowIso(),
        };
        await trx.updateTable("vms").set(set).where("id", "=", id).execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "vm",
          objectId: id,
          kind: "updated",
          from: v.status,
          to: set.status ?? v.status,
        });
        if (resized || powered) {
          const h = await hostOf(trx, v.hostId!);
          rackId = h.rackId;
          await enqueueTask(trx, ctx.secrets, {
            rackId: h.rackId,
            kind: resized ? "vm.update" : "vm.power",
            objectId: id,
            payload: { vmId: id, host: h.config, ...size, powerState: set.powerState },
          });
        }
        return (await vmViews(trx, [await loadVm(trx, p, id)]))[0]!;
      });
      if (rackId) ctx.tasks.notify(rackId);
      return withEtag(reply, updated);
    },
  );

  app.delete(
    "/vms/:id",
    { schema: { tags, params: Params, response: { 202: Vm, 204: Type.Null() } } },
    async (req, reply) => {
      const p = principalOf(req);
      const { id } = req.params as { id: string };
      const res = await db.transaction().execute(async (trx) => {
        const v = await loadVm(trx, p, id);
        checkIfMatch(req, v.version);
        await cancelQueued(trx, id);
        if (!v.hostId) {
          // Never placed, or its create failed and was undone: nothing exists on any host.
          const wake = await releaseVmNetworking(trx, ctx.secrets, id);
          await trx.deleteFrom("vms").where("id", "=", id).execute();
          await appendEvent(trx, {
            actor: actorOf(p),
            objectType: "vm",
            objectId: id,
            kind: "deleted",
            from: v.status,
          });
          return { gone: true as const, wake };
        }
        // The host keeps the capacity booked until its rack confirms the domain and volumes are gone.
        const h = await hostOf(trx, v.hostId);
        await trx
          .updateTable("vms")
          .set({
            status: "Deleting",
            statusReason: "deleting on its host",
            version: v.version + 1,
            updatedAt: nowIso(),
          })
          .where("id", "=", id)
          .execute();
        await appendEvent(trx, {
          actor: actorOf(p),
          objectType: "vm",
          objectId: id,
          kind: "delete-requested",
          from: v.status,
          to: "Deleting",
        });
        await enqueueTask(trx, ctx.secrets, {
          rackId: h.rackId,
          kind: "vm.delete",
          objectId: id,
          payload: {
            vmId: id,
            host: h.config,
            nics: await nicsOfVm(trx, id),
            networks: await hostNetworks(trx, v.hostId, id),
          },
          maxAttempts: 5,
        });
        return {
          gone: false as const,
          rackId: h.rackId,
          vm: (await vmViews(trx, [await loadVm(trx, p, id)]))[0]!,
        };
      });
      ctx.dnsChanged();
      if (res.gone) {
        for (const rack of res.wake) ctx.tasks.notify(rack);
        return reply.code(204).send();
      }
      ctx.tasks.notify(res.rackId);
      return reply.code(202).send(res.vm);
    },
  );
}

/** The one fabric the VM's VLAN networks need, if any; two different ones cannot meet on a host. */
async function fabricOf(
  trx: Kysely<Database>,
  tenantId: string,
  attachments: readonly VmNetworkAttachment[],
): Promise<string | undefined> {
  let found: { fabricId: string; name: string } | undefined;
  for (const [i, a] of attachments.entries()) {
    const n = await usableNetwork(trx, tenantId, a.networkId);
    if (!n?.fabricId) continue;
    if (found && found.fabricId !== n.fabricId) {
      throw ValidationError.field(
        `/networks/${i}/networkId`,
        `network ${n.name} is a VLAN of fabric ${n.fabricId} and ${found.name} of fabric ${found.fabricId}: no host has both`,
      );
    }
    found = { fabricId: n.fabricId, name: n.name };
  }
  return found?.fabricId;
}

/** A VM host's rack and libvirt settings. */
export async function hostOf(
  trx: Kysely<Database>,
  machineId: string,
): Promise<{ rackId: string; config: VmHostConfig }> {
  const m = await trx
    .selectFrom("machines")
    .select(["rackId", "vmHostConfig"])
    .where("id", "=", machineId)
    .executeTakeFirstOrThrow();
  if (!m.vmHostConfig) throw new ConflictError(`machine ${machineId} has no VM host configuration`);
  return { rackId: m.rackId, config: JSON.parse(m.vmHostConfig) as VmHostConfig };
}
