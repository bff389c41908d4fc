/**
 * API keys: `fbx_<43 chars base64url>`, 256 random bits, stored as SHA-256 (a slow hash adds
 * nothing for keys of this entropy and would cost every request). Admins (the ISP's
 * operators) own the infrastructure; tenant keys see their own VMs and granted pools only.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { ForbiddenError, UnauthorizedError } from "../../sdk/errors";
import { newId } from "./ids";
import type { Database } from "./store/database";

export type Principal =
  | { kind: "admin"; keyId: string; name: string }
  | { kind: "tenant"; keyId: string; name: string; tenantId: string }
  /** A rack controller, by its enrollment token (`fbr_…`); it may use /rack-agent only. */
  | { kind: "rack"; keyId: string; name: string; rackId: string };

export function generateApiKey(): string {
  return `fbx_${randomBytes(32).toString("base64url")}`;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function actorOf(p: Principal): string {
  if (p.kind === "rack") return `rack:${p.rackId}`;
  return p.kind === "admin" ? `admin:${p.name}` : `tenant:${p.tenantId}:${p.name}`;
}

export function requireAdmin(p: Principal): void {
  if (p.kind !== "admin") throw new ForbiddenError("this operation needs an operator (admin) API key");
}

/**
 * Resolves bearer keys, remembering `lastUsedAt` at most once a minute per key. Answers are
 * cached for a few seconds (a revoked key stops working within CACHE_MS, on every replica).
 */
export class KeyAuthenticator {
  private readonly touched = new Map<string, number>();
  private readonly cache = new Map<string, { p: Principal; until: number }>();
  static readonly CACHE_MS = 5000;

  constructor(private readonly db: Kysely<Database>) {}

  /** Forget cached answers (after a revocation on this replica). */
  forget(): void {
    this.cache.clear();
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const m = header?.match(/^Bearer\s+(\S+)$/i);
    if (!m) throw new UnauthorizedError();
    const hit = this.cache.get(m[1]!);
    if (hit && hit.until > Date.now()) return hit.p;
    const p = await this.lookup(m[1]!);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(m[1]!, { p, until: Date.now() + KeyAuthenticator.CACHE_MS });
    return p;
  }

  private async lookup(key: string): Promise<Principal> {
    if (key.startsWith("fbr_")) {
      // A whole token (with its `.pin`, sdk/enrollment-token.ts) works as well as its secret.
      const rack = await this.db
        .selectFrom("racks")
        .select(["id", "name"])
        .where("tokenHash", "=", hashKey(key.split(".")[0]!))
        .executeTakeFirst();
      if (!rack) throw new UnauthorizedError("unknown rack enrollment token");
      return { kind: "rack", keyId: rack.id, name: rack.name, rackId: rack.id };
    }
    const row = await this.db
      .selectFrom("apiKeys")
      .select(["id", "name", "role", "tenantId", "revokedAt"])
      .where("hash", "=", hashKey(key))
      .executeTakeFirst();
    if (!row || row.revokedAt) throw new UnauthorizedError("unknown or revoked API key");
    const now = Date.now();
    if ((this.touched.get(row.id) ?? 0) < now - 60_000) {
      this.touched.set(row.id, now);
      await this.db
        .updateTable("apiKeys")
        .set({ lastUsedAt: new Date(now).toISOString() })
        .where("id", "=", row.id)
        .execute();
    }
    if (row.role === "admin") return { kind: "admin", keyId: row.id, name: row.name };
    return { kind: "tenant", keyId: row.id, name: row.name, tenantId: row.tenantId! };
  }
}

/**
 * Makes sure an admin key exists. With `envKey` (FIBRIX_ADMIN_KEY) that key is registered;
 * otherwise, on first start only, a key is generated and returned so the caller can print it
 * once. Returns undefined when nothing new was created.
 */
export async function ensureAdminKey(db: Kysely<Database>, envKey?: string): Promise<string | undefined> {
  if (envKey) {
    if (envKey.length < 16) throw new Error("FIBRIX_ADMIN_KEY must be at least 16 characters");
    const hash = hashKey(envKey);
    const found = await db.selectFrom("apiKeys").select("id").where("hash", "=", hash).executeTakeFirst();
    if (!found) await insertAdmin(db, hash, "env");
    return undefined;
  }
  const any = await db.selectFrom("apiKeys").select("id").where("role", "=", "admin").executeTakeFirst();
  if (any) return undefined;
  const key = generateApiKey();
  await insertAdmin(db, hashKey(key), "bootstrap");
  return key;
}

async function insertAdmin(db: Kysely<Database>, hash: string, name: string): Promise<void> {
  await db
    .insertInto("apiKeys")
    .values({
      id: newId("key"),
      name,
      role: "admin",
      tenantId: null,
      hash,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    })
    .execute();
}
